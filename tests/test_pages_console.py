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
    # A case's signal (the department's procurement red flags are about processes and parties).
    of_case = rows.filter(has=page.locator("a[href^='#/case/']")).first
    signal_link = of_case.get_by_role("link", name=re.compile(r"^信号 \d+$"))
    signal_id = int(signal_link.inner_text().split()[-1])
    case_no = of_case.locator("td").nth(1).inner_text()

    # The case: its timeline of steps and deadlines.
    of_case.get_by_role("link", name=case_no).click()
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


def test_a_department_sees_only_its_own_and_answers_a_complaint(site: Site, pages: Any) -> None:
    from jiancha.services import complaints, signals

    complaint = complaints.submit(
        site.db,
        complaints.parse(
            {
                "department_code": "330900-SCJG",
                "content": "窗口人员态度生硬",
                "complainant": {"name": "王小明", "phone": "13812345678"},
            }
        ),
    )
    complaints.decide(site.db, complaint["complaint_no"], True, "受理，转部门办理", "示范市监察局")
    _, elsewhere = signals.list_signals(site.db, signals.SignalFilter(department_code="330900-WJW"), limit=1)

    dept = pages("department")
    sign_in(dept, "/console/", "scjg")  # a department's people are sent to their workbench
    wb = dept.page
    expect(wb).to_have_url(re.compile(r"/workbench/"))
    expect(wb.get_by_role("heading", name=re.compile("市场监督管理局 · 待办"))).to_be_visible()
    # Every signal listed is the department's own; another department's cannot be opened.
    departments = wb.locator("section", has=wb.get_by_role("heading", name="待说明或待整改的信号")).locator(
        "tbody tr td:nth-child(3)"
    )
    assert departments.count() > 0
    assert set(departments.all_inner_texts()) == {"示范市市场监督管理局"}
    wb.goto(f"{site.url}/workbench/#/signal/{elsewhere[0]['id']}")
    expect(wb.get_by_role("alert")).to_contain_text("不存在")

    wb.goto(f"{site.url}/workbench/#/complaint/{complaint['complaint_no']}")
    expect(wb.get_by_text("窗口人员态度生硬")).to_be_visible()
    wb.get_by_role("textbox", name="办理结果").fill("已约谈窗口人员并向投诉人致歉")
    wb.get_by_role("button", name="提交").click()
    expect(wb.get_by_role("heading", name=re.compile(complaint["complaint_no"]))).to_contain_text("已答复")
    dept.shot("complaint-answered")
    stored = complaints.detail(site.db, complaint["complaint_no"])
    assert stored is not None and stored["state"] == "resulted"
    assert stored["result"] == "已约谈窗口人员并向投诉人致歉"


def test_english_by_the_switch_and_signing_in_by_keyboard(site: Site, pages: Any) -> None:
    w = pages()
    page = w.page
    page.goto(site.url + "/console/")
    # Keyboard only: the form takes the focus; a skip link leads past the header to the content.
    expect(page.get_by_label("用户名")).to_be_focused()
    page.get_by_role("link", name="跳到主要内容").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_role("button", name="Switch to English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("jianchayuan")
    page.keyboard.press("Tab")
    page.keyboard.type("jiancha-demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Signals")).to_be_visible()
    expect(page.get_by_role("link", name="Red Unresolved")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Department")).to_be_visible()
    w.shot("english")
    accessible(w)
    # A wrong password is refused in the language chosen, and the page says why.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("User name").fill("jianchayuan")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("password")


def test_the_pages_load_nothing_from_elsewhere(site: Site, pages: Any) -> None:
    w = pages()
    for path in ("/", "/console/", "/workbench/", "/screen/", "/portal/"):
        response = w.page.goto(site.url + path)
        assert response is not None and response.ok
        assert "default-src 'self'" in response.headers["content-security-policy"]
    w.page.goto(site.url + "/")
    for name in ("监察控制台", "部门工作台", "监察大屏", "公众服务"):
        expect(w.page.get_by_role("link", name=re.compile(name))).to_be_visible()
    accessible(w)
    font = w.page.request.get(site.url + "/static/fonts/wqy-microhei-gb2312.ttf")
    assert font.ok and len(font.body()) > 1_000_000
