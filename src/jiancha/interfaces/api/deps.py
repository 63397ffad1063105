"""Request helpers shared by the routers."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.errors import Rejected
from jiancha.store.database import Database


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def raw_body(request: Request) -> bytes:
    """The body, read in the event loop; routes that use it are plain functions, which FastAPI
    runs in its thread pool, so database work never blocks the loop."""
    return await request.body()


async def json_body(request: Request) -> Any:
    # Size, type, NUL characters and nesting were checked by the BodyGuard middleware.
    data = await request.body()
    if not data:
        raise Rejected("empty_body", "请求内容为空", "the request body is empty", status=400)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Rejected(
            "bad_json", f"JSON 格式错误：{e}", f"the body is not valid JSON: {e}", status=400
        ) from e


class Decision(BaseModel):
    """A leader's decision on a request (an export, a correction): approve, or refuse saying why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    approve: bool
    reason: Annotated[str, Field(max_length=2000)] = ""
