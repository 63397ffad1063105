"""The FastAPI application: routers for ingestion, cases, catalogue, calendar and the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from jiancha import __version__
from jiancha.interfaces.api import (
    errors,
    routes_access,
    routes_calendar,
    routes_cases,
    routes_catalogue,
    routes_corrections,
    routes_evaluation,
    routes_exports,
    routes_ledger,
    routes_monitors,
    routes_notices,
    routes_notifications,
    routes_openness,
    routes_procurement,
    routes_proofs,
    routes_reports,
    routes_screen,
    routes_signals,
    routes_vehicles,
)
from jiancha.interfaces.api.access import Public
from jiancha.interfaces.api.guard import BodyGuard
from jiancha.interfaces.web import pages
from jiancha.settings import api_limits
from jiancha.store.database import Database


async def refuse_nul(request: Request, call_next: Any) -> Any:
    """A NUL in the address or a header is never meaningful and PostgreSQL cannot store it."""
    target = unquote(request.url.path) + unquote(request.url.query)
    if "\x00" in target or any("\x00" in unquote(v) for v in request.headers.values()):
        return JSONResponse(
            errors.body(
                "nul_character", "请求中含有不允许的 NUL 字符", "the request contains a NUL character"
            ),
            status_code=400,
        )
    return await call_next(request)


class ChineseJSONResponse(JSONResponse):
    """JSON with Chinese characters as they are, not as \\u escapes: readable with curl."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def create_app(db: Database | None = None, *, worker: bool = False) -> FastAPI:
    database = db or Database()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from jiancha.services.worker import Worker

        running = Worker(database) if worker else None
        if running:
            running.start()
        try:
            yield
        finally:
            if running:
                running.stop()

    app = FastAPI(
        default_response_class=ChineseJSONResponse,
        title="Jiancha 监察 API",
        version=__version__,
        description="行政权力电子监察平台 — electronic supervision of administrative power.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.db = database
    errors.install(app)
    app.middleware("http")(refuse_nul)
    app.add_middleware(BodyGuard, limits=api_limits())
    for module in (
        routes_cases,
        routes_catalogue,
        routes_calendar,
        routes_ledger,
        routes_signals,
        routes_notices,
        routes_notifications,
        routes_access,
        routes_exports,
        routes_corrections,
        routes_evaluation,
        routes_proofs,
        routes_openness,
        routes_procurement,
        routes_vehicles,
        routes_monitors,
        routes_reports,
        routes_screen,
    ):
        app.include_router(module.router, prefix="/api/v1")

    _document(app)
    pages.install(app)

    @app.get("/api/health", tags=["system"])
    def health(_: Public) -> dict[str, str]:
        return {"status": "ok", "version": __version__, "database": database.dialect}

    return app


def _document(app: FastAPI) -> None:
    """Routes that read raw JSON (to report every problem of a batch) name their schema by hand:
    add those schemas to the OpenAPI document. And every refusal answers the platform's error
    shape, not FastAPI's `HTTPValidationError`: document it once, as `4XX` of every operation."""
    from fastapi.openapi.utils import get_openapi

    from jiancha.domain.catalogue import CatalogueChange
    from jiancha.domain.corrections import CorrectionIn
    from jiancha.domain.events import EventIn
    from jiancha.domain.public.openness import PublishedList
    from jiancha.services.organisation import Organisation

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in (EventIn, CatalogueChange, CorrectionIn, Organisation, PublishedList):
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(doc.pop("$defs", {}))
                schemas[model.__name__] = doc
            _document_errors(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_errors(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    doc = errors.ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(doc.pop("$defs", {}))
    schemas["ErrorBody"] = doc
    refused = {
        "description": "Refused: a stable code, the reason in Chinese and English and, for bad input, "
        "each problem with its field",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for operations in spec["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = refused
