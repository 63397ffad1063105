"""The big screen (大屏, R-REP-2): its figures once, or as a stream of Server-Sent Events that sends
them again whenever they change, so the screen in the hall updates without reloading."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from jiancha.domain.access.scope import Scope
from jiancha.interfaces.api.access import Reader
from jiancha.interfaces.api.deps import database
from jiancha.services import screen
from jiancha.settings import screen_settings
from jiancha.store.database import Database

router = APIRouter(tags=["screen"])

# Proxies and load balancers close a connection silent for about a minute; a comment line keeps it.
KEEP_ALIVE_SECONDS = 15.0
# How soon the browser tries again after the stream ends or breaks (EventSource's `retry`).
RETRY_MS = 3000


@router.get("/screen", summary="The big screen's figures (大屏): today, unresolved signals, trend, latest")
def get_screen(who: Reader, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return screen.snapshot(db, who.scope)


@router.get(
    "/screen/stream",
    summary="The big screen's figures as Server-Sent Events, sent again whenever they change",
    description=(
        "`text/event-stream`: an `event: snapshot` whose data is what `GET /screen` answers, at once "
        "and then whenever its `version` changes (looked at every `JIANCHA_SCREEN_INTERVAL` seconds); "
        "a `: keep-alive` comment when nothing changed for about 15 seconds. After "
        "`JIANCHA_SCREEN_LIFETIME` seconds an `event: renew` ends the stream and the browser "
        "reconnects, so its session is checked again."
    ),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def stream_screen(request: Request, who: Reader, db: Annotated[Database, Depends(database)]) -> Any:
    return StreamingResponse(
        _events(request, db, who.scope),
        media_type="text/event-stream",
        # No buffering on the way (nginx honours X-Accel-Buffering), nothing cached.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, db: Database, scope: Scope) -> AsyncIterator[str]:
    settings = screen_settings()
    started = last_sent = time.monotonic()
    version = None
    yield f"retry: {RETRY_MS}\n\n"
    while not await request.is_disconnected():
        # The queries block: off the event loop, so one screen never stalls the others.
        figures = await run_in_threadpool(screen.snapshot, db, scope)
        if figures["version"] != version:
            version = figures["version"]
            yield f"event: snapshot\ndata: {orjson.dumps(figures).decode()}\n\n"
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= KEEP_ALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        if time.monotonic() - started >= settings.lifetime_seconds:
            yield "event: renew\ndata: {}\n\n"
            return
        await asyncio.sleep(settings.interval_seconds)
