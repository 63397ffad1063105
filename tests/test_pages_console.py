"""The supervisor console and the department workbench in a real browser (issue 7): a supervisor
follows a red signal from the board to its case, requires an explanation, the department answers it
in its workbench, and the supervisor closes it; each sees only their own scope."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .browser import Site, accessible, sign_in


def test_a_red_signal_followed_from_the_board_to_its_close(site: Site, pages: Any) -> None:
    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    # The board: unresolved signals by colour, each a light with its name.
    red = page.get_by_role("link", name="红灯 待处理")
    expect(red).to_be_visible()
    boss.shot("board")
    accessible(boss)
    page.get_by_label("部门", exact=True).select_option(label="示范市市场监督管理局")
    page.get_by_label("颜色", exact=True).select_option("red")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"colour=red"))
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("红灯")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("市场监督管理局")
    signal_link = rows.first.get_by_role("link", name=re.compile(r"^信号 \d+$"))
    signal_id = int(signal_link.inner_text().split()[-1])
    case_no = rows.first.locator("td").nth(1).inner_text()

    # The case: its timeline of steps and deadlines.
    rows.first.get_by_role("link", name=case_no).click()
    expect(page.get_by_role("heading", name=f"办件 {case_no}")).to_be_visible()
    expect(page.get_by_role("heading", name="办理过程")).to_be_visible()
    expect(page.locator("ol.timeline li").first).to_be_visible()
    expect(page.get_by_text("法定期限")).to_be_visible()
    boss.shot("case")
    page.go_back()
    page.get_by_role("link", name=f"信号 {signal_id}").click()

    # The signal: why it was raised, then an explanation required of the department.
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal_id}"))).to_contain_text("待说明")
    expect(page.get_by_role("heading", name="信号依据")).to_be_visible()
    form = page.get_by_role("form", name="要求作出解释和说明")
    form.get_by_label("要求").fill("请于期限内说明该办件逾期的原因。")
    form.get_by_role("button", name="发出").click()
    notice_link = page.locator("section", has=page.get_by_role("heading", name="相关督办和措施")).get_by_role(
        "link", name=re.compile(r"^SM-")
    )
    expect(notice_link).to_be_visible()
    notice_no = notice_link.inner_text()
    boss.shot("explanation-required")

    # The department sees it in its workbench, with its due date, and answers.
    dept = pages("department")
    sign_in(dept, "/workbench/", "scjg")
    wb = dept.page
    expect(wb.get_by_role("link", name=notice_no)).to_be_visible()
    accessible(dept)
    dept.shot("workbench")
    wb.get_by_role("link", name=notice_no).click()
    wb.get_by_label("调查和处理情况").fill("经查，系承办人员休假未及时移交，已督促办结。")
    wb.get_by_role("button", name="提交").first.click()
    expect(wb.get_by_role("heading", name=re.compile(notice_no))).to_contain_text("待审核")
    dept.shot("answered")

    # Back in the console, the explanation is there; the supervisor accepts it and closes the signal.
    page.reload()
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal_id}"))).to_contain_text("已说明")
    expect(page.get_by_text("经查，系承办人员休假未及时移交").first).to_be_visible()
    move = page.get_by_role("form", name="处理信号")
    move.get_by_label("转为").select_option("rectified")
    move.get_by_label("理由").fill("说明属实，已办结")
    move.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal_id}"))).to_contain_text("已整改")
    move = page.get_by_role("form", name="处理信号")
    move.get_by_label("转为").select_option("closed")
    move.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name=re.compile(f"信号 {signal_id}"))).to_contain_text("已关闭")
    expect(page.get_by_text("此信号已关闭")).to_be_visible()
    boss.shot("closed")

    # What the pages did is what the record holds.
    from jiancha.services import signals

    detail = signals.signal_detail(site.db, signal_id)
    assert detail is not None and detail["state"] == "closed"
    assert [h["to"] for h in detail["history"]][-3:] == ["explained", "rectified", "closed"]
