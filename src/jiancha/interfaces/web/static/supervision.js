// What the console and the workbench both show: signals and notices in tables, a notice's facts,
// and the words for them. No side effects: both pages import it.
import { addWords, both, departmentName, facts, field, h, light, link, t, table, when } from "/static/core.js";

addWords({
  signals: ["信号看板", "Signals"],
  notices: ["督办", "Notices"],
  cases: ["办件", "Cases"],
  unresolved: ["待处理", "Unresolved"],
  unresolved_by_colour: ["待处理信号（按颜色）", "Unresolved signals by colour"],
  colour: ["颜色", "Colour"],
  state: ["状态", "State"],
  department: ["部门", "Department"],
  rule: ["规则", "Rule"],
  case_no: ["办件编号", "Case number"],
  case_or_subject: ["办件或对象", "Case or subject"],
  records_of_signal: ["依据的记录", "Records it rests on"],
  raised_at: ["产生时间", "Raised"],
  message: ["说明", "Message"],
  open_it: ["查看", "Open"],
  signal_list: ["信号列表", "Signals"],
  signal_n: ["信号 {id}", "Signal {id}"],
  signal: ["信号", "Signal"],
  "state.open": ["待说明", "open"],
  "state.explained": ["已说明", "explained"],
  "state.rectified": ["已整改", "rectified"],
  "state.fault_confirmed": ["过错认定", "fault confirmed"],
  "state.withdrawn": ["已摘牌", "withdrawn"],
  "state.closed": ["已关闭", "closed"],
  "state.unresolved": ["待处理（待说明或已说明）", "unresolved (open or explained)"],
  explanation: ["信号依据", "Why this signal"],
  article: ["依据条款", "Article"],
  values: ["取值", "Values"],
  deadline: ["期限", "Deadline"],
  triggering_events: ["触发事件", "Triggering events"],
  history: ["处理记录", "History"],
  by: ["操作人", "By"],
  at: ["时间", "At"],
  reason: ["理由", "Reason"],
  require_explanation: ["要求作出解释和说明", "Require an explanation"],
  measure: ["监察措施", "Measure"],
  "kind.explain": ["要求说明情况", "explain"],
  "kind.materials": ["要求提供材料", "provide materials"],
  "kind.perform": ["责令履行职责", "perform duty"],
  "kind.stop": ["责令停止违规行为", "stop the violation"],
  "kind.supervise": ["督办", "supervision notice"],
  "kind.accountability": ["责任追究建议", "accountability proposal"],
  title: ["标题", "Title"],
  requirement: ["要求", "Requirement"],
  issue_notice: ["发出", "Issue"],
  move_signal: ["处理信号", "Handle the signal"],
  to_state: ["转为", "Move to"],
  no_moves: ["此信号已关闭，不能再处理。", "This signal is closed; nothing more to do."],
  notices_of_signal: ["相关督办和措施", "Notices and measures about it"],
  notice_no: ["编号", "Number"],
  kind: ["类别", "Kind"],
  due_on: ["期限", "Due"],
  issued_at: ["发出时间", "Issued"],
  report: ["部门报告", "Department's report"],
  review: ["审核", "Review"],
  accept_report: ["审核通过（办结）", "Accept (close)"],
  send_back: ["退回重报", "Send back"],
  decision: ["决定", "Decision"],
  grant: ["同意", "Grant"],
  refuse: ["不同意", "Refuse"],
  extension_decision: ["延期申请审批", "Extension request"],
  extension_days: ["申请延期 {days} 个工作日", "{days} working days asked for"],
  case: ["办件 {no}", "Case {no}"],
  item: ["事项", "Item"],
  status: ["状态", "Status"],
  current_step: ["当前环节", "Current step"],
  received_at: ["收件时间", "Received"],
  completed_at: ["办结时间", "Completed"],
  legal_due: ["法定期限", "Legal deadline"],
  promised_due: ["承诺期限", "Promised deadline"],
  step_due: ["环节期限", "Step deadline"],
  applicant: ["申请人", "Applicant"],
  timeline: ["办理过程", "Timeline"],
  attachments: ["材料", "Attachments"],
  signals_of_case: ["本办件的信号", "Signals of this case"],
  "due.on_time": ["未超期", "on time"],
  "due.due_today": ["今日到期", "due today"],
  "due.overdue": ["已超期", "overdue"],
  step: ["环节", "Step"],
  actor: ["经办人", "Actor"],
  voided: ["已作废", "voided"],
  search_case: ["查找办件", "Find a case"],
  case_no_hint: ["输入完整办件编号", "the whole case number"],
  not_found: ["未找到", "Not found"],
  corrections: ["更正记录", "Corrections"],
  "notice_state.issued": ["待报告", "issued"],
  "notice_state.extension_requested": ["申请延期", "extension requested"],
  "notice_state.reported": ["待审核", "reported"],
  "notice_state.closed": ["已办结", "closed"],
});

export const MOVES = {
  open: ["explained", "rectified", "fault_confirmed", "withdrawn"],
  explained: ["open", "rectified", "fault_confirmed", "withdrawn"],
  rectified: ["closed"],
  fault_confirmed: ["closed"],
  withdrawn: ["closed"],
  closed: [],
};

// A signal's subject: its case, its contracting process (`ocds:<ocid>`), or the subject as it is.
export function subjectOf(s) {
  if (s.case_no) return link(s.case_no, ["case", s.case_no]);
  if (s.subject && s.subject.startsWith("ocds:")) return link(s.subject, ["process", s.subject.slice(5)]);
  if (s.subject && s.subject.startsWith("vehicle:")) {
    return link(s.subject, ["vehicle", s.subject.slice(8).split("/")[0]]);
  }
  return s.subject || "";
}

export function signalTable(rows, caption) {
  return table(caption, [
    { label: t("colour"), cell: (s) => light(s.colour) },
    { label: t("case_or_subject"), cell: subjectOf },
    { label: t("department"), cell: (s) => departmentName(s.department_code) },
    { label: t("message"), cell: (s) => both(s, "message") },
    { label: t("raised_at"), cell: (s) => when(s.raised_at) },
    { label: t("state"), cell: (s) => t(`state.${s.state}`) },
    { label: t("open_it"), cell: (s) => link(t("signal_n", { id: s.id }), ["signal", String(s.id)]) },
  ], rows);
}

export function noticeTable(rows, caption) {
  return table(caption, [
    { label: t("notice_no"), cell: (n) => link(n.notice_no, ["notice", n.notice_no]) },
    { label: t("kind"), cell: (n) => t(`kind.${n.kind}`) },
    { label: t("department"), cell: (n) => departmentName(n.department_code) },
    { label: t("title"), cell: (n) => n.title },
    { label: t("due_on"), cell: (n) => n.due_on },
    { label: t("state"), cell: (n) => t(`notice_state.${n.state}`) },
  ], rows);
}

// What a notice asks and what was answered, for the console and the workbench alike.
export function noticeFacts(n) {
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, n.title),
    facts([
      ["department", departmentName(n.department_code)],
      ["case_no", n.case_no],
      ["signal", n.signal_id ? `#${n.signal_id}` : ""],
      ["issued_at", when(n.issued_at)],
      ["due_on", n.due_on],
      ["requirement", n.requirement],
      ["report", n.report],
    ]),
    h("h3", {}, t("history")),
    table(t("history"), [
      { label: t("at"), cell: (x) => when(x.at) },
      { label: t("decision"), cell: (x) => x.action },
      { label: t("by"), cell: (x) => x.by },
      { label: t("reason"), cell: (x) => (x.detail && (x.detail.reason || x.detail.report)) || "" },
    ], n.history || [])
  );
}

// The filters of a list of a watch's subjects (processes, records): a department in the reader's
// scope (`allLabel` for all of them) and "only those with signals" (`flaggedLabel`); `go` gets
// { department, flagged: "1" | "" } on submit.
export function flaggedFilters(me, o, f, { allLabel, flaggedLabel }, go) {
  const departments = me.scope ? o.departments.filter((d) => me.scope.includes(d.code)) : o.departments;
  const filters = h(
    "form",
    { class: "filters panel-form", "aria-label": t("filter") },
    field(t("department"), "department", {
      kind: "select",
      value: f.department || "",
      options: [["", allLabel], ...departments.map((d) => [d.code, d.name])],
    }),
    field(flaggedLabel, "flagged", { kind: "checkbox", value: f.flagged === "1" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(filters));
    go({ department: v.department, flagged: v.flagged ? "1" : "" });
  });
  return filters;
}
