"""Public resource trading in the console (R-MON-2), in a real browser: a supervisor lists the
contracting processes the trading centre sent, keeps the flagged ones, opens the one with a single
bid, sees its bids, awards and red flag, follows the flag to its signal and comes back by the
signal's subject."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .browser import Site, accessible, sign_in


def test_a_flagged_process_followed_to_its_signal_and_back(site: Site, pages: Any) -> None:
    from jiancha.services import procurement

    total, processes = procurement.processes(site.db, limit=1000)
    flagged = [p for p in processes if p["signals"]]
    single = next(p for p in flagged if [s["rule_id"] for s in p["signals"]] == ["PC-R018"])
    signal_id = single["signals"][0]["id"]
    assert single["title"].endswith("采购项目")

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    page.get_by_role("navigation", name="监察控制台").get_by_role("link", name="招标采购").click()
    expect(page.get_by_role("heading", name="招标采购项目")).to_be_visible()
    expect(page.get_by_text(f"共 {total} 个项目")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(min(total, 50))
    boss.shot("processes")
    accessible(boss)

    # Only the flagged ones: each row has at least one light with its colour's name and rule.
    page.get_by_label("只看有红旗的项目").check()
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"flagged=1"))
    expect(page.get_by_text(f"其中 {len(flagged)} 个项目有红旗")).to_be_visible()
    expect(rows).to_have_count(len(flagged))
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".light").first).to_have_text(re.compile(r"^(红灯|黄灯|绿灯) PC-"))
    row = rows.filter(has_text=single["ocid"])
    expect(row).to_contain_text("黄灯 PC-R018")
    expect(row).to_contain_text(single["buyer"])
    boss.shot("flagged")
    accessible(boss)

    # The process: its facts, its one bid and award, its flag.
    row.get_by_role("link", name=single["title"]).click()
    expect(page).to_have_url(re.compile(re.escape(f"#/process/{single['ocid']}")))
    expect(page.get_by_role("heading", name=single["title"], level=1)).to_be_visible()
    facts = page.locator("section", has=page.get_by_role("heading", name="项目情况"))
    expect(facts).to_contain_text("示范市公共资源交易中心")
    expect(facts).to_contain_text("公开（公开招标）")
    expect(facts.locator("dt", has_text="投标人数").locator("+ dd")).to_have_text("1")
    bids = page.get_by_role("table", name="投标")
    expect(bids.locator("tbody tr")).to_have_count(1)
    expect(bids).to_contain_text("示范市恒信科技有限公司")
    expect(bids).to_contain_text("1,200,000.00 CNY")
    expect(bids).to_contain_text("有效")
    awards = page.get_by_role("table", name="中标（成交）")
    expect(awards.locator("tbody tr")).to_have_count(1)
    expect(awards).to_contain_text("示范市恒信科技有限公司")
    flag_table = page.get_by_role("table", name="本项目的红旗信号")
    expect(flag_table).to_contain_text("黄灯 PC-R018")
    expect(flag_table).to_contain_text("待说明")
    expect(page.get_by_role("table", name="收到的版本").locator("tbody tr")).to_have_count(1)
    boss.shot("process")
    accessible(boss)
    bids.scroll_into_view_if_needed()
    boss.shot("process-bids")

    # The flag is a signal: its page, and back to the process by the signal's subject.
    flag_table.get_by_role("link", name=f"信号 {signal_id}").click()
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal_id}"))).to_contain_text("待说明")
    expect(page.get_by_text("PC-R018", exact=True)).to_be_visible()
    boss.shot("signal")
    page.get_by_role("link", name=f"ocds:{single['ocid']}").click()
    expect(page.get_by_role("heading", name=single["title"], level=1)).to_be_visible()
    expect(page.get_by_role("table", name="投标")).to_contain_text("示范市恒信科技有限公司")

    # The same in English.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", name="Bids")).to_be_visible()
    expect(page.get_by_role("table", name="Red-flag signals of this process")).to_contain_text(
        "Yellow PC-R018"
    )
    expect(page.get_by_role("table", name="Bids")).to_contain_text("valid")
    boss.shot("process-english")
    accessible(boss)


def test_the_signals_board_links_a_process_by_its_subject(site: Site, pages: Any) -> None:
    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    page.goto(site.url + "/console/#/signals/state=unresolved&rule=PC-R030")
    # One flag on the process (ocds:<ocid>); the party's flags (ocds-buyer:, …) link nowhere.
    subject = page.locator("table tbody tr").get_by_role("link", name=re.compile(r"^ocds:"))
    expect(subject).to_have_count(1)
    ocid = subject.inner_text().removeprefix("ocds:")
    subject.click()
    expect(page).to_have_url(re.compile(re.escape(f"#/process/{ocid}")))
    expect(page.get_by_role("table", name="本项目的红旗信号")).to_contain_text("红灯 PC-R030")
