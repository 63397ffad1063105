// The console's supervision work: complaints from the public (R-PUB-1), patrols (R-PAT-1), samples
// of cases (R-PAT-2), the feeds' health (R-PAT-3) and accountability records (R-SUP-4).
// See console.js for the contract: { key: { nav: word | null, render(main, args, me) } }.
import {
  addWords, api, clear, departmentName, facts, field, form, goTo, h, lang, link, organisation, pager, params,
  regionName, regionsBelow, t, table, tagged, today, when,
} from "/static/core.js";

addWords({
  complaints: ["投诉", "Complaints"],
  patrols: ["巡查", "Patrols"],
  samples: ["抽查", "Samples"],
  feeds: ["数据接入", "Feeds"],
  accountability: ["责任追究", "Accountability"],

  // complaints
  complaint_n: ["投诉 {no}", "Complaint {no}"],
  complaint_no: ["投诉编号", "Complaint number"],
  complaint_list: ["投诉列表", "Complaints"],
  complaints_by_state: ["投诉（按状态）", "Complaints by state"],
  "cstate.received": ["待受理", "awaiting decision"],
  "cstate.not_accepted": ["不予受理", "not accepted"],
  "cstate.transferred": ["已转办", "sent to the department"],
  "cstate.resulted": ["已反馈结果", "result given"],
  channel: ["渠道", "Channel"],
  "channel.web": ["网上", "web"],
  "channel.phone": ["电话", "phone"],
  "channel.letter": ["来信", "letter"],
  "channel.visit": ["来访", "visit"],
  complainant: ["投诉人", "Complainant"],
  anonymous: ["匿名", "anonymous"],
  content: ["投诉内容", "What the complaint says"],
  decide_due: ["受理决定期限", "Decision due"],
  decided_at: ["决定时间", "Decided"],
  decision_reason: ["受理意见", "Reason for the decision"],
  result_due: ["结果反馈期限", "Result due"],
  resulted_at: ["结果反馈时间", "Result given"],
  result: ["处理结果", "Result"],
  verdict: ["核查结论", "Verdict"],
  due: ["期限", "Due"],
  upheld: ["查实", "upheld"],
  not_upheld: ["不属实", "not upheld"],
  no_verdict: ["待核查", "no verdict yet"],
  overdue_tag: ["已超期", "overdue"],
  "caction.submit": ["收到投诉", "received"],
  "caction.decide": ["受理决定", "decision"],
  "caction.reply": ["告知投诉人", "complainant told"],
  "caction.result": ["部门反馈结果", "department's result"],
  "caction.verdict": ["核查结论", "verdict"],
  detail: ["内容", "Detail"],
  decide_complaint: ["受理决定（{days}个工作日内）", "Accept or not (within {days} working days)"],
  decide_hint: ["受理后即转 {department} 办理，结果反馈期限按规则包自动计算并告知投诉人。", "Accepting sends it to {department}; the result's due date follows the rule pack and the complainant is told."],
  accept_transfer: ["受理并转部门办理", "Accept and send to the department"],
  not_accept: ["不予受理", "Do not accept"],
  give_verdict: ["作出核查结论", "Give the verdict"],
  verdict_hint: ["查实的投诉在当月绩效测评中扣分。", "An upheld complaint costs the department points in the month's evaluation."],
  waiting_result: ["等待 {department} 于 {due} 前反馈处理结果。", "Waiting for {department}'s result, due {due}."],
  complaint_done: ["本投诉已办结。", "This complaint is finished."],
  all_departments: ["全部部门", "All departments"],

  // patrols
  log_patrol: ["登记巡查", "Log a patrol"],
  patrol_kind: ["巡查方式", "Kind"],
  "pkind.data": ["数据巡查", "data"],
  "pkind.video": ["视频巡查", "video"],
  agency: ["监察机关", "Agency"],
  target_region: ["巡查对象（地区）", "Region patrolled"],
  patrolled_at: ["巡查时间", "When"],
  patrolled_at_hint: ["北京时间；不填为现在", "China time; empty: now"],
  findings: ["发现情况", "Findings"],
  issue_found: ["发现问题", "Found a problem"],
  issue_yes: ["有问题", "problem found"],
  issue_no: ["未见异常", "nothing wrong"],
  recent_patrols: ["巡查记录", "Patrols made"],
  shortfalls: ["巡查频次不足（近两周工作日）", "Too few patrols (working days of the last two weeks)"],
  required_per_day: ["每日应巡查", "Required per day"],
  own_below: ["本级 {own} 次，下级 {below} 次", "own {own}, below {below}"],
  working_days: ["工作日", "Working days"],
  days_short: ["不足天数", "Days short"],
  short_days: ["不足的日期（本级/下级次数）", "Days short (own/below made)"],
  none_short: ["均达标", "none"],

  // samples
  draw_sample: ["随机抽查办件", "Draw a random sample of cases"],
  seed: ["随机种子", "Seed"],
  seed_hint: ["记录在案：用同一种子对同一范围重新抽取，结果相同，可供复核。", "Recorded: the same seed over the same cases draws the same ones, so anyone can check the draw."],
  size: ["抽取数量", "How many"],
  case_status: ["办件状态", "Case status"],
  "cstatus.open": ["在办", "open"],
  "cstatus.suspended": ["挂起", "suspended"],
  "cstatus.completed": ["已办结", "completed"],
  "cstatus.rejected": ["不予受理", "rejected"],
  received_from: ["收件日期起", "Received from"],
  received_to: ["收件日期止", "Received to"],
  draw: ["抽取", "Draw"],
  sample_no: ["抽查批次", "Sample"],
  sample_n: ["抽查批次 {no}", "Sample {no}"],
  sample_list: ["抽查批次", "Samples drawn"],
  population: ["范围内办件数", "Cases in range"],
  drawn: ["抽中", "Drawn"],
  drawn_by: ["抽取人", "Drawn by"],
  drawn_at: ["抽取时间", "Drawn at"],
  reviewed: ["已审查", "Reviewed"],
  sample_filter: ["抽取范围", "Range"],
  whole_scope: ["本机关权限内全部办件", "every case within the agency's scope"],
  drawn_cases: ["抽中的办件", "Cases drawn"],
  record_finding: ["登记审查结论", "Record a finding"],
  compliant: ["结论", "Conclusion"],
  compliant_yes: ["合规", "compliant"],
  compliant_no: ["不合规", "not compliant"],
  finding: ["审查意见", "Finding"],
  not_reviewed: ["未审查", "not reviewed"],
  reproducible: ["抽取方法：按办件编号排序后，以随机种子 {seed} 抽取 {size} 件（范围内共 {population} 件）。", "Drawn by seed {seed}: {size} of the {population} cases in range, ordered by number."],

  // feeds
  feeds_title: ["接入系统运行情况", "Connected systems"],
  source_system: ["接入系统", "System"],
  last_received_at: ["最近报送", "Last heard"],
  first_received_at: ["首次报送", "First heard"],
  working_days_silent: ["未报送工作日", "Working days silent"],
  events: ["事件数", "Events"],
  rejected_events: ["被拒事件", "Rejected"],
  error_rate: ["错误率", "Error rate"],
  feed_state: ["状况", "State"],
  "feed.ok": ["正常", "fine"],
  "feed.late": ["报送迟缓", "slow"],
  "feed.silent": ["应报未报", "silent"],
  "feed.errors": ["错误偏多", "many errors"],
  feeds_note: ["连续 3 个工作日未报送即为应报未报（默认规则包 EVD-SILENT-FEED）；错误率为被拒事件占全部事件的比例。", "Three working days without data is silence (the default pack's EVD-SILENT-FEED); the error rate is the share of events refused."],

  // accountability and satisfaction
  record_no: ["编号", "Number"],
  fault: ["过错", "Fault"],
  fault_yes: ["有过错", "at fault"],
  fault_no: ["无过错", "no fault"],
  measures: ["处理措施", "Measures"],
  official: ["责任人", "Official"],
  decided_by: ["决定机关", "Decided by"],
  accountability_list: ["责任追究记录", "Accountability records"],
});

// -- small helpers of this module ---------------------------------------------------------------

let ORG = null;

async function org() {
  ORG = await organisation();
  return ORG;
}

function departmentsInScope(o, me) {
  return me.scope ? o.departments.filter((d) => me.scope.includes(d.code)) : o.departments;
}

// -- complaints ---------------------------------------------------------------------------------

const CSTATES = ["received", "transferred", "resulted", "not_accepted"];

function verdictText(c) {
  if (c.upheld === true) return t("upheld");
  if (c.upheld === false) return t("not_upheld");
  return c.state === "resulted" ? t("no_verdict") : "";
}

function dueOf(c) {
  const day = c.state === "received" ? c.decide_due : c.state === "transferred" ? c.result_due : null;
  if (!day) return "";
  return day < today() ? [day, " ", tagged("red", t("overdue_tag"))] : day;
}

async function complaintList(main, args, me) {
  const f = params(args[0]);
  const limit = 50;
  const offset = Number(f.offset || 0);
  const o = await org();
  const [data, ...counts] = await Promise.all([
    api("/complaints", { query: { state: f.state, department: f.department, limit, offset } }),
    ...CSTATES.map((s) => api("/complaints", { query: { state: s, department: f.department, limit: 1 } })),
  ]);
  const filters = h(
    "form",
    { class: "filters panel-form", "aria-label": t("filter") },
    field(t("state"), "state", { kind: "select", value: f.state || "", options: [["", t("all")], ...CSTATES.map((s) => [s, t(`cstate.${s}`)])] }),
    field(t("department"), "department", {
      kind: "select",
      value: f.department || "",
      options: [["", t("all_departments")], ...departmentsInScope(o, me).map((d) => [d.code, d.name])],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    goTo("complaints", Object.fromEntries(new FormData(filters)));
  });
  clear(
    main,
    h("h1", {}, t("complaints")),
    h(
      "ul",
      { class: "counts", "aria-label": t("complaints_by_state") },
      CSTATES.map((s, i) =>
        h("li", {}, h("span", { class: "n" }, String(counts[i].total)), h("a", { href: `#/complaints/state=${s}` }, t(`cstate.${s}`)))
      )
    ),
    filters,
    table(t("complaint_list"), [
      { label: t("complaint_no"), cell: (c) => link(c.complaint_no, ["complaint", c.complaint_no]) },
      { label: t("department"), cell: (c) => departmentName(c.department_code) },
      { label: t("case_no"), cell: (c) => (c.case_no ? link(c.case_no, ["case", c.case_no]) : "") },
      { label: t("channel"), cell: (c) => t(`channel.${c.channel}`) },
      { label: t("received_at"), cell: (c) => when(c.received_at) },
      { label: t("state"), cell: (c) => t(`cstate.${c.state}`) },
      { label: t("due"), cell: dueOf },
      { label: t("verdict"), cell: verdictText },
    ], data.complaints),
    pager(data.total, limit, offset, (o2) => goTo("complaints", { ...f, offset: o2 }))
  );
}

function historyDetail(x) {
  const d = x.detail || {};
  const bits = [];
  if (d.accept !== undefined) bits.push(d.accept ? t("accept_transfer") : t("not_accept"));
  if (d.upheld !== undefined) bits.push(d.upheld ? t("upheld") : t("not_upheld"));
  if (d.reason) bits.push(d.reason);
  if (d.result) bits.push(d.result);
  if (d.decide_due) bits.push(`${t("decide_due")}：${d.decide_due}`);
  if (d.result_due) bits.push(`${t("result_due")}：${d.result_due}`);
  if (d.late) bits.push(t("overdue_tag"));
  if (d.to) bits.push(`→ ${d.to}`);
  return bits.join("；");
}

async function complaintPage(main, [no], me) {
  await org();
  const c = await api(`/complaints/${encodeURIComponent(no)}`);
  const reload = () => complaintPage(main, [no], me);
  const dept = departmentName(c.department_code);
  let action = null;
  if (c.state === "received") {
    action = form(
      t("decide_complaint", { days: 5 }),
      [
        h("p", {}, t("decide_hint", { department: dept })),
        field(t("decision"), "accept", { kind: "select", options: [["true", t("accept_transfer")], ["false", t("not_accept")]] }),
        field(t("reason"), "reason", { kind: "textarea", required: true }),
      ],
      (v) => api(`/complaints/${encodeURIComponent(no)}/decision`, { method: "POST", body: { accept: v.accept === "true", reason: v.reason } }),
      { after: reload }
    );
  } else if (c.state === "transferred") {
    action = h("p", { class: "panel" }, t("waiting_result", { department: dept, due: c.result_due }));
  } else if (c.state === "resulted" && c.upheld === null) {
    action = form(
      t("give_verdict"),
      [
        h("p", {}, t("verdict_hint")),
        field(t("verdict"), "upheld", { kind: "select", options: [["true", t("upheld")], ["false", t("not_upheld")]] }),
        field(t("reason"), "reason", { kind: "textarea", required: true, attrs: { minlength: 2 } }),
      ],
      (v) => api(`/complaints/${encodeURIComponent(no)}/verdict`, { method: "POST", body: { upheld: v.upheld === "true", reason: v.reason } }),
      { after: reload }
    );
  } else {
    action = h("p", { class: "panel" }, t("complaint_done"));
  }
  const who = c.anonymous ? t("anonymous") : c.complainant ? `${c.complainant.name} · ${c.complainant.phone}` : "";
  clear(
    main,
    h("p", {}, link(t("back"), ["complaints"])),
    h("h1", {}, t("complaint_n", { no: c.complaint_no }), " · ", t(`cstate.${c.state}`)),
    h(
      "section",
      { class: "panel", "aria-labelledby": "c-facts" },
      h("h2", { id: "c-facts" }, t("content")),
      h("p", { class: "message" }, c.content),
      facts([
        ["department", dept],
        ["case_no", c.case_no ? link(c.case_no, ["case", c.case_no]) : ""],
        ["channel", t(`channel.${c.channel}`)],
        ["complainant", who],
        ["received_at", when(c.received_at)],
        ["decide_due", c.state === "received" ? dueOf(c) : c.decide_due],
        ["decided_at", when(c.decided_at)],
        ["decision_reason", c.decision_reason],
        ["result_due", c.state === "transferred" ? dueOf(c) : c.result_due],
        ["resulted_at", when(c.resulted_at)],
        ["result", c.result],
        ["verdict", verdictText(c)],
      ])
    ),
    action,
    h(
      "section",
      { class: "panel", "aria-labelledby": "c-hist" },
      h("h2", { id: "c-hist" }, t("history")),
      table(t("history"), [
        { label: t("at"), cell: (x) => when(x.at) },
        { label: t("decision"), cell: (x) => t(`caction.${x.action}`) },
        { label: t("by"), cell: (x) => x.by },
        { label: t("detail"), cell: historyDetail },
      ], c.history || [])
    )
  );
}

// -- patrols ------------------------------------------------------------------------------------

function daysAgo(n) {
  const d = new Date(`${today()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

async function patrolPage(main, args, me) {
  const f = params(args[0]);
  const limit = 20;
  const offset = Number(f.offset || 0);
  const o = await org();
  const [made, short] = await Promise.all([
    api("/patrols", { query: { limit, offset } }),
    api("/patrols/shortfalls", { query: { from: daysAgo(13), to: today() } }),
  ]);
  const reload = () => patrolPage(main, args, me);
  const agencies = regionsBelow(o.regions, me.region_code);
  const own = me.region_code || (agencies[0] && agencies[0].code) || "";
  const logForm = form(
    t("log_patrol"),
    [
      me.region_code
        ? h("p", {}, `${t("agency")}：${regionName(me.region_code)}`)
        : field(t("agency"), "agency_region", { kind: "select", value: own, options: agencies.map((r) => [r.code, r.name]) }),
      field(t("patrol_kind"), "kind", { kind: "select", options: [["video", t("pkind.video")], ["data", t("pkind.data")]] }),
      field(t("target_region"), "target_region", { kind: "select", value: own, options: agencies.map((r) => [r.code, r.name]) }),
      field(t("patrolled_at"), "at", { kind: "datetime-local", hint: t("patrolled_at_hint") }),
      field(t("findings"), "findings", { kind: "textarea" }),
      field(t("issue_found"), "issue_found", { kind: "checkbox" }),
    ],
    (v) =>
      api("/patrols", {
        method: "POST",
        body: {
          agency_region: v.agency_region || me.region_code,
          target_region: v.target_region,
          kind: v.kind,
          at: v.at ? `${v.at.length === 16 ? v.at + ":00" : v.at}+08:00` : undefined,
          findings: v.findings,
          issue_found: v.issue_found,
        },
      }),
    { submit: t("log_patrol"), after: reload }
  );
  clear(
    main,
    h("h1", {}, t("patrols")),
    h("div", { class: "grid" }, logForm, h(
      "section",
      { class: "panel", "aria-labelledby": "p-short" },
      h("h2", { id: "p-short" }, t("shortfalls")),
      table(t("shortfalls"), [
        { label: t("agency"), cell: (a) => regionName(a.agency_region) },
        { label: t("required_per_day"), cell: (a) => t("own_below", a.required_per_day) },
        { label: t("working_days"), cell: (a) => String(a.working_days) },
        { label: t("days_short"), cell: (a) => (a.days_short ? tagged("yellow", String(a.days_short)) : tagged("green", t("none_short"))) },
        { label: t("short_days"), cell: (a) => a.shortfalls.map((s) => `${s.day}（${s.own}/${s.below}）`).join("，") },
      ], short.agencies)
    )),
    h(
      "section",
      { class: "panel", "aria-labelledby": "p-made" },
      h("h2", { id: "p-made" }, t("recent_patrols")),
      table(t("recent_patrols"), [
        { label: t("patrolled_at"), cell: (p) => when(p.at) },
        { label: t("agency"), cell: (p) => regionName(p.agency_region) },
        { label: t("target_region"), cell: (p) => regionName(p.target_region) },
        { label: t("patrol_kind"), cell: (p) => t(`pkind.${p.kind}`) },
        { label: t("by"), cell: (p) => p.by },
        { label: t("issue_found"), cell: (p) => (p.issue_found ? tagged("red", t("issue_yes")) : t("issue_no")) },
        { label: t("findings"), cell: (p) => p.findings },
      ], made.patrols),
      pager(made.total, limit, offset, (o2) => goTo("patrols", { offset: o2 }))
    )
  );
}

// -- samples ------------------------------------------------------------------------------------

function randomSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}

function describeFilter(f) {
  const bits = [];
  if (f.department_code) bits.push(departmentName(f.department_code));
  if (f.item_code) bits.push(f.item_code);
  if (f.status) bits.push(t(`cstatus.${f.status}`));
  if (f.received_from || f.received_to) bits.push(`${t("received_at")} ${f.received_from || "…"} – ${f.received_to || "…"}`);
  return bits.length ? bits.join("，") : t("whole_scope");
}

async function samplesPage(main, args, me) {
  const f = params(args[0]);
  const limit = 20;
  const offset = Number(f.offset || 0);
  const o = await org();
  const data = await api("/samples", { query: { limit, offset } });
  const drawForm = form(
    t("draw_sample"),
    [
      field(t("seed"), "seed", { kind: "number", value: String(randomSeed()), required: true, hint: t("seed_hint"), attrs: { min: 0 } }),
      field(t("size"), "size", { kind: "number", value: "5", required: true, attrs: { min: 1, max: 10000 } }),
      field(t("department"), "department_code", {
        kind: "select",
        options: [["", t("all_departments")], ...departmentsInScope(o, me).map((d) => [d.code, d.name])],
      }),
      field(t("case_status"), "status", {
        kind: "select",
        options: [["", t("all")], ...["open", "suspended", "completed", "rejected"].map((s) => [s, t(`cstatus.${s}`)])],
      }),
      field(t("received_from"), "received_from", { kind: "date" }),
      field(t("received_to"), "received_to", { kind: "date" }),
    ],
    (v) => {
      const filter = Object.fromEntries(
        ["department_code", "status", "received_from", "received_to"].filter((k) => v[k]).map((k) => [k, v[k]])
      );
      return api("/samples", { method: "POST", body: { seed: Number(v.seed), size: Number(v.size), filter } });
    },
    { submit: t("draw"), after: (s) => { location.hash = "#/sample/" + encodeURIComponent(s.sample_no); } }
  );
  clear(
    main,
    h("h1", {}, t("samples")),
    drawForm,
    h(
      "section",
      { class: "panel", "aria-labelledby": "s-list" },
      h("h2", { id: "s-list" }, t("sample_list")),
      table(t("sample_list"), [
        { label: t("sample_no"), cell: (s) => link(s.sample_no, ["sample", s.sample_no]) },
        { label: t("seed"), cell: (s) => String(s.seed) },
        { label: t("sample_filter"), cell: (s) => describeFilter(s.filter || {}) },
        { label: t("drawn"), cell: (s) => `${s.drawn} / ${s.population}` },
        { label: t("reviewed"), cell: (s) => `${s.reviewed} / ${s.drawn}` },
        { label: t("drawn_by"), cell: (s) => s.drawn_by },
        { label: t("drawn_at"), cell: (s) => when(s.drawn_at) },
      ], data.samples),
      pager(data.total, limit, offset, (o2) => goTo("samples", { offset: o2 }))
    )
  );
}

async function samplePage(main, [no]) {
  await org();
  const s = await api(`/samples/${encodeURIComponent(no)}`);
  const reload = () => samplePage(main, [no]);
  const byCase = {};
  for (const x of s.findings) (byCase[x.case_no] = byCase[x.case_no] || []).push(x);
  const next = s.case_nos.find((c) => !byCase[c]) || s.case_nos[0];
  const conclusion = (x) => (x.compliant ? tagged("green", t("compliant_yes")) : tagged("red", t("compliant_no")));
  clear(
    main,
    h("p", {}, link(t("back"), ["samples"])),
    h("h1", {}, t("sample_n", { no: s.sample_no })),
    h(
      "section",
      { class: "panel" },
      facts([
        ["seed", String(s.seed)],
        ["size", String(s.size)],
        ["sample_filter", describeFilter(s.filter || {})],
        ["population", String(s.population)],
        ["drawn_by", s.drawn_by],
        ["drawn_at", when(s.drawn_at)],
        ["reviewed", `${s.reviewed} / ${s.case_nos.length}`],
      ]),
      h("p", {}, t("reproducible", { seed: s.seed, size: s.case_nos.length, population: s.population }))
    ),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "s-cases" },
        h("h2", { id: "s-cases" }, t("drawn_cases")),
        table(t("drawn_cases"), [
          { label: t("case_no"), cell: (c) => link(c, ["case", c]) },
          { label: t("compliant"), cell: (c) => (byCase[c] ? byCase[c].map(conclusion) : t("not_reviewed")) },
          { label: t("finding"), cell: (c) => (byCase[c] || []).map((x) => h("div", {}, `${x.finding}（${x.by}，${when(x.at)}）`)) },
        ], s.case_nos)
      ),
      s.case_nos.length
        ? form(
            t("record_finding"),
            [
              field(t("case_no"), "case_no", {
                kind: "select",
                value: next,
                options: s.case_nos.map((c) => [c, byCase[c] ? `${c}（${t("reviewed")}）` : c]),
              }),
              field(t("compliant"), "compliant", { kind: "select", options: [["false", t("compliant_no")], ["true", t("compliant_yes")]] }),
              field(t("finding"), "finding", { kind: "textarea", required: true }),
            ],
            (v) =>
              api(`/samples/${encodeURIComponent(no)}/findings`, {
                method: "POST",
                body: { case_no: v.case_no, compliant: v.compliant === "true", finding: v.finding },
              }),
            { after: reload }
          )
        : null
    )
  );
}

// -- the feeds' health (R-PAT-3) ------------------------------------------------------------------

function feedState(x) {
  if (x.working_days_silent >= 3) return tagged("red", t("feed.silent"));
  if (x.error_rate >= 0.05) return tagged("red", t("feed.errors"));
  if (x.working_days_silent === 2 || x.error_rate > 0) return tagged("yellow", t("feed.late"));
  return tagged("green", t("feed.ok"));
}

async function feedsPage(main) {
  await org();
  const data = await api("/feeds");
  const rows = [...data.feeds].sort((a, b) => b.working_days_silent - a.working_days_silent || b.error_rate - a.error_rate);
  clear(
    main,
    h("h1", {}, t("feeds_title")),
    h("p", {}, t("feeds_note")),
    table(t("feeds_title"), [
      { label: t("feed_state"), cell: feedState },
      { label: t("source_system"), cell: (x) => x.source_system },
      { label: t("department"), cell: (x) => departmentName(x.department_code) },
      { label: t("last_received_at"), cell: (x) => when(x.last_received_at) },
      { label: t("working_days_silent"), cell: (x) => String(x.working_days_silent) },
      { label: t("events"), cell: (x) => String(x.events) },
      { label: t("rejected_events"), cell: (x) => String(x.rejected_events) },
      { label: t("error_rate"), cell: (x) => `${(x.error_rate * 100).toFixed(2)}%` },
      { label: t("first_received_at"), cell: (x) => when(x.first_received_at) },
    ], rows)
  );
}

// -- accountability records (R-SUP-4) ---------------------------------------------------------------

async function accountabilityPage(main, args) {
  const f = params(args[0]);
  const limit = 50;
  const offset = Number(f.offset || 0);
  await org();
  const data = await api("/accountability", { query: { limit, offset } });
  clear(
    main,
    h("h1", {}, t("accountability")),
    table(t("accountability_list"), [
      { label: t("record_no"), cell: (r) => r.record_no },
      { label: t("department"), cell: (r) => departmentName(r.department_code) },
      { label: t("signal"), cell: (r) => (r.signal_id ? link(t("signal_n", { id: r.signal_id }), ["signal", String(r.signal_id)]) : "") },
      { label: t("fault"), cell: (r) => (r.fault ? t("fault_yes") : t("fault_no")) },
      { label: t("finding"), cell: (r) => r.finding },
      { label: t("measures"), cell: (r) => (r.measures || []).map((m) => (lang() === "en" ? m.measure.replaceAll("_", " ") : m.label_zh || m.measure)).join("、") },
      { label: t("official"), cell: (r) => r.official },
      { label: t("decided_by"), cell: (r) => `${r.decided_by}，${when(r.decided_at)}` },
    ], data.records),
    pager(data.total, limit, offset, (o2) => goTo("accountability", { offset: o2 }))
  );
}

export const views = {
  complaints: { nav: "complaints", render: complaintList },
  complaint: { nav: null, render: complaintPage },
  patrols: { nav: "patrols", render: patrolPage },
  samples: { nav: "samples", render: samplesPage },
  sample: { nav: null, render: samplePage },
  feeds: { nav: "feeds", render: feedsPage },
  accountability: { nav: "accountability", render: accountabilityPage },
};
