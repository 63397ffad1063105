"""The public portal in a real browser (issue 7; R-OPEN-1..2, R-PUB-1..3), on a phone's screen: a
citizen searches the power list and reads an item, looks up a case's progress by its check code,
complains by name (also with the keyboard alone), rates a case, and reads what is published — in
Chinese, and in English — with nothing wider than the screen and no sign-in."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from jiancha.services import openness, queries
from jiancha.store.tables import cases, complaints, ratings

from .browser import Site, Watched, accessible

PHONE = {"width": 390, "height": 844}


def phone(pages: Any, name: str = "phone") -> Watched:
    return pages(name, viewport=PHONE, has_touch=True, is_mobile=True)


def fits(w: Watched) -> None:
    """Nothing wider than the phone: the page never scrolls sideways."""
    assert w.page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def a_case(site: Site, *, status: str, unrated: bool = False) -> tuple[str, str]:
    with site.db.read() as conn:
        query = (
            select(cases.c.case_no, cases.c.check_code)
            .where(cases.c.status == status, cases.c.check_code != "", cases.c.voided.is_(False))
            .order_by(cases.c.id)
        )
        if unrated:
            query = query.where(~cases.c.id.in_(select(ratings.c.case_id).where(ratings.c.kind == "rating")))
        row = conn.execute(query).first()
    assert row is not None, f"the demo has no {status} case"
    return str(row.case_no), str(row.check_code)


def test_the_power_list_searched_and_an_item_read(site: Site, pages: Any) -> None:
    _, found = openness.search_items(site.db, openness.ItemQuery(item_type="licence"), 100, 0)
    item = next(i for i in found if i["materials"] and i["fees"])
    w = phone(pages)
    page = w.page
    page.goto(site.url + "/portal/")
    expect(page.get_by_role("heading", name="公众服务", level=1)).to_be_visible()
    accessible(w)
    fits(w)
    w.shot("home")

    page.get_by_role("link", name="权力清单").first.click()
    expect(page.get_by_role("heading", name="权力清单", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"共找到 \d+ 项"))).to_be_visible()
    accessible(w)
    fits(w)
    w.shot("list")

    search = page.get_by_role("search", name="搜索")
    search.get_by_label("关键词（名称或编码）").fill(item["name"])
    search.get_by_label("事项类型").select_option(label="行政许可")
    search.get_by_label("部门").select_option(label=item["department"])
    search.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"type=licence"))
    cards = page.locator("ul.item-cards > li")
    expect(cards.first).to_contain_text(item["department"])
    for i in range(cards.count()):
        expect(cards.nth(i)).to_contain_text("行政许可")
    fits(w)
    w.shot("searched")

    page.get_by_role("link", name=item["name"], exact=True).click()
    expect(page.get_by_role("heading", name=item["name"], level=1)).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(item["code"])
    expect(facts).to_contain_text(item["legal_basis"])
    expect(facts).to_contain_text(item["conditions"])
    expect(facts).to_contain_text(f"{item['promised_limit_days']} 个工作日")
    expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    expect(page.get_by_text(item["materials"][0], exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name="收费标准")).to_be_visible()
    expect(page.locator("ul.fees")).to_contain_text(item["fees"][0]["amount"])
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(len(item["process"]["steps"]))
    expect(page.get_by_role("link", name="投诉该部门")).to_be_visible()
    accessible(w)
    fits(w)
    w.shot("item")

    # Back to the list as it was searched.
    page.get_by_role("link", name="返回权力清单").click()
    expect(page).to_have_url(re.compile(r"type=licence"))


def test_a_case_progress_by_its_check_code_and_a_wrong_code(site: Site, pages: Any) -> None:
    case_no, check_code = a_case(site, status="open")
    expected = queries.progress(site.db, case_no, check_code)
    assert expected is not None and expected["steps"]
    w = phone(pages)
    page = w.page
    page.goto(site.url + "/portal/#/progress")
    page.get_by_label("办件编号").fill(case_no)
    page.get_by_label("查询码").fill(check_code)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name=f"办件编号 {case_no}")).to_be_visible()
    result = page.locator(".progress-result")
    expect(result).to_contain_text("办理中")
    expect(result).to_contain_text(expected["item_name"])
    expect(result).to_contain_text(expected["promised_due"])
    expect(page.locator("ol.timeline > li")).to_have_count(len(expected["steps"]))
    expect(page.locator("ol.timeline")).to_contain_text(expected["steps"][0]["step"])
    # The public answer carries no one's name or phone.
    with site.db.read() as conn:
        applicant = conn.execute(
            select(cases.c.applicant_name, cases.c.applicant_phone).where(cases.c.case_no == case_no)
        ).one()
    assert applicant.applicant_name not in page.content()
    assert applicant.applicant_phone not in page.content()
    accessible(w)
    fits(w)
    page.locator("ol.timeline").scroll_into_view_if_needed()
    w.shot("progress")

    # A complaint about this case starts with the case and its department filled in.
    page.get_by_role("link", name="对此办件投诉").click()
    complaint = page.get_by_role("form", name="我要投诉")
    expect(complaint.get_by_label("相关办件编号（可不填）")).to_have_value(case_no)
    department = complaint.get_by_label("部门")
    expect(department.locator("option:checked")).to_have_text(expected["department"])
    page.go_back()
    expect(page.get_by_role("heading", name=f"办件编号 {case_no}")).to_be_visible()

    # A wrong code: the answer says so, in Chinese, then in English after the switch.
    page.get_by_label("查询码").fill(check_code + "9")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("办件编号或查询码不正确")
    w.shot("wrong-code")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("alert")).to_contain_text("no case with that number and check code")
    expect(page.get_by_label("Case number")).to_have_value(case_no)
    expect(page.get_by_label("Check code")).to_have_value(check_code + "9")
    accessible(w)
    fits(w)
    w.shot("wrong-code-en")


def test_a_real_name_complaint_is_stored_and_its_number_shown(site: Site, pages: Any) -> None:
    w = phone(pages)
    page = w.page
    page.goto(site.url + "/portal/#/complain")
    form = page.get_by_role("form", name="我要投诉")
    accessible(w)
    fits(w)
    w.shot("form")
    # Anonymous hides the name and phone; real-name shows them again.
    form.get_by_label("匿名投诉").check()
    expect(form.get_by_label("姓名")).to_be_hidden()
    expect(form.get_by_text("无法告知您受理决定和办理结果")).to_be_visible()
    form.get_by_label("实名投诉").check()
    expect(form.get_by_label("姓名")).to_be_visible()

    form.get_by_label("部门").select_option(label="示范市住房和城乡建设局")
    form.get_by_label("投诉内容").fill("窗口工作人员要求补交清单以外的材料。")
    form.get_by_label("姓名").fill("张三丰")
    form.get_by_label("联系电话").fill("13800138000")
    form.get_by_role("button", name="提交").click()
    done = page.get_by_role("heading", name="✓ 投诉已收到")
    expect(done).to_be_focused()
    number = page.get_by_text(re.compile(r"投诉编号：TS-"))
    complaint_no = number.inner_text().split("：")[1].strip()
    expect(page.get_by_text("5 个工作日内")).to_be_visible()
    expect(page.get_by_text("通过您留下的电话告知您")).to_be_visible()
    accessible(w)
    fits(w)
    w.shot("received")

    with site.db.read() as conn:
        row = conn.execute(select(complaints).where(complaints.c.complaint_no == complaint_no)).one()
    assert row.department_code == "330900-ZJ"
    assert not row.anonymous
    assert (row.complainant_name, row.complainant_phone) == ("张三丰", "13800138000")
    assert row.content == "窗口工作人员要求补交清单以外的材料。"
    assert row.state == "received"


def test_a_complaint_made_with_the_keyboard_alone(site: Site, pages: Any) -> None:
    w = phone(pages, "keyboard")
    page = w.page
    page.goto(site.url + "/portal/#/complain")
    expect(page.get_by_role("form", name="我要投诉")).to_be_visible()
    focused = (
        "() => document.activeElement && (document.activeElement.name || document.activeElement.textContent)"
    )
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "department_code":
            break
    assert page.evaluate(focused) == "department_code", "Tab never reached the department"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    department = page.evaluate("() => document.activeElement.value")
    assert department
    page.keyboard.press("Tab")  # the case number, left empty
    assert page.evaluate(focused) == "case_no"
    page.keyboard.press("Tab")
    page.keyboard.type("办理超期且无人答复。")
    page.keyboard.press("Tab")  # into the group: the checked choice, real-name
    assert page.evaluate("() => document.activeElement.value") == "named"
    page.keyboard.press("ArrowDown")  # anonymous: the name and phone go away
    expect(page.get_by_label("姓名")).to_be_hidden()
    page.keyboard.press("ArrowUp")  # back to real-name
    expect(page.get_by_label("姓名")).to_be_visible()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "name"
    page.keyboard.type("李四")
    page.keyboard.press("Tab")
    page.keyboard.type("13900139000")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "提交"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="✓ 投诉已收到")).to_be_focused()
    complaint_no = page.get_by_text(re.compile(r"投诉编号：TS-")).inner_text().split("：")[1].strip()
    w.shot("keyboard-received")
    with site.db.read() as conn:
        row = conn.execute(select(complaints).where(complaints.c.complaint_no == complaint_no)).one()
    assert (row.department_code, row.complainant_name, row.content) == (
        department,
        "李四",
        "办理超期且无人答复。",
    )


def test_a_completed_case_rated_after_its_progress(site: Site, pages: Any) -> None:
    case_no, check_code = a_case(site, status="completed", unrated=True)
    w = phone(pages)
    page = w.page
    page.goto(site.url + "/portal/#/progress")
    page.get_by_label("办件编号").fill(case_no)
    page.get_by_label("查询码").fill(check_code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".progress-result")).to_contain_text("已办结")
    page.get_by_role("link", name="评价此办件").click()

    form = page.get_by_role("form", name="评价办件")
    expect(form.get_by_label("办件编号")).to_have_value(case_no)
    expect(form.get_by_label("查询码")).to_have_value(check_code)
    scores = form.get_by_role("group", name="满意程度")
    expect(scores.get_by_role("radio")).to_have_count(5)
    accessible(w)
    fits(w)
    w.shot("rating")
    scores.get_by_label("4 分 · 满意").check()
    form.get_by_label("意见和建议（可不填）").fill("办事效率高，窗口人员耐心。")
    form.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="✓ 评价已提交")).to_be_focused()
    expect(page.get_by_text(f"办件 {case_no} 的评价已记录：4 分 · 满意")).to_be_visible()
    fits(w)
    w.shot("rated")
    with site.db.read() as conn:
        row = conn.execute(
            select(ratings).where(ratings.c.case_no == case_no, ratings.c.kind == "rating")
        ).one()
    assert (row.score, row.comment, row.channel, row.by) == (
        4,
        "办事效率高，窗口人员耐心。",
        "web",
        "applicant",
    )

    # A second rating of the same case is refused, and the page says why.
    page.get_by_role("link", name="满意度评价").click()
    form = page.get_by_role("form", name="评价办件")
    form.get_by_label("5 分 · 很满意").check()
    form.get_by_role("button", name="提交").click()
    expect(form.get_by_role("alert")).to_contain_text("该办件已评价")


def test_published_results_and_ranking_in_english(site: Site, pages: Any) -> None:
    w = phone(pages)
    page = w.page
    page.goto(site.url + "/portal/#/results")
    expect(page.get_by_role("heading", name="部门月度测评排名")).to_be_visible()
    expect(page.get_by_role("table", name="市直部门")).to_be_visible()
    expect(page.get_by_role("table", name="公开的办理结果")).to_be_visible()
    accessible(w)
    fits(w)
    w.shot("results")

    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", name="Published results", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Monthly ranking of departments")).to_be_visible()
    expect(page.get_by_role("table", name="City departments")).to_be_visible()
    nav = page.get_by_role("navigation")
    for label in ("Home", "Power list", "Case progress", "Complain", "Rate a case", "Published results"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    accessible(w)
    fits(w)
    w.shot("results-en")

    # English stays on, page after page.
    nav.get_by_role("link", name="Complain").click()
    form = page.get_by_role("form", name="Make a complaint")
    expect(form.get_by_role("group", name="How to complain")).to_be_visible()
    expect(form.get_by_label("With my name")).to_be_checked()
    form.get_by_role("button", name="Submit").click()  # the browser asks for what is required first
    expect(page.get_by_role("heading", name="Complaint received")).to_have_count(0)
    accessible(w)
    fits(w)
    w.shot("complaint-en")
    nav.get_by_role("link", name="Power list").click()
    expect(page.get_by_role("search", name="Search").get_by_label("Type")).to_be_visible()
    expect(page.locator("ul.item-cards > li").first).to_contain_text(re.compile(r"Legal limit \d+ "))
    fits(w)
    w.shot("list-en")
