"""The console's administration in a real browser (issue 7): the catalogue (find, open, add, alter,
import), rule packs with a back-test, the working-day calendar, users (created with the keyboard
only, signed in as, disabled) and tokens, and a correction approved by the top-level leader.

What the pages did is checked against the record through the services, not only on the screen."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from .browser import Site, accessible, sign_in

SPJY = "330900-SCJG-XK-SPJY"  # 食品经营许可, in every demo city
YPLS = "330900-SCJG-XK-YPLS"  # the demo asks to suspend it, and leaves the request to a leader


def _versions(site: Site, code: str) -> list[Any]:
    from jiancha.store import catalogue as catalogue_store

    with site.db.read() as conn:
        return sorted(catalogue_store.versions(conn, [code]).get(code, []), key=lambda r: r.version)


def test_catalogue_found_opened_added_altered_and_imported(site: Site, pages: Any) -> None:
    admin = pages("admin")
    sign_in(admin, "/console/#/admin", "admin")
    page = admin.page
    expect(page.get_by_role("heading", name="管理")).to_be_visible()
    page.get_by_role("button", name="校验账本").click()
    expect(page.get_by_role("status")).to_contain_text("账本完整")
    accessible(admin)
    page.get_by_role("link", name=re.compile("^权力清单")).first.click()

    # Find an item by a word of its name, and open it: its fields, steps and versions.
    search = page.get_by_role("search")
    search.get_by_label("名称或编码").fill("食品经营")
    search.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"q=%E9%A3%9F"))
    expect(page.get_by_role("link", name=SPJY)).to_be_visible()
    admin.shot("catalogue")
    accessible(admin)
    page.get_by_role("link", name=SPJY).click()
    expect(page.get_by_role("heading", name=re.compile(f"事项 {SPJY}"))).to_contain_text("食品经营许可")
    expect(page.get_by_role("table", name="办理环节")).to_contain_text("受理")
    expect(page.get_by_role("table", name="历史版本")).to_contain_text("第 1 版")
    admin.shot("item")
    accessible(admin)

    # Add an item with the form: added at once, and the page opens it.
    page.get_by_role("link", name="返回").click()
    add = page.get_by_role("form", name="新增事项")
    add.get_by_label("事项编码").fill("330900-SCJG-XK-WEB")
    add.get_by_label(re.compile("^事项名称")).fill("网页新增的许可事项")
    add.get_by_label("实施部门").select_option(label="示范市市场监督管理局")
    add.get_by_label("设定依据").fill("《示范市条例》第一条")
    add.get_by_label("法定时限（天）").fill("20")
    add.get_by_label("承诺时限（天）").fill("12")
    add.get_by_role("button", name="新增事项").click()
    expect(page.get_by_role("heading", name=re.compile("事项 330900-SCJG-XK-WEB"))).to_be_visible()
    [first] = _versions(site, "330900-SCJG-XK-WEB")
    assert (
        first.content["promised_limit_days"] == 12 and first.content["process"]["steps"][0]["name"] == "受理"
    )
    assert first.changed_by == "系统管理员 (admin)"

    # Alter it: a change to an existing item waits for the top-level leader (R-AUD-2).
    alter = page.get_by_role("form", name="变更事项")
    alter.get_by_label("承诺时限（天）").fill("8")
    alter.get_by_label("变更原因").fill("压缩承诺时限")
    alter.get_by_role("button", name="变更事项").click()
    status = alter.get_by_role("status")
    expect(status).to_contain_text("待最高一级监察机关负责人批准")
    correction_no = re.search(r"GZ-\d{4}-\d+", status.inner_text()).group(0)  # type: ignore[union-attr]
    admin.shot("altered")
    assert len(_versions(site, "330900-SCJG-XK-WEB")) == 1

    # A whole change as JSON: the API's problems name the field.
    page.reload()
    raw = page.get_by_role("form", name="以 JSON 提交完整变更")
    bad = {
        "kind": "change",
        "code": "330900-SCJG-XK-WEB",
        "effective_from": "2026-01-01T00:00:00Z",
        "item": {"code": "330900-SCJG-XK-WEB"},
    }
    raw.get_by_label("变更内容（JSON）").fill(json.dumps(bad))
    raw.get_by_role("button", name="提交").click()
    expect(raw.get_by_role("alert")).to_contain_text("[0].item.legal_basis")

    # The leader approves the alteration; the item's page then shows its second version.
    leader = pages("leader")
    sign_in(leader, f"/console/#/correction/{correction_no}", "jianguan")
    lp = leader.page
    expect(lp.get_by_role("heading", name=re.compile(correction_no))).to_contain_text("待审批")
    expect(lp.get_by_role("table", name="变更内容")).to_contain_text("promised_limit_days：12 → 8")
    lp.get_by_role("form", name="审批").get_by_role("button", name="审批").click()
    expect(lp.get_by_role("heading", name=re.compile(correction_no))).to_contain_text("已批准并执行")
    page.reload()
    expect(page.get_by_role("table", name="历史版本")).to_contain_text("第 2 版")
    expect(page.get_by_text("当前显示第 2 版")).to_be_visible()
    versions = _versions(site, "330900-SCJG-XK-WEB")
    assert [v.version for v in versions] == [1, 2] and versions[1].content["promised_limit_days"] == 8
    page.get_by_role("link", name="第 1 版").click()
    expect(page.get_by_text("当前显示第 1 版")).to_be_visible()

    # A catalogue file uploaded to the import route: all or nothing, and a new item added.
    page.goto(site.url + "/console/#/catalogue")
    item = dict(first.content, code="330900-SCJG-XK-FILE", name="文件导入的许可事项")
    document = {"format": "jiancha-catalogue", "version": 1, "items": [item]}
    upload = page.get_by_role("form", name="导入清单文件")
    upload.get_by_label("清单文件").set_input_files(
        files=[
            {
                "name": "catalogue.json",
                "mimeType": "application/json",
                "buffer": json.dumps(document).encode(),
            }
        ]
    )
    upload.get_by_role("button", name="导入清单文件").click()
    expect(upload.get_by_role("status")).to_contain_text("新增 1")
    assert len(_versions(site, "330900-SCJG-XK-FILE")) == 1
    admin.shot("imported")


def test_a_pack_and_its_back_test(site: Site, pages: Any) -> None:
    admin = pages("admin")
    sign_in(admin, "/console/#/packs", "admin")
    page = admin.page
    expect(page.get_by_text("全平台在用：default")).to_be_visible()
    accessible(admin)
    page.get_by_role("link", name="sichuan-2014").click()
    rules = page.get_by_role("table", name="规则数")
    expect(rules).to_contain_text("SC-10-2-3-LEGAL")
    expect(rules.get_by_text("红灯").first).to_be_visible()
    run = page.get_by_role("form", name="回测")
    run.get_by_label("起始日期").fill("2025-01-01")
    run.get_by_role("button", name="运行回测").click()
    result = page.get_by_role("heading", name=re.compile("回测结果"))
    expect(result).to_be_visible()
    by_colour = page.get_by_role("table", name="按颜色")
    expect(by_colour).to_contain_text("本规则包（sichuan-2014）")
    expect(by_colour).to_contain_text("在用规则包（default）")
    expect(page.get_by_role("table", name="按部门")).to_contain_text("示范市市场监督管理局")
    assert int(re.search(r"共 (\d+) 件", result.inner_text()).group(1)) > 0  # type: ignore[union-attr]
    admin.shot("backtest")
    accessible(admin)


def test_the_calendar_its_years_a_year_loaded_and_arithmetic(site: Site, pages: Any) -> None:
    admin = pages("admin")
    sign_in(admin, "/console/#/calendar", "admin")
    page = admin.page
    years = page.get_by_role("table", name="已载入的年份")
    expect(years).to_contain_text("chinesecalendar")
    accessible(admin)

    # Working-day arithmetic across the National Day week.
    add = page.get_by_role("form", name="工作日推算")
    add.get_by_label("起始日期").fill("2026-09-30")
    add.get_by_label("天数").fill("3")
    add.get_by_role("button", name="计算").click()
    expect(page.get_by_text("2026-09-30 之后第 3 个工作日是 2026-10-10")).to_be_visible()

    years.get_by_role("link", name="2026", exact=True).click()
    holidays = page.get_by_role("table", name="2026 年节假日和调休")
    expect(holidays).to_contain_text("Spring Festival")
    expect(
        holidays.get_by_role("row", name=re.compile("2026-02-14")).get_by_text("上班（调休）")
    ).to_be_visible()
    admin.shot("year")
    accessible(admin)

    # Loading a year not yet loaded, from the State Council's notice as lines.
    page.goto(site.url + "/console/#/calendar/2031")
    expect(page.get_by_text("2031 年的节假日安排尚未载入")).to_be_visible()
    load = page.get_by_role("form", name="载入一年的安排")
    load.get_by_label("安排").fill("2031-01-01,休,元旦\n2031-01-02,休,元旦\n2031-01-04,班,元旦调休")
    load.get_by_role("button", name="提交").click()
    expect(page.get_by_role("table", name="2031 年节假日和调休")).to_contain_text("元旦调休")
    expect(page.get_by_text("api", exact=True)).to_be_visible()

    from jiancha.services import calendar

    cal = calendar.current(site.db)
    from datetime import date

    assert not cal.is_workday(date(2031, 1, 2)) and cal.is_workday(date(2031, 1, 4))


def test_a_user_created_with_the_keyboard_sees_their_scope_and_is_disabled(site: Site, pages: Any) -> None:
    admin = pages("admin")
    sign_in(admin, "/console/#/users", "admin")
    page = admin.page
    users = page.get_by_role("table", name="用户（权限复核）")
    expect(users).to_contain_text("jianguan")
    expect(page.get_by_role("link", name="下载权限复核表（CSV）")).to_have_attribute(
        "href", "/api/v1/users?format=csv"
    )
    admin.shot("users")
    accessible(admin)

    # The form by the keyboard alone: type, Tab, arrows, Space, Enter.
    create = page.get_by_role("form", name="新增用户")
    create.get_by_label(re.compile("^用户名")).focus()
    kb = page.keyboard
    kb.type("xishan")
    kb.press("Tab")
    kb.type("西山区监察局 电子监察员")
    kb.press("Tab")  # role: 电子监察员 already
    kb.press("Tab")  # region
    for _ in range(3):  # (无) → 示范市 → 东湖区 → 西山区
        kb.press("ArrowDown")
    kb.press("Tab")  # department: none
    kb.press("Tab")  # leader
    kb.press("Tab")  # reads cases
    kb.press("Tab")  # password
    kb.type("xishan-password-1")
    kb.press("Enter")
    expect(users.get_by_role("row", name=re.compile("xishan"))).to_contain_text("西山区")
    expect(page.get_by_text("已新增用户 xishan")).to_be_visible()
    admin.shot("user-created")

    from jiancha.services import access

    [made] = [u for u in access.list_users(site.db) if u["username"] == "xishan"]
    assert made["role"] == "e_supervisor" and made["region_code"] == "330903" and made["active"]

    # Signed in as the new user: the board shows only the 西山区's departments.
    new = pages("new-user")
    sign_in(new, "/console/", "xishan", "xishan-password-1")
    rows = new.page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    for i in range(rows.count()):
        expect(rows.nth(i).locator("td").nth(2)).to_contain_text("西山区")
    new.shot("scope")

    # Disabled: the row says so, and the user's session is over.
    users.get_by_role("button", name="停用 xishan").click()
    expect(users.get_by_role("row", name=re.compile("xishan"))).to_contain_text("已停用")
    [made] = [u for u in access.list_users(site.db) if u["username"] == "xishan"]
    assert not made["active"]
    new.page.reload()
    expect(new.page.get_by_role("button", name="登录")).to_be_visible()


def test_a_token_issued_once_and_revoked(site: Site, pages: Any) -> None:
    admin = pages("admin")
    sign_in(admin, "/console/#/users", "admin")
    page = admin.page
    issue = page.get_by_role("form", name="发放令牌")
    issue.get_by_label("系统名称").fill("市场监管审批系统")
    issue.get_by_label("部门", exact=True).select_option(label="示范市市场监督管理局")
    issue.get_by_role("button", name="发放令牌").click()
    token = page.get_by_label("新令牌")
    expect(token).to_have_value(re.compile(r"^jct_"))
    tokens = page.get_by_role("table", name="接入系统令牌")
    expect(tokens).to_contain_text("市场监管审批系统")
    admin.shot("token")
    accessible(admin)
    page.once("dialog", lambda d: d.accept())
    tokens.get_by_role("button", name=re.compile("吊销令牌")).first.click()
    expect(tokens.get_by_role("button", name=re.compile("吊销令牌"))).to_have_count(0)

    from jiancha.services import access

    assert all(k["revoked_at"] for k in access.list_tokens(site.db))


def test_a_supervisor_is_told_what_is_for_administrators(site: Site, pages: Any) -> None:
    boss = pages("supervisor")
    sign_in(boss, "/console/#/users", "jianguan")
    expect(boss.page.get_by_role("alert")).to_contain_text("系统监管员无权进行此操作")
    expect(boss.page.get_by_role("form", name="新增用户")).to_have_count(0)
    areas = boss.page.get_by_role("navigation", name="管理")
    expect(areas.get_by_role("link", name="规则包")).to_be_visible()
    expect(areas.get_by_role("link", name="用户和权限")).to_have_count(0)
    accessible(boss)
    boss.shot("refused")
    # In English too, the API's own words.
    boss.page.get_by_role("button", name="Switch to English").click()
    expect(boss.page.get_by_role("heading", name="Users and permissions")).to_be_visible()
    expect(boss.page.get_by_role("alert")).to_contain_text("a system_supervisor may not do this")
    boss.page.get_by_role("link", name="Rule packs").click()
    expect(boss.page.get_by_text("In force across the platform: default")).to_be_visible()
    accessible(boss)


def test_the_leader_approves_a_correction_and_it_is_applied(site: Site, pages: Any) -> None:
    leader = pages("leader")
    sign_in(leader, "/console/#/corrections", "jianguan")
    page = leader.page
    listed = page.get_by_role("table", name="更正审批")
    row = listed.get_by_role("row", name=re.compile(YPLS))
    expect(row).to_contain_text("待审批")
    leader.shot("requests")
    accessible(leader)
    row.get_by_role("link", name=re.compile(r"^GZ-")).click()
    expect(page.get_by_role("table", name="变更内容")).to_contain_text("暂停")
    decide = page.get_by_role("form", name="审批")
    decide.get_by_label("决定").select_option(label="批准并执行")
    decide.get_by_label("意见").fill("同意暂停受理")
    decide.get_by_role("button", name="审批").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已批准并执行")
    expect(page.get_by_text("同意暂停受理")).to_be_visible()
    accessible(leader)
    leader.shot("approved")

    # Applied: the item is suspended, in a new version.
    page.get_by_role("link", name=YPLS).first.click()
    expect(page.get_by_text(re.compile("当前显示第 2 版"))).to_contain_text("暂停")
    versions = _versions(site, YPLS)
    assert versions[-1].status == "suspended" and versions[-1].change_kind == "suspend"
