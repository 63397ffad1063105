"""The body of a request, checked before any route sees it: not larger than the limit (413, refused
before it is read when it says its length), of a type the route takes (415), JSON that parses
(400) and holds no NUL character (422, naming each field: PostgreSQL text cannot hold NUL)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiancha.domain.errors import Problem
from jiancha.domain.validation import field_path
from jiancha.interfaces.api import errors
from jiancha.settings import ApiLimits


class BodyGuard:
    def __init__(self, app: ASGIApp, limits: ApiLimits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        takes = _documented_types(scope)
        limit = (
            self.limits.file_bytes
            if takes and "application/octet-stream" in takes
            else self.limits.body_bytes
        )
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        refusal = _refusal(data, headers.get("content-type", ""), takes) if data else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _documented_types(scope: Scope) -> set[str] | None:
    """The media types the route takes as its body, as its OpenAPI says; None when it takes none
    or the address matches no route (the router answers that)."""
    app = scope["app"]
    table: list[tuple[re.Pattern[str], dict[str, set[str]]]] | None = getattr(app.state, "body_types", None)
    if table is None:
        table = []
        for path, operations in app.openapi()["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            takes = {
                method.upper(): set(op.get("requestBody", {}).get("content", {}))
                for method, op in operations.items()
            }
            table.append((pattern, takes))
        app.state.body_types = table
    for pattern, takes in table:
        if pattern.match(scope["path"]):
            return takes.get(scope["method"]) or None
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _refusal(data: bytes, content_type: str, takes: set[str] | None) -> JSONResponse | None:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if takes is None:
        return None
    if media_type and not _is_json(media_type) and media_type not in takes:
        return _refuse(
            415,
            "unsupported_media_type",
            f"不支持的内容类型 {media_type}，应为 {'、'.join(sorted(takes))}",
            f"unsupported content type {media_type}; this takes {', '.join(sorted(takes))}",
        )
    if not (_is_json(media_type) or (not media_type and takes == {"application/json"})):
        return None
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        if "depth" in str(e) or "recursion" in str(e):
            return _refuse(400, "too_deep", "JSON 嵌套层数过多", f"the JSON is nested too deeply: {e}")
        return _refuse(400, "bad_json", f"JSON 格式错误：{e}", f"the body is not valid JSON: {e}")
    if b"\\u0000" in data:
        fields = _with_nul(parsed)
        if fields:
            problems = [
                Problem("nul_character", f or "(body)", "含有不允许的 NUL 字符", "contains a NUL character")
                for f in fields[:100]
            ]
            return _refuse(
                422,
                "nul_character",
                "文本中含有不允许的 NUL 字符",
                "the text contains a NUL character",
                problems,
            )
    return None


def _with_nul(value: Any) -> list[str]:
    """The fields (dotted paths) whose text, or name, holds a NUL."""
    found: list[str] = []
    todo: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while todo:
        path, item = todo.pop()
        if isinstance(item, str) and "\x00" in item:
            found.append(field_path(path))
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    found.append(field_path((*path, key)))
                todo.append(((*path, key), child))
        elif isinstance(item, list):
            todo.extend(((*path, i), child) for i, child in enumerate(item))
    return sorted(found)


def _too_large(limit: int) -> JSONResponse:
    return _refuse(
        413,
        "too_large",
        f"请求内容超过 {limit} 字节的上限",
        f"the request body exceeds the limit of {limit} bytes",
    )


def _refuse(status: int, code: str, zh: str, en: str, problems: list[Problem] | None = None) -> JSONResponse:
    where = problems or [Problem(code, "(body)", zh, en)]
    return JSONResponse(errors.body(code, zh, en, [p.as_dict() for p in where]), status_code=status)
