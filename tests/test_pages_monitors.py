"""The monitors of other supervised areas in the console (R-MON-4..10), in a real browser: a
supervisor opens the monitors, lists a kind's records, keeps those with signals, opens one, follows
its signal and comes back by the record the signal rests on; an index shows every component."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .browser import Site, accessible, sign_in


def test_a_flagged_reception_followed_to_its_signal_and_back(site: Site, pages: Any) -> None:
    from jiancha.domain.monitors import MONITORS
    from jiancha.services import monitors

    every = monitors.records(site.db, "three_public", "reception", limit=1000)
    flagged = monitors.records(site.db, "three_public", "reception", flagged=True, limit=1000)
    assert 0 < flagged["total"] < every["total"]
    record = next(r for r in flagged["records"] if len(r["signals"]) == 1)
    (signal,) = record["signals"]

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    page.get_by_role("navigation", name="监察控制台").get_by_role("link", name="专项监察").click()
    expect(page.get_by_role("heading", name="专项监察模块")).to_be_visible()
    listed = page.get_by_role("table", name="监察模块").locator("tbody tr")
    expect(listed).to_have_count(len(MONITORS))
    boss.shot("monitors")
    accessible(boss)

    spending = listed.filter(has_text="R-MON-4")
    spending.get_by_role("link", name=re.compile(r"^公务接待（\d+）$")).click()
    expect(page.get_by_role("heading", name=re.compile("公务接待"))).to_be_visible()
    expect(page.get_by_text(f"共 {every['total']} 条记录")).to_be_visible()
    page.get_by_label("只看有信号的记录").check()
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"flagged=1"))
    expect(page.get_by_text(f"共 {flagged['total']} 条记录")).to_be_visible()
    rows = page.get_by_role("table", name="记录列表").locator("tbody tr")
    expect(rows).to_have_count(flagged["total"])
    for i in range(rows.count()):
        expect(rows.nth(i).locator(".light").first).to_have_text(re.compile(r"^(红灯|黄灯) SG-"))
    boss.shot("receptions")
    accessible(boss)

    # The record: its fields, its signal, its one version.
    rows.filter(has=page.get_by_role("link", name=record["id"], exact=True)).get_by_role(
        "link", name=record["id"], exact=True
    ).click()
    expect(page).to_have_url(re.compile(re.escape(f"#/record/three_public/reception/{record['id']}")))
    facts = page.locator("section", has=page.get_by_role("heading", name="记录内容"))
    # Each field by its label from the kind's model (the field's name on hover).
    visiting = facts.locator("dt", has_text=re.compile("^派出单位$"))
    expect(visiting).to_have_attribute("title", "visiting_unit")
    expect(visiting.locator("+ dd")).to_have_text(record["data"]["visiting_unit"])
    own = page.get_by_role("table", name="依据本记录的信号")
    expect(own).to_contain_text(signal["rule_id"])
    expect(own).to_contain_text(signal["message_zh"])
    expect(page.get_by_role("table", name="收到的版本").locator("tbody tr")).to_have_count(1)
    boss.shot("reception")
    accessible(boss)

    # Its signal, and back to the record by the records it rests on.
    own.get_by_role("link", name=f"信号 {signal['id']}").click()
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal['id']}"))).to_be_visible()
    back = page.get_by_role("link", name=f"reception/{record['id']}", exact=True)
    expect(back).to_be_visible()
    boss.shot("signal")
    back.click()
    expect(page.get_by_role("heading", name=re.compile(record["id"]))).to_be_visible()


def test_an_index_shows_each_subject_with_its_components(site: Site, pages: Any) -> None:
    from jiancha.services import monitors

    index = monitors.index(site.db, "integrity_risk")
    assert index["rows"]
    top = index["rows"][0]

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    page.goto(f"{site.url}/console/#/index/integrity_risk")
    expect(page.get_by_role("heading", name=re.compile("指数"), level=1)).to_be_visible()
    table = page.get_by_role("table", name="指数（按对象）")
    expect(table.locator("tbody tr")).to_have_count(len(index["rows"]))
    first = table.locator("tbody tr").first
    expect(first.locator("td").nth(2)).to_have_text(f"{top['index']:g}")
    expect(first.locator("td").nth(3)).to_have_text(
        {"low": "低风险", "medium": "中风险", "high": "高风险"}[top["level"]]
    )
    # What counted, each as weight × count = points; every weight is in the settings shown.
    counted = [c for c in top["components"] if c["count"]]
    expect(first.locator("li")).to_have_count(len(counted))
    for c in counted:
        expect(first).to_contain_text(f"{c['zh']}: {c['weight']:g} × {c['count']} = {c['points']:g}")
    expect(page.get_by_text(f"计算参数（规则 {index['rule_id']}）")).to_be_visible()
    boss.shot("index")
    accessible(boss)


def test_a_vehicle_s_episode_followed_to_its_signal_and_back(site: Site, pages: Any) -> None:
    from jiancha.services import vehicles

    listed = vehicles.list_vehicles(site.db)
    car = next(v for v in listed if v["episodes"])
    shown = vehicles.vehicle(site.db, car["vehicle_id"])
    assert shown is not None
    episode = next(e for e in shown["episodes"] if e["signals"])
    signal = episode["signals"][0]

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    page.get_by_role("navigation", name="监察控制台").get_by_role("link", name="公务用车").click()
    expect(page.get_by_role("heading", name="公务用车监控")).to_be_visible()
    expect(page.get_by_role("table", name="车辆列表").locator("tbody tr")).to_have_count(len(listed))
    expect(page.get_by_role("table", name="各单位里程")).to_be_visible()
    boss.shot("vehicles")
    accessible(boss)

    page.get_by_role("table", name="车辆列表").get_by_role("link", name=car["vehicle_id"], exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(car["vehicle_id"])))).to_be_visible()
    episodes = page.get_by_role("table", name="异常用车")
    expect(episodes.locator("tbody tr")).to_have_count(len(shown["episodes"]))
    boss.shot("vehicle")
    accessible(boss)
    episodes.get_by_role("link", name=re.compile(signal["rule_id"])).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"信号 \d+"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^vehicle:")).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(car["vehicle_id"])))).to_be_visible()
