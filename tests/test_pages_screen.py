"""The big screen (大屏, R-REP-2) in a real browser at the 1920×1080 it is made for: today's figures,
the signals by colour and department, the trend and the latest signals on one screen without
scrolling, updated live — a case received by the platform shows on the screen without a reload —
and a visible state when the connection breaks.

The stream looks at the figures every `JIANCHA_SCREEN_INTERVAL` seconds, read by each new stream:
the site is served in this process, so setting the variable before the page opens makes its stream
look every fifth of a second, while the site's other tests keep the default. Likewise a stream
lasting a second (`JIANCHA_SCREEN_LIFETIME`) lets a test break the page's reconnection.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from jiancha.domain.timeutil import LOCAL, utcnow
from jiancha.services import ingest

from .browser import Site, accessible, sign_in

SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture(autouse=True)
def quick_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANCHA_SCREEN_INTERVAL", "0.2")


def receive_a_case(site: Site, case_no: str) -> None:
    """A food-business licence application accepted a moment ago, as the department's system sends it."""
    at = (utcnow() - timedelta(seconds=1)).astimezone(LOCAL).isoformat()
    ingest.ingest_events(
        site.db,
        ingest.validate_events(
            [
                {
                    "source_system": "330900-SCJG-审批系统",
                    "event_id": f"{case_no}-01",
                    "case_no": case_no,
                    "item_code": "330900-SCJG-XK-SPJY",
                    "step": "accept",
                    "action": "accept",
                    "actor": "王受理",
                    "post": "受理岗",
                    "occurred_at": at,
                }
            ]
        ),
    )


def figure(page: Any, key: str) -> int:
    return int(page.locator(f"[data-figure={key}]").inner_text().replace(",", ""))


def test_the_screen_fits_1920_by_1080_and_updates_live_without_a_reload(site: Site, pages: Any) -> None:
    w = pages("hall", viewport=SCREEN)
    sign_in(w, "/screen/", "jianguan")
    page = w.page
    expect(page.get_by_role("status")).to_have_text("实时更新")
    expect(page.get_by_role("group", name="今日受理")).to_be_visible()
    for colour in ("红灯", "黄灯", "绿灯"):
        expect(page.get_by_role("group", name=f"{colour} 待处理信号")).to_be_visible()
    expect(page.get_by_role("heading", name="各部门待处理信号")).to_be_visible()
    expect(page.get_by_role("heading", name="近 14 天趋势")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^近 14 天共受理"))).to_be_visible()
    expect(page.locator("ol.signals li").first).to_be_visible()
    expect(page.locator("ol.bars li").first).to_contain_text("红 ")
    w.shot("screen")
    # Made for the hall's display: everything on one screen, nothing to scroll.
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= SCREEN["width"] and size[1] <= SCREEN["height"], size
    accessible(w)

    received = figure(page, "today-received")
    page.evaluate("window.__stillHere = 1")
    receive_a_case(site, "SCREEN-LIVE-1")
    expect(page.locator("[data-figure=today-received]")).to_have_text(str(received + 1))
    assert page.evaluate("window.__stillHere") == 1, "the figure changed without a reload"
    w.shot("updated")


def test_a_broken_connection_shows_and_the_screen_catches_up(
    site: Site, pages: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each stream lasts a second and is renewed unnoticed; then the renewal is made to fail.
    monkeypatch.setenv("JIANCHA_SCREEN_LIFETIME", "1")
    w = pages("hall", viewport=SCREEN)
    sign_in(w, "/screen/", "jianguan")
    page = w.page
    expect(page.get_by_role("status")).to_have_text("实时更新")
    page.wait_for_timeout(2500)
    expect(page.get_by_role("status")).to_have_text("实时更新")
    received = figure(page, "today-received")
    page.evaluate("window.__stillHere = 1")
    page.route("**/api/v1/screen/stream", lambda route: route.abort())
    expect(page.get_by_role("status")).to_have_text("连接中断，正在重新连接…")
    w.shot("reconnecting")
    accessible(w)
    receive_a_case(site, "SCREEN-LIVE-2")
    page.unroute("**/api/v1/screen/stream")
    expect(page.get_by_role("status")).to_have_text("实时更新", timeout=20_000)
    expect(page.locator("[data-figure=today-received]")).to_have_text(str(received + 1))
    assert page.evaluate("window.__stillHere") == 1


def test_in_english_and_for_a_department_only_its_own(site: Site, pages: Any) -> None:
    w = pages("department", viewport=SCREEN)
    sign_in(w, "/screen/", "scjg")
    page = w.page
    expect(page.get_by_role("status")).to_have_text("实时更新")
    bars = page.locator("ol.bars li")
    expect(bars.first).to_be_visible()
    assert bars.count() == 1
    expect(bars.first).to_contain_text("示范市市场监督管理局")
    departments = page.locator("ol.signals li .department").all_inner_texts()
    assert departments and set(departments) == {"示范市市场监督管理局"}

    page.evaluate("window.__stillHere = 1")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("group", name="Received today")).to_be_visible()
    expect(page.get_by_role("group", name="Red unresolved")).to_be_visible()
    expect(page.get_by_role("heading", name="Unresolved signals by department")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Live")
    assert page.evaluate("window.__stillHere") == 1
    w.shot("english")
    accessible(w)
    page.get_by_role("button", name="切换为中文").click()
    expect(page.get_by_role("group", name="今日受理")).to_be_visible()


def test_an_account_that_may_not_read_cases_is_told_so(site: Site, pages: Any) -> None:
    w = pages("administrator", viewport=SCREEN)
    sign_in(w, "/screen/", "admin")
    expect(w.page.get_by_role("alert")).to_contain_text("无权")
    w.shot("refused")
