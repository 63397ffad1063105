// The console's scores and reports: a month's running evaluation per department, ranked, with every
// point and its reason (R-EVA-1); publication of a finished month and the published archive
// (R-EVA-2); a month's statistics (R-REP-3) and the monthly report as PDF and xlsx (R-REP-1).
// See console.js for the contract: { key: { nav: word | null, render(main, args, me) } }.
import {
  addWords, api, ApiError, clear, departmentName, failure, field, form, goTo, h, lang, light, link, organisation,
  params, regionsBelow, t, table, thisMonth, when,
} from "/static/core.js";

addWords({
  evaluation: ["绩效测评", "Scores"],
  reports: ["统计报表", "Reports"],

  month: ["月份", "Month"],
  region: ["地区", "Region"],
  whole_area: ["本机关权限内全部", "everything in scope"],
  show: ["查看", "Show"],
  running_scores: ["{month} 测评得分（截至 {as_of}）", "Scores of {month} (as of {as_of})"],
  "level.province": ["省级部门", "Province departments"],
  "level.city": ["市级部门", "City departments"],
  "level.county": ["区县级部门", "County departments"],
  "level.township": ["乡镇级", "Township"],
  ranked_by_level: ["按得分排名（同级部门之间）", "Ranked by score, among departments of the same level"],
  rank: ["名次", "Rank"],
  score: ["得分", "Score"],
  deductions: ["扣分", "Deductions"],
  additions: ["加分", "Additions"],
  reasons: ["扣分和加分原因", "Reasons"],
  points_of: ["得分明细", "Points"],
  points_title: ["{department} · {month} 得分明细", "{department} · points of {month}"],
  points_list: ["每一项扣分和加分", "Every point"],
  points: ["分值", "Points"],
  source: ["依据", "Source"],
  total_points: ["合计 {points} 分（基础分 {base}，得分 {score}）", "Total {points} (base {base}, score {score})"],
  all_officials: ["全部（部门）", "All (the department)"],
  official: ["责任人", "Official"],
  "reason.red_signal": ["红色纠错", "red signal"],
  "reason.yellow_signal": ["黄色纠错", "yellow signal"],
  "reason.overdue_case": ["超期办件", "overdue case"],
  "reason.upheld_complaint": ["投诉查实", "upheld complaint"],
  "reason.late_reporting": ["数据报送不及时", "late reporting"],
  "reason.sample_finding": ["抽查发现问题", "sample finding"],
  "reason.early_completion": ["提前办结率", "early completion"],
  "reason.satisfaction": ["满意度", "satisfaction"],
  basis_rate: ["提前办结 {a} 件 / 办结 {b} 件", "{a} of {b} completed early"],
  basis_ratings: ["评分合计 {a}，共 {b} 次", "ratings totalling {a}, {b} given"],
  finding_n: ["抽查结论 #{id}", "sample finding #{id}"],
  publish: ["发布测评结果", "Publish the scores"],
  publish_hint: ["仅监察机关负责人可发布已结束月份的结果；发布后存档、不可更改，之后只能调整。", "Only an agency's leader publishes a finished month; it is archived for good and corrected only by adjustments."],
  publish_button: ["发布", "Publish"],
  published: ["已发布结果", "Published scores"],
  published_title: ["{month} 已发布测评结果（{region}）", "Published scores of {month} ({region})"],
  published_by: ["{by} 于 {at} 发布（账本 #{seq}）", "Published by {by} at {at} (ledger #{seq})"],
  not_published: ["{month} 的测评结果尚未发布。", "The scores of {month} are not published."],
  published_score: ["发布时得分（名次）", "Published score (rank)"],
  final_score: ["调整后得分", "Score after adjustments"],
  adjustments: ["发布后的调整", "Adjustments since"],
  satisfaction: ["满意度（累计）", "Satisfaction (all time)"],
  ratings: ["评价", "Ratings"],
  revisits: ["回访", "Revisits"],
  mean_of: ["{mean} 分（{count} 次）", "{mean} ({count})"],

  // reports
  statistics_title: ["{month} 统计（{area}）", "Statistics of {month} ({area})"],
  not_complete: ["本月尚未结束，数字截至 {as_of}。", "The month is not over; figures as of {as_of}."],
  volumes: ["办件量", "Volumes"],
  "vol.received": ["收件", "received"],
  "vol.accepted": ["受理", "accepted"],
  "vol.handled": ["办结（含不予受理）", "handled"],
  "vol.completed": ["办结", "completed"],
  "vol.rejected": ["不予受理", "rejected"],
  "vol.open_at_end": ["月末在办", "open at the end"],
  handling: ["办理质量", "Handling"],
  anomaly_rate: ["异常率", "Anomaly rate"],
  early_completion_rate: ["提前办结率", "Early completion rate"],
  overdue: ["超期", "Overdue"],
  signals_by: ["信号", "Signals"],
  by_colour: ["按颜色", "By colour"],
  by_family: ["按类别", "By type"],
  by_state: ["按处理状态", "By state"],
  family: ["类别", "Type"],
  count: ["数量", "Count"],
  complaints_month: ["投诉", "Complaints"],
  "cp.received": ["收到", "received"],
  "cp.accepted": ["受理", "accepted"],
  "cp.not_accepted": ["不予受理", "not accepted"],
  "cp.resulted": ["已反馈结果", "resulted"],
  by_department: ["各部门", "By department"],
  top_rules: ["触发最多的规则", "Rules raised most"],
  departments_n: ["涉及部门", "Departments"],
  trend: ["近 12 个月趋势", "Twelve months"],
  signals_total: ["信号", "Signals"],
  monthly_report: ["电子监察月报", "Monthly report"],
  download_pdf: ["下载 PDF", "Download PDF"],
  download_xlsx: ["下载 Excel（xlsx）", "Download Excel (xlsx)"],
  report_of: ["{agency} {month} 月报", "{agency}, {month}"],
  kept_reports: ["已生成的月报", "Reports kept"],
  none_kept: ["本月月报尚未存档；下载时即生成并记入账本。", "No report kept for this month yet; downloading makes one and ledgers it."],
  format: ["格式", "Format"],
  size_bytes: ["大小（字节）", "Size (bytes)"],
  made_at: ["生成时间", "Made"],
  made_by: ["生成人", "Made by"],
  sha256: ["SHA-256", "SHA-256"],
  "fam.time_limit": ["办理时限", "time limits"],
  "fam.procedure": ["办理程序", "procedure"],
  "fam.materials": ["材料证据", "materials"],
  "fam.legal_basis": ["法律依据", "legal basis"],
  "fam.discretion": ["自由裁量", "discretion"],
  "fam.fees": ["收费", "fees"],
  "fam.item_status": ["事项状态", "item status"],
  "fam.execution": ["执行", "execution"],
  "fam.disclosure": ["结果公开", "disclosure"],
  "fam.late_entry": ["数据迟报", "late entry"],
  "fam.born_completed": ["办结才报", "reported only when completed"],
  "fam.same_instant": ["同一时刻", "same instant"],
  "fam.silent_feed": ["数据中断", "silent feed"],
  "fam.idle_item": ["事项零办件", "idle item"],
  "fam.escalation": ["升级（黄转红）", "escalation"],
  "fam.notice": ["督办", "notice"],
  "fam.complaint": ["投诉", "complaint"],
  "fam.not_published": ["应公开未公开", "not published"],
  "fam.late_published": ["变更公开超时限", "published late"],
  "fam.published_differs": ["公开内容不一致", "published differently"],
  "fam.unequal_treatment": ["同案不同罚", "like cases treated unequally"],
  "fam.procurement_red_flag": ["招标采购风险", "procurement red flag"],
  "fam.vehicle_use": ["公务用车", "official vehicle use"],
  "fam.sequence": ["环节先后与间隔", "steps' order and spacing"],
  "fam.three_public": ["“三公”经费", "\"three public\" spending"],
  "fam.collective_decision": ["“三重一大”决策", "SOE collective decisions"],
  "fam.sunshine_medicine": ["阳光用药", "sunshine medicine"],
  "fam.village_assets": ["农村集体“三资”", "rural collective assets"],
  "fam.project_integrity": ["项目廉情指数", "project integrity index"],
  "fam.integrity_risk": ["勤廉风险指数", "integrity risk index"],
  "fam.on_duty": ["关键岗位上岗签到", "on-duty check-in"],
});

// -- helpers of this module --------------------------------------------------------------------

function regionName(o, code) {
  const r = o.regions.find((x) => x.code === code);
  return r ? r.name : code || t("whole_area");
}

function percent(x) {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

function signed(points) {
  const n = Number(points);
  return n > 0 ? `+${points}` : String(points);
}

const LEVELS = ["province", "city", "county", "township"];

function reasonText(reason, r) {
  const n = r.count !== null && r.count !== undefined ? ` ×${r.count}` : "";
  return `${t(`reason.${reason}`)}${n} ${signed(r.points)}`;
}

function sourceCell(source) {
  const [kind, ref] = [source.slice(0, source.indexOf(":")), source.slice(source.indexOf(":") + 1)];
  if (kind === "signal") return link(t("signal_n", { id: ref }), ["signal", ref]);
  if (kind === "complaint") return link(ref, ["complaint", ref]);
  if (kind === "case") return link(ref, ["case", ref]);
  if (kind === "finding") return t("finding_n", { id: ref });
  const [a, b] = ref.split("/");
  if (kind === "rate") return t("basis_rate", { a, b });
  if (kind === "ratings") return t("basis_ratings", { a, b });
  return source;
}

// A month and region chooser; `regions` are those the caller may ask about.
function chooser(key, f, regions, { allowAll }) {
  const chosen = h(
    "form",
    { class: "filters panel-form", "aria-label": t("show") },
    field(t("month"), "month", { kind: "month", value: f.month, required: true }),
    field(t("region"), "region", {
      kind: "select",
      value: f.region || "",
      options: [...(allowAll ? [["", t("whole_area")]] : []), ...regions.map((r) => [r.code, r.name])],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("show")))
  );
  chosen.addEventListener("submit", (e) => {
    e.preventDefault();
    goTo(key, Object.fromEntries(new FormData(chosen)));
  });
  return chosen;
}

// -- the evaluation -------------------------------------------------------------------------------

async function evaluationPage(main, args, me) {
  const o = await organisation();
  const f = { month: thisMonth(), region: me.region_code || "", ...params(args[0]) };
  const regions = regionsBelow(o.regions, me.region_code);
  const data = await api("/evaluation/scores", { query: { month: f.month, region: f.region } });
  const byLevel = LEVELS.map((level) => [level, data.departments.filter((d) => d.level === level).sort((a, b) => a.rank - b.rank || Number(b.score) - Number(a.score))]).filter(([, ds]) => ds.length);
  const sum = (d, sign) =>
    Object.values(d.by_reason || {}).map((r) => Number(r.points)).filter((p) => sign * p > 0).reduce((a, b) => a + b, 0).toFixed(2);
  const levelTables = byLevel.map(([level, ds]) =>
    h(
      "section",
      { class: "panel", "aria-labelledby": `lv-${level}` },
      h("h2", { id: `lv-${level}` }, t(`level.${level}`)),
      table(`${t(`level.${level}`)} · ${t("ranked_by_level")}`, [
        { label: t("rank"), cell: (d) => String(d.rank) },
        { label: t("department"), cell: (d) => link(d.name, ["points", f.month, d.department_code]) },
        { label: t("score"), cell: (d) => h("strong", {}, d.score) },
        { label: t("deductions"), cell: (d) => sum(d, -1) },
        { label: t("additions"), cell: (d) => `+${sum(d, 1)}` },
        { label: t("reasons"), cell: (d) => Object.entries(d.by_reason || {}).map(([k, r]) => reasonText(k, r)).join("；") },
      ], ds)
    )
  );
  const published = await publishedSection(o, f.month, f.region || me.region_code, me);
  const lastMonth = thisMonth(-1);
  const publishForm = form(
    t("publish"),
    [
      h("p", {}, t("publish_hint")),
      field(t("month"), "month", { kind: "month", value: f.month < thisMonth() ? f.month : lastMonth, required: true }),
      field(t("region"), "region", { kind: "select", value: f.region || me.region_code || "", options: regions.map((r) => [r.code, r.name]) }),
    ],
    (v) => api("/evaluation/publish", { method: "POST", body: { region: v.region, month: v.month } }),
    { submit: t("publish_button"), after: (p) => goTo("evaluation", { month: p.month, region: p.region }) }
  );
  const satisfaction = await api("/satisfaction").catch(() => ({ departments: {} }));
  const satRows = Object.entries(satisfaction.departments || {});
  clear(
    main,
    h("h1", {}, t("evaluation")),
    chooser("evaluation", f, regions, { allowAll: !me.region_code }),
    h("p", {}, t("running_scores", { month: data.month, as_of: when(data.as_of) })),
    levelTables.length ? levelTables : h("p", { class: "empty" }, t("nothing")),
    published,
    publishForm,
    h(
      "section",
      { class: "panel", "aria-labelledby": "sat" },
      h("h2", { id: "sat" }, t("satisfaction")),
      table(t("satisfaction"), [
        { label: t("department"), cell: ([code]) => departmentName(code) },
        { label: t("ratings"), cell: ([, s]) => (s.rating ? t("mean_of", { mean: s.rating.mean_score, count: s.rating.count }) : "—") },
        { label: t("revisits"), cell: ([, s]) => (s.revisit ? t("mean_of", { mean: s.revisit.mean_score, count: s.revisit.count }) : "—") },
      ], satRows)
    )
  );
}

// The published archive of the month for the region or, failing that, for a region above it whose
// archive covers the caller's departments (a county's departments are ranked in the city's).
async function publishedSection(o, month, region, me) {
  const tried = [];
  for (let code = region; code; code = (o.regions.find((r) => r.code === code) || {}).parent_code) tried.push(code);
  if (!tried.length) tried.push(...o.regions.filter((r) => !r.parent_code).map((r) => r.code));
  let p = null;
  for (const code of tried) {
    try {
      p = await api("/evaluation/published", { query: { month, region: code } });
      break;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) return failure(e);
    }
  }
  const head = h("h2", { id: "pub" }, p ? t("published_title", { month, region: regionName(o, p.region) }) : t("published"));
  if (!p) return h("section", { class: "panel", "aria-labelledby": "pub" }, head, h("p", {}, t("not_published", { month })));
  const rows = [...p.departments].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.rank - b.rank);
  return h(
    "section",
    { class: "panel", "aria-labelledby": "pub" },
    head,
    h("p", {}, t("published_by", { by: p.published_by, at: when(p.published_at), seq: p.ledger_seq })),
    table(t("published"), [
      { label: t("rank"), cell: (d) => `${t(`level.${d.level}`)} ${d.rank}` },
      { label: t("department"), cell: (d) => link(d.name, ["points", month, d.department_code]) },
      { label: t("final_score"), cell: (d) => h("strong", {}, d.score) },
      { label: t("published_score"), cell: (d) => `${d.published_score}（${d.published_rank}）` },
    ], rows),
    (p.adjustments || []).length
      ? table(t("adjustments"), [
          { label: t("department"), cell: (a) => departmentName(a.department_code) },
          { label: t("official"), cell: (a) => a.official || "" },
          { label: t("points"), cell: (a) => signed(a.points) },
          { label: t("reason"), cell: (a) => a.reason },
          { label: t("by"), cell: (a) => `${a.by}，${when(a.at)}` },
        ], p.adjustments)
      : null
  );
}

async function pointsPage(main, [month, department, official], me) {
  await organisation();
  const data = await api("/evaluation/points", { query: { month, department, official } });
  const total = data.points.reduce((a, p) => a + Number(p.points), 0);
  const officials = [...new Set(data.points.map((p) => p.official).filter(Boolean))].sort();
  const pick = h(
    "form",
    { class: "filters panel-form", "aria-label": t("official") },
    field(t("official"), "official", {
      kind: "select",
      value: official || "",
      options: [["", t("all_officials")], ...(official && !officials.includes(official) ? [official, ...officials] : officials).map((x) => [x, x])],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("show")))
  );
  pick.addEventListener("submit", (e) => {
    e.preventDefault();
    const who = new FormData(pick).get("official");
    location.hash = "#/" + ["points", month, department, ...(who ? [who] : [])].map(encodeURIComponent).join("/");
  });
  const base = 100;
  clear(
    main,
    h("p", {}, link(t("back"), ["evaluation", new URLSearchParams({ month, region: me.region_code || "" }).toString()])),
    h("h1", {}, t("points_title", { department: departmentName(department) + (official ? ` · ${official}` : ""), month })),
    pick,
    h("p", {}, t("total_points", { points: signed(total.toFixed(2)), base, score: (base + total).toFixed(2) })),
    table(t("points_list"), [
      { label: t("at"), cell: (p) => when(p.at) },
      { label: t("reason"), cell: (p) => (lang() === "en" ? t(`reason.${p.reason}`) : p.reason_zh || t(`reason.${p.reason}`)) },
      { label: t("points"), cell: (p) => h("strong", {}, signed(p.points)) },
      { label: t("source"), cell: (p) => sourceCell(p.source) },
      { label: t("official"), cell: (p) => p.official || "" },
    ], data.points)
  );
}

// -- statistics and the monthly report ----------------------------------------------------------------

function countList(label, entries) {
  return h(
    "ul",
    { class: "counts", "aria-label": label },
    entries.map(([name, n]) => h("li", {}, h("span", { class: "n" }, String(n)), name))
  );
}

async function reportsPage(main, args, me) {
  const o = await organisation();
  const f = { month: thisMonth(), region: me.region_code || "", ...params(args[0]) };
  const regions = regionsBelow(o.regions, me.region_code);
  const s = await api("/statistics", { query: { month: f.month, region: f.region } });
  const agency = f.region || me.region_code || (regions.find((r) => !r.parent_code) || regions[0] || {}).code;
  const kept = agency ? await api("/reports", { query: { agency, month: f.month } }).catch(() => ({ reports: [] })) : { reports: [] };
  const file = (format) => `/api/v1/reports/monthly?${new URLSearchParams({ agency, month: f.month, format })}`;
  const area = s.region ? s.region.name : t("whole_area");
  const sig = s.signals;
  clear(
    main,
    h("h1", {}, t("reports")),
    chooser("reports", f, regions, { allowAll: !me.region_code }),
    h("h2", {}, t("statistics_title", { month: s.month, area })),
    s.complete ? null : h("p", {}, t("not_complete", { as_of: when(s.as_of) })),
    agency
      ? h(
          "section",
          { class: "panel", "aria-labelledby": "rep" },
          h("h2", { id: "rep" }, t("monthly_report"), " · ", t("report_of", { agency: regionName(o, agency), month: f.month })),
          h(
            "p",
            { class: "actions" },
            h("a", { class: "button", href: file("pdf"), download: "" }, t("download_pdf")),
            h("a", { class: "button", href: file("xlsx"), download: "" }, t("download_xlsx"))
          ),
          table(t("kept_reports"), [
            { label: t("format"), cell: (r) => r.format.toUpperCase() },
            { label: t("size_bytes"), cell: (r) => String(r.size) },
            { label: t("made_at"), cell: (r) => when(r.made_at) },
            { label: t("made_by"), cell: (r) => r.made_by },
            { label: t("sha256"), cell: (r) => h("code", {}, r.sha256.slice(0, 16) + "…") },
          ], kept.reports.filter((r) => r.agency_region === agency), { empty: t("none_kept") })
        )
      : null,
    h("h3", {}, t("volumes")),
    countList(t("volumes"), ["received", "accepted", "completed", "rejected", "handled", "open_at_end"].map((k) => [t(`vol.${k}`), s.volumes[k]])),
    h("h3", {}, t("handling")),
    countList(t("handling"), [
      [t("anomaly_rate"), percent(s.handling.anomaly_rate)],
      [t("early_completion_rate"), percent(s.handling.early_completion_rate)],
      [t("overdue"), s.handling.overdue],
    ]),
    h("h3", {}, t("signals_by"), `（${sig.total}）`),
    h(
      "ul",
      { class: "counts", "aria-label": t("by_colour") },
      ["red", "yellow", "green"].map((c) => h("li", {}, h("span", { class: "n" }, String(sig.by_colour[c] || 0)), light(c)))
    ),
    h(
      "div",
      { class: "grid" },
      table(t("by_family"), [
        { label: t("family"), cell: ([k]) => t(`fam.${k}`) },
        { label: t("count"), cell: ([, n]) => String(n) },
      ], Object.entries(sig.by_family)),
      table(t("by_state"), [
        { label: t("state"), cell: ([k]) => t(`state.${k}`) },
        { label: t("count"), cell: ([, n]) => String(n) },
      ], Object.entries(sig.by_state)),
      table(t("complaints_month"), [
        { label: t("state"), cell: ([k]) => t(`cp.${k}`) },
        { label: t("count"), cell: ([, n]) => String(n) },
      ], Object.entries(s.complaints))
    ),
    h("h3", {}, t("by_department")),
    table(t("by_department"), [
      { label: t("department"), cell: (d) => d.department_name },
      { label: t("vol.received"), cell: (d) => String(d.received) },
      { label: t("vol.completed"), cell: (d) => String(d.completed) },
      { label: t("overdue"), cell: (d) => String(d.overdue) },
      { label: t("anomaly_rate"), cell: (d) => percent(d.anomaly_rate) },
      { label: t("early_completion_rate"), cell: (d) => percent(d.early_completion_rate) },
      { label: t("red"), cell: (d) => String(d.red) },
      { label: t("yellow"), cell: (d) => String(d.yellow) },
      { label: t("green"), cell: (d) => String(d.green) },
      { label: t("complaints_month"), cell: (d) => String(d.complaints) },
    ], s.departments),
    h("h3", {}, t("top_rules")),
    table(t("top_rules"), [
      { label: t("rule"), cell: (r) => r.rule_id },
      { label: t("family"), cell: (r) => t(`fam.${r.family}`) },
      { label: t("colour"), cell: (r) => light(r.colour) },
      { label: t("article"), cell: (r) => r.article },
      { label: t("count"), cell: (r) => String(r.count) },
      { label: t("departments_n"), cell: (r) => String(r.departments) },
    ], s.top_rules || []),
    h("h3", {}, t("trend")),
    table(t("trend"), [
      { label: t("month"), cell: (m) => m.month },
      { label: t("vol.received"), cell: (m) => String(m.received) },
      { label: t("vol.handled"), cell: (m) => String(m.handled) },
      { label: t("anomaly_rate"), cell: (m) => percent(m.anomaly_rate) },
      { label: t("early_completion_rate"), cell: (m) => percent(m.early_completion_rate) },
      { label: t("signals_total"), cell: (m) => String(m.signals) },
      { label: t("red"), cell: (m) => String(m.red) },
      { label: t("yellow"), cell: (m) => String(m.yellow) },
      { label: t("green"), cell: (m) => String(m.green) },
    ], (s.trend || []).filter((m) => m.received || m.handled || m.signals))
  );
}

export const views = {
  evaluation: { nav: "evaluation", render: evaluationPage },
  points: { nav: null, render: pointsPage },
  reports: { nav: "reports", render: reportsPage },
};
