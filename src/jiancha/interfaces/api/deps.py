"""Request helpers shared by the routers."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from jiancha.domain.errors import Rejected
from jiancha.store.database import Database

MAX_JSON_BYTES = 64 * 1024 * 1024  # a batch of 10,000 rich events fits well below this


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def raw_body(request: Request) -> bytes:
    """The body, read in the event loop; routes that use it are plain functions, which FastAPI
    runs in its thread pool, so database work never blocks the loop."""
    return await request.body()


async def json_body(request: Request) -> Any:
    data = await request.body()
    if len(data) > MAX_JSON_BYTES:
        raise Rejected("too_large", "请求内容过大", "the request body is too large", status=413)
    if not data:
        raise Rejected("empty_body", "请求内容为空", "the request body is empty", status=400)
    if b"\\u0000" in data:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail deep in a transaction.
        raise Rejected(
            "nul_character", "文本中含有不允许的 NUL 字符", "the text contains a NUL character", status=422
        )
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Rejected(
            "bad_json", f"JSON 格式错误：{e}", f"the body is not valid JSON: {e}", status=400
        ) from e
