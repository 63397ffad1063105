"""The console's supervision work and scores in a real browser (issue 7): complaints decided and
judged, a patrol logged, a sample drawn and reviewed, the month's scores ranked with every point's
reason, the statistics and the monthly report — and a county's supervisor sees only his county."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .browser import Site, accessible, sign_in


def _complaint(site: Site, department: str, content: str, *, resulted: bool = False) -> str:
    """A complaint from the public, as the portal would take it; `resulted`: accepted and answered
    by the department, waiting for the agency's verdict."""
    from jiancha.services import complaints

    raw = {
        "department_code": department,
        "content": content,
        "channel": "phone",
        "complainant": {"name": "王小明", "phone": "13900001111"},
    }
    no = str(complaints.submit(site.db, complaints.parse(raw))["complaint_no"])
    if resulted:
        complaints.decide(site.db, no, True, "属实，转部门办理", "监察员")
        complaints.result(site.db, no, "已督促办结并向投诉人说明", "部门负责人")
    return no


def _nav(page: Any, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def test_a_complaint_is_accepted_and_sent_on_and_another_judged_upheld(site: Site, pages: Any) -> None:
    from jiancha.services import complaints

    fresh = _complaint(site, "330900-SCJG", "窗口工作人员推诿，不予受理申请")
    answered = _complaint(site, "330900-SCJG", "办件超期未办结", resulted=True)
    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    _nav(page, "投诉")
    expect(page.get_by_role("heading", name="投诉", exact=True)).to_be_visible()
    counts = page.get_by_role("list", name="投诉（按状态）")
    expect(counts).to_contain_text("待受理")
    counts.get_by_role("link", name="待受理").click()
    expect(page).to_have_url(re.compile(r"state=received"))
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("待受理")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("待受理")
    accessible(boss)
    boss.shot("complaints")

    # Accepted within the working days, and so sent to the department with the due date of its result.
    page.get_by_role("link", name=fresh).click()
    expect(page.get_by_role("heading", name=re.compile(f"投诉 {fresh}"))).to_contain_text("待受理")
    expect(page.get_by_text("窗口工作人员推诿")).to_be_visible()
    expect(page.get_by_text("王**")).to_be_visible()  # the complainant masked
    decide = page.get_by_role("form", name=re.compile("受理决定"))
    accessible(boss)
    decide.get_by_label("决定").select_option("true")
    decide.get_by_label("理由").fill("属本机关管辖，予以受理")
    decide.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name=re.compile(f"投诉 {fresh}"))).to_contain_text("已转办")
    expect(page.get_by_text(re.compile("等待 示范市市场监督管理局 于 .* 前反馈处理结果"))).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="处理记录"))
    expect(history).to_contain_text("受理决定")
    expect(history).to_contain_text("告知投诉人")
    boss.shot("complaint-accepted")
    stored = complaints.detail(site.db, fresh)
    assert stored is not None and stored["state"] == "transferred" and stored["result_due"]
    assert stored["decision_reason"] == "属本机关管辖，予以受理"
    assert stored["history"][1]["by"].endswith("(jianguan)")

    # The department's result judged: upheld, which costs the department points.
    page.goto(f"{site.url}/console/#/complaint/{answered}")
    expect(page.get_by_text("已督促办结并向投诉人说明").first).to_be_visible()
    verdict = page.get_by_role("form", name="作出核查结论")
    verdict.get_by_label("核查结论").select_option("true")
    verdict.get_by_label("理由").fill("经核查，办件确已超过法定期限")
    verdict.get_by_role("button", name="提交").click()
    expect(page.get_by_text("本投诉已办结")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("查实")
    boss.shot("complaint-upheld")
    judged = complaints.detail(site.db, answered)
    assert judged is not None and judged["upheld"] is True

    # A second decision is refused by the API, and the page says so instead of failing.
    refused = page.request.post(
        f"{site.url}/api/v1/complaints/{fresh}/decision",
        data={"accept": False, "reason": "再次决定"},
        headers={"X-CSRF-Token": page.evaluate("sessionStorage.getItem('jiancha.csrf')")},
    )
    assert refused.status == 409

    # The header's switch re-renders the page in English.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", name=re.compile(f"Complaint {answered}"))).to_contain_text(
        "result given"
    )
    expect(page.locator("dl.facts")).to_contain_text("upheld")
    page.get_by_role("button", name="切换为中文").click()


def test_a_patrol_is_logged_and_listed_with_the_shortfalls(site: Site, pages: Any) -> None:
    from jiancha.services import patrols

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    _nav(page, "巡查")
    log = page.get_by_role("form", name="登记巡查")
    expect(log).to_contain_text("示范市")
    expect(page.get_by_role("heading", name=re.compile("巡查频次不足"))).to_be_visible()
    accessible(boss)
    log.get_by_label("巡查方式").select_option("video")
    log.get_by_label("巡查对象（地区）").select_option(label="东湖区")
    log.get_by_label("发现情况").fill("东湖区政务大厅窗口人员离岗 20 分钟")
    log.get_by_label("发现问题").check()
    log.get_by_role("button", name="登记巡查").click()
    made = page.locator("section", has=page.get_by_role("heading", name="巡查记录"))
    first = made.locator("table tbody tr").first
    expect(first).to_contain_text("东湖区政务大厅窗口人员离岗 20 分钟")
    expect(first).to_contain_text("视频巡查")
    expect(first).to_contain_text("有问题")
    boss.shot("patrol-logged")
    _, rows = patrols.recent(site.db, limit=1)
    assert rows[0]["findings"] == "东湖区政务大厅窗口人员离岗 20 分钟"
    assert rows[0]["agency_region"] == "330900" and rows[0]["target_region"] == "330902"
    assert rows[0]["kind"] == "video" and rows[0]["issue_found"] is True
    assert rows[0]["by"].endswith("(jianguan)")


def test_a_sample_is_drawn_by_its_seed_again_the_same_and_a_finding_recorded(site: Site, pages: Any) -> None:
    from jiancha.services import sampling

    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page

    def draw() -> list[str]:
        _nav(page, "抽查")
        drawing = page.get_by_role("form", name="随机抽查办件")
        drawing.get_by_label("随机种子").fill("20261124")
        drawing.get_by_label("抽取数量").fill("4")
        drawing.get_by_label("部门").select_option(label="示范市市场监督管理局")
        drawing.get_by_role("button", name="抽取").click()
        expect(page.get_by_role("heading", name=re.compile(r"^抽查批次 CC-"))).to_be_visible()
        expect(page.get_by_text("以随机种子 20261124 抽取 4 件")).to_be_visible()
        cases = page.locator("section", has=page.get_by_role("heading", name="抽中的办件")).locator(
            "tbody tr td:first-child"
        )
        expect(cases).to_have_count(4)
        return cases.all_inner_texts()

    first = draw()
    sample_no = page.get_by_role("heading", name=re.compile(r"^抽查批次 CC-")).inner_text().split()[-1]
    accessible(boss)
    boss.shot("sample")
    assert draw() == first, "the same seed over the same cases draws the same ones"

    page.goto(f"{site.url}/console/#/sample/{sample_no}")
    record = page.get_by_role("form", name="登记审查结论")
    record.get_by_label("办件编号").select_option(first[1])
    record.get_by_label("结论").select_option("false")
    record.get_by_label("审查意见").fill("缺少现场核查记录")
    record.get_by_role("button", name="提交").click()
    row = page.locator("tbody tr", has=page.get_by_role("link", name=first[1], exact=True))
    expect(row).to_contain_text("不合规")
    expect(row).to_contain_text("缺少现场核查记录")
    boss.shot("sample-finding")
    stored = sampling.detail(site.db, sample_no)
    assert stored is not None and stored["seed"] == 20261124 and stored["case_nos"] == first
    assert stored["filter"]["department_code"] == "330900-SCJG"
    assert [(f["case_no"], f["compliant"], f["finding"]) for f in stored["findings"]] == [
        (first[1], False, "缺少现场核查记录")
    ]
    # Listed with the samples, its finding counted.
    _nav(page, "抽查")
    listed = page.locator("tbody tr", has=page.get_by_role("link", name=sample_no))
    expect(listed).to_contain_text("1 / 4")


def test_the_scores_ranked_with_each_points_reason_and_publication_refused_while_the_month_runs(
    site: Site, pages: Any
) -> None:
    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    _nav(page, "绩效测评")
    city = page.locator("section", has=page.get_by_role("heading", name="市级部门"))
    expect(city.locator("tbody tr").first).to_be_visible()
    expect(page.get_by_role("heading", name="区县级部门")).to_be_visible()
    ranks = [int(x) for x in city.locator("tbody tr td:first-child").all_inner_texts()]
    assert ranks == sorted(ranks) and ranks[0] == 1, "ranked from the first"
    scores = [float(x) for x in city.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    accessible(boss)
    boss.shot("evaluation")

    # The department with the lowest score, and why.
    last = city.locator("tbody tr").last
    name = last.locator("td").nth(1).inner_text()
    last.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=re.compile(f"{name} · .* 得分明细"))).to_be_visible()
    points = page.locator("table tbody tr")
    expect(points.first).to_be_visible()
    reasons = set(page.locator("table tbody tr td:nth-child(2)").all_inner_texts())
    assert reasons & {"红色纠错", "黄色纠错", "超期办件", "数据报送不及时", "投诉查实", "抽查发现问题"}
    expect(page.get_by_role("link", name=re.compile(r"^信号 \d+$")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^合计 [-+]?\d+\.\d\d 分"))).to_be_visible()
    accessible(boss)
    boss.shot("points")

    # Publishing the running month is refused, and the page shows the API's reason.
    page.go_back()
    publish = page.get_by_role("form", name="发布测评结果")
    month = page.evaluate(
        "(() => { const d = new Date(Date.now() + 8 * 3600e3); return d.toISOString().slice(0, 7); })()"
    )
    publish.get_by_label("月份").fill(month)
    publish.get_by_role("button", name="发布").click()
    expect(publish.get_by_role("alert")).to_contain_text("月份尚未结束")
    boss.shot("publish-refused")

    # A finished month not yet published: the leader publishes it, and it is archived.
    from jiancha.services import evaluation

    year, number = map(int, month.split("-"))
    earlier = f"{year - (number <= 2)}-{(number - 3) % 12 + 1:02d}"
    publish.get_by_label("月份").fill(earlier)
    publish.get_by_role("button", name="发布").click()
    archive = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile(f"{earlier} 已发布测评结果"))
    )
    expect(archive).to_contain_text("(jianguan)")
    expect(archive.locator("tbody tr").first).to_be_visible()
    boss.shot("published")
    kept = evaluation.published(site.db, "330900", earlier)
    assert kept["published_by"].endswith("(jianguan)") and kept["departments"]


def test_the_month_statistics_and_its_report_as_pdf_and_xlsx(site: Site, pages: Any) -> None:
    boss = pages("supervisor")
    sign_in(boss, "/console/", "jianguan")
    page = boss.page
    _nav(page, "统计报表")
    expect(page.get_by_role("heading", name=re.compile(r"统计（示范市）"))).to_be_visible()
    expect(page.get_by_role("list", name="办理质量")).to_contain_text("异常率")
    expect(page.get_by_role("list", name="按颜色")).to_contain_text("红灯")
    expect(page.get_by_role("table", name="各部门")).to_contain_text("示范市市场监督管理局")
    accessible(boss)
    boss.shot("reports")
    pdf = page.get_by_role("link", name="下载 PDF").get_attribute("href")
    xlsx = page.get_by_role("link", name="下载 Excel（xlsx）").get_attribute("href")
    assert pdf and "agency=330900" in pdf and "format=pdf" in pdf
    answer = page.request.get(site.url + pdf)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-"
    sheet = page.request.get(site.url + str(xlsx))
    assert sheet.status == 200 and "spreadsheetml" in sheet.headers["content-type"]

    # The feeds' health and the accountability records.
    _nav(page, "数据接入")
    expect(page.get_by_role("table", name="接入系统运行情况")).to_contain_text("审批系统")
    expect(page.get_by_role("table", name="接入系统运行情况")).to_contain_text("%")
    accessible(boss)
    boss.shot("feeds")
    _nav(page, "责任追究")
    expect(page.get_by_role("table", name="责任追究记录")).to_contain_text("WZ-")
    accessible(boss)


def test_a_county_supervisor_sees_only_his_county(site: Site, pages: Any) -> None:
    county = _complaint(site, "330902-SCJG", "东湖区市场监管局办件超期")
    city = _complaint(site, "330900-JTYS", "市交通运输局窗口推诿")
    sup = pages("county")
    sign_in(sup, "/console/", "donghu")
    page = sup.page
    _nav(page, "投诉")
    table = page.get_by_role("table", name="投诉列表")
    expect(table).to_contain_text(county)
    expect(table).not_to_contain_text(city)
    for i in range(table.locator("tbody tr").count()):
        expect(table.locator("tbody tr").nth(i)).to_contain_text("东湖区")
    accessible(sup)
    sup.shot("complaints")
    page.goto(f"{site.url}/console/#/complaint/{city}")
    expect(page.get_by_role("alert")).to_contain_text("投诉")

    _nav(page, "绩效测评")
    expect(page.get_by_role("heading", name="区县级部门")).to_be_visible()
    expect(page.get_by_role("heading", name="市级部门")).to_have_count(0)
    names = page.locator("section", has=page.get_by_role("heading", name="区县级部门")).locator(
        "tbody tr td:nth-child(2)"
    )
    assert names.all_inner_texts() and all("东湖区" in n for n in names.all_inner_texts())
    # Not a leader: the API refuses him publication.
    publish = page.get_by_role("form", name="发布测评结果")
    publish.get_by_role("button", name="发布").click()
    expect(publish.get_by_role("alert")).to_contain_text("负责人")
    accessible(sup)
    sup.shot("evaluation")

    _nav(page, "统计报表")
    expect(page.get_by_role("heading", name=re.compile(r"统计（东湖区）"))).to_be_visible()
    departments = (
        page.get_by_role("table", name="各部门").locator("tbody tr td:first-child").all_inner_texts()
    )
    assert departments and all("东湖区" in d for d in departments)
    pdf = page.get_by_role("link", name="下载 PDF").get_attribute("href")
    assert pdf and "agency=330902" in pdf
    assert page.request.get(site.url + pdf).status == 200
    city_report = page.request.get(
        f"{site.url}/api/v1/reports/monthly?agency=330900&month=2026-01&format=pdf"
    )
    assert city_report.status == 403
