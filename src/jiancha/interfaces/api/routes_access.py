"""Signing in and out, users and their permissions, and the integrating systems' tokens (R-SEC-1)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.interfaces.api.access import COOKIE, Manager, Public, SignedIn
from jiancha.interfaces.api.deps import database
from jiancha.services import access
from jiancha.services.access import Caller
from jiancha.settings import access_settings
from jiancha.store.database import Database

router = APIRouter(tags=["access"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


def me(c: Caller) -> dict[str, Any]:
    return {
        "username": c.name,
        "display_name": c.display_name,
        "role": c.role.value if c.role else None,
        "region_code": c.region_code,
        "department_code": c.department_code,
        "leader": c.leader,
        "scope": None if c.scope.everything else sorted(c.scope.departments or ()),
    }


@router.post("/auth/login", summary="Sign in: a session cookie, and the CSRF token to echo")
def post_login(
    body: Credentials, response: Response, _: Public, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    signed = access.sign_in(db, body.username, body.password)
    settings = access_settings()
    response.set_cookie(
        COOKIE,
        signed.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return {
        "user": me(signed.caller),
        "csrf_token": signed.csrf_token,
        "expires_at": signed.expires_at.isoformat(),
    }


@router.post("/auth/logout", summary="Sign out: the session ends")
def post_logout(
    request: Request, response: Response, _: SignedIn, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    access.sign_out(db, request.cookies.get(COOKIE, ""))
    response.delete_cookie(COOKIE, path="/")
    return {"signed_out": True}


@router.get("/auth/me", summary="Who I am, and what I see; a session's CSRF token for a page reloaded")
def get_me(who: SignedIn) -> dict[str, Any]:
    # Safe to answer: no other site can read this response (no CORS), and the page that signed in
    # needs the token again after a reload, which forgets what the page held.
    return {**me(who), "csrf_token": who.csrf_token}


@router.get(
    "/users",
    summary="Every user's role, capabilities and scope: the periodic permission review",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_users(
    _: Manager,
    db: Annotated[Database, Depends(database)],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    rows = access.list_users(db)
    if format == "json":
        return {"total": len(rows), "users": rows}
    out = io.StringIO()
    fields = [
        "username",
        "display_name",
        "role",
        "role_zh",
        "capabilities",
        "region_code",
        "department_code",
        "scope",
        "leader",
        "reads_cases",
        "active",
        "locked_until",
        "created_at",
        "created_by",
    ]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows({**r, "capabilities": " ".join(r["capabilities"])} for r in rows)
    return Response(
        "\ufeff".encode() + out.getvalue().encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="permissions.csv"'},
    )


@router.post("/users", status_code=201, summary="Give a person access")
def post_user(
    who: Manager, db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return access.create_user(db, access.parse_user(body), by=who.label)


Username = Annotated[str, Path(min_length=1, max_length=64)]


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool


@router.post("/users/{username}/active", summary="Disable a user (their sessions end) or enable again")
def post_active(
    username: Username, body: Activity, who: Manager, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    access.set_active(db, username, body.active, by=who.label)
    return {"username": username, "active": body.active}


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=1, max_length=200)]
    department_code: Annotated[str, Field(pattern=CODE_PATTERN)]


@router.get("/tokens", summary="The integrating systems' tokens (never the tokens themselves)")
def get_tokens(_: Manager, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return {"tokens": access.list_tokens(db)}


@router.post("/tokens", status_code=201, summary="A token for one department's system: shown once")
def post_token(body: TokenIn, who: Manager, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return access.issue_token(db, body.name, body.department_code, by=who.label)


@router.delete("/tokens/{token_id}", summary="Revoke a token")
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**62)], who: Manager, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    access.revoke_token(db, token_id, by=who.label)
    return {"id": token_id, "revoked": True}
