"""Pages in a real browser (issue 7): Debian's Chromium driven by Playwright, against the platform
served by uvicorn on loopback over a small demo city, as `jiancha demo` builds it.

The site is built once per test module (a demo city takes seconds); tests that act on it change
different signals, notices or cases, so their order does not matter. Every page a test opens is
watched: a request to anywhere but the platform itself, or an error in the page's script, fails it.
Each test saves screenshots under test-results/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"
CHROMIUM = os.environ.get("JIANCHA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Without the networking flags Chromium keeps trying to reach hosts a closed network lacks.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
DEMO_CASES = 300
# What a page shows may take a while on a busy two-core machine: wait as long for an expectation
# as for an action (Playwright's default for `expect` is 5 s).
expect.set_options(timeout=15_000)
PASSWORD = "jiancha-demo"


@dataclass
class Site:
    url: str
    db: Any  # jiancha.store.database.Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo city served on loopback, as a user's browser reaches it."""
    import uvicorn

    from jiancha.interfaces.api import create_app
    from jiancha.services.calendar import seed_from_package
    from jiancha.services.demo import load_demo
    from jiancha.store.database import Database
    from jiancha.store.migrate import upgrade

    directory = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIANCHA_SIGNING_KEY", str(directory / "signing-key.pem"))
        db = Database(f"sqlite:///{directory / 'demo.sqlite3'}")
        upgrade(db)
        seed_from_package(db)
        load_demo(db, DEMO_CASES)
        port = _free_port()
        config = uvicorn.Config(
            create_app(db), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            yield Site(f"http://127.0.0.1:{port}", db)
        finally:
            server.should_exit = True
            thread.join(10)
            db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A browser page whose requests and script errors are kept, to be checked at the end."""

    page: Any
    origin: str
    name: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


def open_page(browser: Any, site: Site, name: str, **context: Any) -> Watched:
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    watched = Watched(page, site.url, name)
    page.on(
        "request",
        lambda r: None if r.url.startswith((site.url, "data:")) else watched.foreign.append(r.url),
    )
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            watched.errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    return watched


@pytest.fixture
def pages(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open pages as `pages(name, **context)`; each is checked for foreign requests and script
    errors when the test ends, and its context closed."""
    opened: list[Watched] = []

    def make(name: str = "", **context: Any) -> Watched:
        w = open_page(browser, site, f"{request.node.name}{'-' + name if name else ''}", **context)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.page.context.close()
    for w in opened:
        assert not w.foreign, f"{w.name} asked outside the platform: {w.foreign}"
        assert not w.errors, f"{w.name} had script errors: {w.errors}"


def sign_in(w: Watched, path: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the page's own form, by its labels, as a person would."""
    w.page.goto(w.origin + path)
    w.page.get_by_label("用户名").fill(username)
    w.page.get_by_label("密码").fill(password)
    w.page.get_by_role("button", name="登录").click()
    w.page.get_by_text("当前用户").wait_for()


# The contrast of every piece of visible text against the colour behind it (WCAG 2 formula):
# returns those under 4.5:1 (3:1 for large text), with their ratio.
CONTRAST_JS = """
() => {
  const lum = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const [r, g, b, a] = m[1].split(',').map(Number);
    const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return { l: 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b), a: a === undefined ? 1 : a };
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = lum(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c.l;
    }
    return 1;
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || !el) continue;
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility === 'hidden' || r.right < 0) continue;
    const fg = lum(s.color); if (!fg) continue;
    const bg = background(el);
    const ratio = (Math.max(fg.l, bg) + 0.05) / (Math.min(fg.l, bg) + 0.05);
    const size = parseFloat(s.fontSize); const bold = Number(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) bad.push(`${t.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  return bad;
}
"""

# Form controls a screen reader could not name.
UNLABELLED_JS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby') && !(el.textContent || '').trim())
  .map((el) => el.outerHTML.slice(0, 80))
"""


def accessible(w: Watched) -> None:
    """Every control named, every text legible against its background."""
    assert w.page.evaluate(UNLABELLED_JS) == []
    assert w.page.evaluate(CONTRAST_JS) == []
