"""Every error is JSON: a stable code and a message in Chinese and English. Never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.validation import problems_of

log = logging.getLogger(__name__)

_HTTP = {
    400: ("bad_request", "请求无效", "bad request"),
    401: ("unauthorised", "未认证", "not authenticated"),
    403: ("forbidden", "无权访问", "forbidden"),
    404: ("not_found", "未找到", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    409: ("conflict", "冲突", "conflict"),
    413: ("too_large", "请求内容过大", "request too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
}


class ProblemOut(BaseModel):
    """One problem with the input: the field (a dotted path, `[i]` for a list position)."""

    code: str
    field: str
    message_zh: str
    message_en: str
    index: int | None = None  # position in a batch, or row in a file
    sheet: str | None = None


class ErrorOut(BaseModel):
    code: str
    message_zh: str
    message_en: str
    problems: list[ProblemOut] | None = None


class ErrorBody(BaseModel):
    """What every refusal (4xx) and every server error (5xx) answers."""

    error: ErrorOut


class ApiError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


def body(code: str, zh: str, en: str, problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"error": {"code": code, "message_zh": zh, "message_en": en}}
    if problems is not None:
        out["error"]["problems"] = problems
    return out


def not_found(what_zh: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found")


def out_of_scope(field: str, value: str) -> Rejected:
    """Acting for a department outside one's scope (reading one is a 404: its existence is not told)."""
    zh, en = f"{value} 不在您的权限范围内", f"{value} is outside your scope"
    return Rejected("out_of_scope", zh, en, [Problem("out_of_scope", field, zh, en)], status=403)


def install(app: FastAPI) -> None:
    @app.exception_handler(Rejected)
    async def _rejected(_: Request, exc: Rejected) -> JSONResponse:
        problems = [p.as_dict() for p in exc.problems]
        return JSONResponse(body(exc.code, exc.message_zh, exc.message_en, problems), status_code=exc.status)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.zh, exc.en), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The first part of a location says where (body, query, path, header), the rest the field.
        located = [{**e, "loc": tuple(e.get("loc", ()))[1:]} for e in exc.errors()]
        problems = [p.as_dict() for p in problems_of(located)]
        return JSONResponse(
            body("invalid_request", "请求参数无效", "the request is invalid", problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, zh, en = _HTTP.get(exc.status_code, ("http_error", "请求失败", "request failed"))
        return JSONResponse(
            body(code, zh, en if not isinstance(exc.detail, str) else exc.detail or en),
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            body("internal_error", "服务器内部错误，已记录", "internal error, logged"), status_code=500
        )
