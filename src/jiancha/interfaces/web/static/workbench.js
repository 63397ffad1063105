// The department workbench: the department's signals still to answer and its notices with their due
// dates, and the forms to explain, report a rectification, report on a notice or ask for more time.
import {
  addWords, api, both, clear, departmentName, facts, failure, field, form, frame, h, light, link, organisation,
  route, signInForm, signOut, t, table, when, whoAmI,
} from "/static/core.js";
import { noticeFacts, signalTable } from "/static/supervision.js";

addWords({
  todo: ["待办", "To do"],
  my_signals: ["待说明或待整改的信号", "Signals to answer"],
  my_notices: ["待报告的督办和措施", "Notices to report on"],
  explain: ["作出说明", "Explain"],
  explain_text: ["情况说明", "Explanation"],
  rectify: ["报告整改", "Report the rectification"],
  rectify_text: ["整改情况", "What was corrected"],
  answer_signal: ["答复信号", "Answer the signal"],
  answer: ["答复方式", "Answer"],
  report_on: ["报告办理情况", "Report on the notice"],
  report_text: ["调查和处理情况", "Investigation and handling"],
  ask_extension: ["申请延期", "Ask for an extension"],
  days: ["延期工作日数", "Working days"],
  my_complaints: ["转办待答复的投诉", "Complaints transferred, to answer"],
  complaint_no: ["投诉编号", "Complaint"],
  received: ["收到时间", "Received"],
  result_due: ["答复期限", "Answer by"],
  complaint: ["投诉 {no}", "Complaint {no}"],
  content: ["投诉内容", "What the complaint says"],
  result_text: ["办理结果", "Result"],
  answer_complaint: ["答复办理结果", "Give the result"],
  "complaint_state.transferred": ["已转办，待答复", "transferred, to answer"],
  "complaint_state.resulted": ["已答复", "answered"],
  "complaint_state.received": ["已收到", "received"],
  "complaint_state.not_accepted": ["不予受理", "not accepted"],
  not_a_department: ["此账号不属于任何部门，请使用监察控制台。", "This account is not a department's; use the console."],
});

let ME = null;

async function start() {
  ME = await whoAmI();
  if (!ME) {
    signInForm(frame("workbench", { onLang: start }), start);
    return;
  }
  await organisation();
  show();
}

function show() {
  const [key = "todo", ...args] = route();
  const main = frame("workbench", {
    me: ME,
    nav: [link(t("todo"), ["todo"], { "aria-current": key === "todo" ? "page" : null })],
    onLang: show,
    onSignOut: async () => {
      await signOut();
      location.hash = "";
      start();
    },
  });
  if (!ME.department_code) {
    clear(main, h("p", {}, t("not_a_department"), " ", h("a", { href: "/console/" }, t("console"))));
    return;
  }
  const view = { signal: signalPage, notice: noticePage, complaint: complaintPage }[key] || todo;
  main.append(h("p", {}, t("loading")));
  view(main, args).catch((e) => clear(main, failure(e)));
}

window.addEventListener("hashchange", () => ME && show());

async function todo(main) {
  const [sigs, waiting, extending, complaints] = await Promise.all([
    api("/signals", { query: { state: "unresolved", limit: 200 } }),
    api("/notices", { query: { state: "issued", limit: 200 } }),
    api("/notices", { query: { state: "extension_requested", limit: 200 } }),
    api("/complaints", { query: { state: "transferred", limit: 200 } }),
  ]);
  const notices = [...waiting.notices, ...extending.notices].sort((a, b) => a.due_on.localeCompare(b.due_on));
  clear(
    main,
    h("h1", {}, `${departmentName(ME.department_code)} · ${t("todo")}`),
    h(
      "section",
      { class: "panel", "aria-labelledby": "wn" },
      h("h2", { id: "wn" }, t("my_notices")),
      table(t("my_notices"), [
        { label: t("notice_no"), cell: (n) => link(n.notice_no, ["notice", n.notice_no]) },
        { label: t("kind"), cell: (n) => t(`kind.${n.kind}`) },
        { label: t("title"), cell: (n) => n.title },
        { label: t("due_on"), cell: (n) => n.due_on },
        { label: t("state"), cell: (n) => t(`notice_state.${n.state}`) },
      ], notices)
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "wc" },
      h("h2", { id: "wc" }, t("my_complaints")),
      table(t("my_complaints"), [
        { label: t("complaint_no"), cell: (c) => link(c.complaint_no, ["complaint", c.complaint_no]) },
        { label: t("case_no"), cell: (c) => c.case_no || "" },
        { label: t("received"), cell: (c) => when(c.received_at) },
        { label: t("result_due"), cell: (c) => c.result_due || "" },
      ], complaints.complaints)
    ),
    h("section", { class: "panel", "aria-labelledby": "ws" }, h("h2", { id: "ws" }, t("my_signals")), signalTable(sigs.signals, t("my_signals")))
  );
}

async function signalPage(main, [id]) {
  const s = await api(`/signals/${encodeURIComponent(id)}`);
  const reload = () => signalPage(main, [id]);
  const open = s.state === "open" || s.state === "explained";
  clear(
    main,
    h("p", {}, link(t("back"), ["todo"])),
    h("h1", {}, light(s.colour), " ", t("signal_n", { id: s.id }), " · ", t(`state.${s.state}`)),
    h(
      "section",
      { class: "panel" },
      h("p", {}, both(s, "message")),
      facts([
        ["rule", s.rule_id],
        ["article", s.article],
        ["case_no", s.case_no || s.subject],
        ["raised_at", when(s.raised_at)],
      ])
    ),
    open
      ? form(
          t("answer_signal"),
          [
            field(t("answer"), "to", { kind: "select", options: [["explained", t("explain")], ["rectified", t("rectify")]] }),
            field(t("explain_text"), "reason", { kind: "textarea", required: true }),
          ],
          (v) => api(`/signals/${s.id}/moves`, { method: "POST", body: { to: v.to, reason: v.reason } }),
          { after: reload }
        )
      : null
  );
}

async function noticePage(main, [no]) {
  const n = await api(`/notices/${encodeURIComponent(no)}`);
  const reload = () => noticePage(main, [no]);
  const waiting = n.state === "issued" || n.state === "extension_requested";
  clear(
    main,
    h("p", {}, link(t("back"), ["todo"])),
    h("h1", {}, `${n.notice_no} · ${t(`kind.${n.kind}`)} · ${t(`notice_state.${n.state}`)}`),
    noticeFacts(n),
    waiting
      ? h(
          "div",
          { class: "grid" },
          form(
            t("report_on"),
            [field(t("report_text"), "report", { kind: "textarea", required: true })],
            (v) => api(`/notices/${encodeURIComponent(no)}/report`, { method: "POST", body: { report: v.report } }),
            { after: reload }
          ),
          n.state === "issued" && !n.extensions
            ? form(
                t("ask_extension"),
                [
                  field(t("days"), "days", { kind: "number", required: true, value: "5", attrs: { min: 1, max: 60 } }),
                  field(t("reason"), "reason", { kind: "textarea", required: true }),
                ],
                (v) => api(`/notices/${encodeURIComponent(no)}/extension`, { method: "POST", body: { days: Number(v.days), reason: v.reason } }),
                { after: reload }
              )
            : null
        )
      : null
  );
}

async function complaintPage(main, [no]) {
  const c = await api(`/complaints/${encodeURIComponent(no)}`);
  const reload = () => complaintPage(main, [no]);
  clear(
    main,
    h("p", {}, link(t("back"), ["todo"])),
    h("h1", {}, `${t("complaint", { no: c.complaint_no })} · ${t(`complaint_state.${c.state}`)}`),
    h(
      "section",
      { class: "panel" },
      facts([
        ["case_no", c.case_no],
        ["received", when(c.received_at)],
        ["result_due", c.result_due],
        ["content", c.content],
        ["result_text", c.result],
      ])
    ),
    c.state === "transferred"
      ? form(
          t("answer_complaint"),
          [field(t("result_text"), "result", { kind: "textarea", required: true })],
          (v) => api(`/complaints/${encodeURIComponent(no)}/result`, { method: "POST", body: { result: v.result } }),
          { after: reload }
        )
      : null
  );
}

start();
