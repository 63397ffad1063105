"""Who is calling (R-SEC-1): a person by the session cookie, an integrating system by its bearer
token, or the public. Every route declares the capability it needs with one of the dependencies
below; a test walks the route table so that no route can be added without one.

A signed-in person's unsafe request (POST, PUT, PATCH, DELETE) must echo the session's CSRF token
in the `X-CSRF-Token` header: the cookie alone, which a browser attaches to any site's request,
is not enough.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from jiancha.domain.access.roles import ROLE_ZH, Capability, Role
from jiancha.domain.errors import Rejected
from jiancha.services import access
from jiancha.services.access import PUBLIC, Caller

COOKIE = "jiancha_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def caller(request: Request) -> Caller:
    db = request.app.state.db
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        found = access.token_caller(db, auth[7:].strip())
        if found is None:
            raise Rejected(
                "bad_token", "API 令牌无效或已吊销", "the API token is invalid or revoked", status=401
            )
        return found
    token = request.cookies.get(COOKIE)
    if not token:
        return PUBLIC
    person = access.session_caller(db, token)
    if person is None:
        raise Rejected(
            "session_expired", "会话已过期，请重新登录", "the session has ended; sign in again", status=401
        )
    if request.method not in SAFE and not access.csrf_matches(person, request.headers.get(CSRF_HEADER)):
        raise Rejected(
            "csrf", "缺少或错误的 CSRF 令牌", f"the {CSRF_HEADER} header is missing or wrong", status=403
        )
    return person


def _allow(*capabilities: Capability) -> Callable[..., Caller]:
    """A dependency letting through a caller with any of `capabilities` (a signal's moves: the
    department explains, the agency decides)."""

    def dependency(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if any(who.may(c) for c in capabilities):
            return who
        if who.role is None:
            raise Rejected("sign_in_required", "请先登录", "sign in first", status=401)
        raise Rejected(
            "forbidden",
            f"{ROLE_ZH[who.role]}无权进行此操作",
            f"a {who.role.value} may not do this ({' or '.join(capabilities)})",
            status=403,
        )

    dependency.capability = capabilities  # type: ignore[attr-defined]
    return dependency


def _public() -> Caller:
    """Open to anyone; the caller is not even looked at (no session, so no CSRF to check)."""
    return PUBLIC


_public.capability = Capability.public  # type: ignore[attr-defined]

# One dependency per capability, made once: FastAPI then runs `caller` once per request.
PUBLIC_ACCESS = _public
READ = _allow(Capability.read)
SUPERVISE = _allow(Capability.supervise)
ANSWER = _allow(Capability.answer)
MANAGE = _allow(Capability.manage)
INGEST = _allow(Capability.ingest)
SIGNED_IN = _allow(Capability.signed_in)


SUPERVISE_OR_ANSWER = _allow(Capability.supervise, Capability.answer)
# Back-testing a pack: the administrator who would switch it on, the supervisors who would use it.
TEST_PACK = _allow(Capability.manage, Capability.supervise)
# Corrections (R-AUD-2) are asked for by whoever keeps the data: departments and agencies for
# cases and events, administrators for the catalogue; the service checks which.
CORRECT = _allow(Capability.read, Capability.manage)
# Evidence comes from the systems, from departments answering, and from supervisors.
UPLOAD = _allow(Capability.ingest, Capability.answer, Capability.supervise)
# What a department published (R-OPEN-3) comes from its system or an administrator, who also reads it.
SEND_LIST = _allow(Capability.ingest, Capability.manage)
READ_LISTS = _allow(Capability.read, Capability.manage)

Public = Annotated[Caller, Depends(PUBLIC_ACCESS)]
Reader = Annotated[Caller, Depends(READ)]
Supervisor = Annotated[Caller, Depends(SUPERVISE)]
Answerer = Annotated[Caller, Depends(ANSWER)]
Handler = Annotated[Caller, Depends(SUPERVISE_OR_ANSWER)]
Manager = Annotated[Caller, Depends(MANAGE)]
Uploader = Annotated[Caller, Depends(UPLOAD)]
Tester = Annotated[Caller, Depends(TEST_PACK)]
Corrector = Annotated[Caller, Depends(CORRECT)]
ListSender = Annotated[Caller, Depends(SEND_LIST)]
ListReader = Annotated[Caller, Depends(READ_LISTS)]


def top_level_only(who: Caller) -> None:
    """For what spans the whole platform and cannot yet be cut to a scope (the raw ledger,
    back-tests over every department): the top-level agency and the administrators only."""
    if not who.scope.everything and who.role != Role.administrator:
        raise Rejected(
            "top_level_only",
            "仅限最高一级监察机关",
            "only the top-level supervision agency may see this across the platform",
            status=403,
        )


Ingester = Annotated[Caller, Depends(INGEST)]
SignedIn = Annotated[Caller, Depends(SIGNED_IN)]


def declared(route: Any) -> tuple[Capability, ...]:
    """The capabilities a route declares (any one suffices); empty when it declares none — which
    the access tests refuse, so that no route can be added without saying who may call it."""
    todo, found = [route.dependant], list[Capability]()
    while todo:
        dep = todo.pop()
        marked = getattr(dep.call, "capability", None)
        if marked is not None:
            found.extend(marked if isinstance(marked, tuple) else (marked,))
        todo.extend(dep.dependencies)
    return tuple(dict.fromkeys(found))


def api_routes(app: Any) -> list[tuple[str, str, Any]]:
    """Every (method, full path, route) of the application's API, through its included routers —
    not the pages' shells (web.pages), which hold no data and are the same for everyone."""
    from fastapi.routing import APIRoute, iter_route_contexts

    return [
        (method, str(context.path), context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and str(context.path).startswith("/api/")
        for method in sorted(context.methods or ())
    ]
