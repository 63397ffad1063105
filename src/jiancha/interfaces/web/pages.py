"""The pages and their assets. The shells carry no data: what a page shows comes from the API, with
the caller's own scope, so a page can show no more than the API would give its user; the shells
themselves are public.

Every response of a page says, by its Content-Security-Policy, that nothing may load from anywhere
but the platform itself — a page that tried would fail in the browser, and the browser tests see it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from jiancha import fonts
from jiancha.interfaces.api.access import Public

HERE = Path(__file__).parent
SHELLS = {"console", "workbench", "screen", "portal"}
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
def landing(_: Public) -> Response:
    return FileResponse(HERE / "pages" / "index.html", headers=HEADERS)


@router.get("/{shell}")
def without_slash(shell: str, _: Public) -> Response:
    if shell not in SHELLS:
        raise HTTPException(404)
    return RedirectResponse(f"/{shell}/", status_code=308)


@router.get("/{shell}/")
def page(shell: str, _: Public) -> Response:
    if shell not in SHELLS:
        raise HTTPException(404)
    return FileResponse(HERE / "pages" / f"{shell}.html", headers=HEADERS)


class Assets(StaticFiles):
    """The scripts, styles and the font, revalidated each time (small, and never stale after an
    upgrade) and marked so no browser guesses their type."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static/fonts", Assets(directory=Path(fonts.__file__).parent), name="fonts")
    app.mount("/static", Assets(directory=HERE / "static"), name="static")
