// The supervisor console: the signals board, a signal and its follow-up, a case with its timeline,
// supervision notices. Further views (complaints, patrols, sampling, scores, reports, catalogue,
// rule packs, calendar, users) come from the modules imported below; each gives
// { key: { nav: word | null, render(main, args, me) } }.
import {
  addWords, api, both, clear, departmentName, facts, failure, field, form, frame, h, light, link, organisation,
  pager, params, route, signInForm, signOut, t, table, when, whoAmI,
} from "/static/core.js";
import { MOVES, noticeFacts, noticeTable, signalTable, subjectOf } from "/static/supervision.js";
import { views as workViews } from "/static/console_work.js";
import { views as scoreViews } from "/static/console_scores.js";
import { views as adminViews } from "/static/console_admin.js";
import { views as procurementViews } from "/static/console_procurement.js";
import { views as monitorViews } from "/static/console_monitors.js";
import { views as vehicleViews } from "/static/console_vehicles.js";


const CORE = {
  signals: { nav: "signals", render: signalsBoard },
  signal: { nav: null, render: signalPage },
  case: { nav: null, render: casePage },
  cases: { nav: "cases", render: caseSearch },
  notices: { nav: "notices", render: noticeList },
  notice: { nav: null, render: noticePage },
};
const VIEWS = { ...CORE, ...workViews, ...procurementViews, ...vehicleViews, ...monitorViews, ...scoreViews, ...adminViews };

let ME = null;

async function start() {
  ME = await whoAmI();
  if (!ME) {
    signInForm(frame("console", { onLang: start }), start);
    return;
  }
  if (ME.department_code) {
    // A department's people work in the workbench.
    location.replace("/workbench/");
    return;
  }
  await organisation();
  show();
}

function show() {
  // An administrator reads no case content: the administration is the place to start.
  const [key = ME.role === "administrator" ? "admin" : "signals", ...args] = route();
  const view = VIEWS[key] || VIEWS.signals;
  const nav = Object.entries(VIEWS)
    .filter(([, v]) => v.nav)
    .map(([k, v]) => link(t(v.nav), [k], { "aria-current": k === key ? "page" : null }));
  const main = frame("console", {
    me: ME,
    nav,
    onLang: show,
    onSignOut: async () => {
      await signOut();
      location.hash = "";
      start();
    },
  });
  main.append(h("p", {}, t("loading")));
  view.render(main, args, ME).catch((e) => clear(main, failure(e)));
}

window.addEventListener("hashchange", () => ME && show());

// -- the signals board ---------------------------------------------------------------------------

async function signalsBoard(main, args) {
  const f = { state: "unresolved", ...params(args[0]) };
  const limit = 50;
  const offset = Number(f.offset || 0);
  const data = await api("/signals", {
    query: { colour: f.colour, state: f.state, department: f.department, rule: f.rule, limit, offset },
  });
  const go = (changes) => {
    const next = { ...f, offset: 0, ...changes };
    // An empty state is kept: it means "all", where no state at all means the default, unresolved.
    location.hash = "#/signals/" + new URLSearchParams(Object.entries(next).filter(([, v]) => v !== undefined));
  };
  const counts = h(
    "ul",
    { class: "counts", "aria-label": t("unresolved_by_colour") },
    ["red", "yellow", "green"].map((c) =>
      h(
        "li",
        {},
        h("span", { class: "n" }, String(data.unresolved[c] || 0)),
        h("a", { href: `#/signals/state=unresolved&colour=${c}`, "aria-label": `${t(c)} ${t("unresolved")}` }, light(c), " ", t("unresolved"))
      )
    )
  );
  const departments = (await organisation()).departments;
  const filters = h(
    "form",
    { class: "filters panel-form", "aria-label": t("filter") },
    field(t("colour"), "colour", { kind: "select", value: f.colour || "", options: [["", t("all")], ["red", t("red")], ["yellow", t("yellow")], ["green", t("green")]] }),
    field(t("state"), "state", {
      kind: "select",
      value: f.state || "",
      options: [["", t("all")], ["unresolved", t("state.unresolved")], ...Object.keys(MOVES).map((s) => [s, t(`state.${s}`)])],
    }),
    field(t("department"), "department", {
      kind: "select",
      value: f.department || "",
      options: [["", t("all")], ...departments.map((d) => [d.code, d.name])],
    }),
    field(t("rule"), "rule", { value: f.rule || "" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(filters));
    go(v);
  });
  clear(
    main,
    h("h1", {}, t("signals")),
    counts,
    filters,
    signalTable(data.signals, t("signal_list")),
    pager(data.total, limit, offset, (o) => go({ offset: o }))
  );
}

// -- a signal: why it was raised, what was done, and what to do ----------------------------------

async function signalPage(main, [id]) {
  const s = await api(`/signals/${encodeURIComponent(id)}`);
  const related = await api("/notices", { query: { signal_id: s.id } });
  const ex = s.explanation || {};
  const reload = () => signalPage(main, [id]);
  clear(
    main,
    h("p", {}, link(t("back"), ["signals"])),
    h("h1", {}, light(s.colour), " ", t("signal_n", { id: s.id }), " · ", t(`state.${s.state}`)),
    h(
      "section",
      { class: "panel", "aria-labelledby": "why" },
      h("h2", { id: "why" }, t("explanation")),
      h("p", { class: "message" }, both(s, "message")),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("rule")), h("dd", {}, s.rule_id),
        h("dt", {}, t("article")), h("dd", {}, s.article || ex.article || ""),
        h("dt", {}, t("case_or_subject")), h("dd", {}, subjectOf(s)),
        // A monitor's signal (R-MON-4..10) rests on records: each links to its page.
        monitorRecords(s, ex).length
          ? [h("dt", {}, t("records_of_signal")), h("dd", {}, monitorRecords(s, ex))]
          : null,
        h("dt", {}, t("department")), h("dd", {}, departmentName(s.department_code)),
        h("dt", {}, t("raised_at")), h("dd", {}, when(s.raised_at)),
        h("dt", {}, t("deadline")), h("dd", {}, ex.deadline || s.deadline || "—"),
        h("dt", {}, t("values")), h("dd", {}, h("pre", {}, JSON.stringify(ex.values || {}, null, 1))),
      ),
      (ex.events || []).length
        ? h("div", {}, h("h3", {}, t("triggering_events")), h("pre", {}, JSON.stringify(ex.events, null, 1)))
        : null
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "hist" },
      h("h2", { id: "hist" }, t("history")),
      table(t("history"), [
        { label: t("at"), cell: (m) => when(m.at) },
        { label: t("state"), cell: (m) => `${t(`state.${m.from_state || m.from}`)} → ${t(`state.${m.to_state || m.to}`)}` },
        { label: t("by"), cell: (m) => m.by },
        { label: t("reason"), cell: (m) => m.reason || "" },
      ], s.history || [])
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "measures" },
      h("h2", { id: "measures" }, t("notices_of_signal")),
      noticeTable(related.notices, t("notices_of_signal"))
    ),
    h(
      "div",
      { class: "grid" },
      s.state === "open" || s.state === "explained" ? measureForm(s, reload) : null,
      moveForm(s, reload)
    )
  );
}

function monitorRecords(s, ex) {
  const refs = (ex.values && Array.isArray(ex.values.records) && ex.values.records) || [];
  if (!s.subject || !s.subject.startsWith(`${s.family}:`)) return [];
  return refs.flatMap((ref, i) => {
    const [kind, ...id] = String(ref).split("/");
    const one = link(ref, ["record", s.family, kind, id.join("/")]);
    return i ? ["、", one] : [one];
  });
}

function measureForm(s, reload) {
  return form(
    t("require_explanation"),
    [
      field(t("measure"), "kind", {
        kind: "select",
        value: "explain",
        options: ["explain", "materials", "perform", "stop", "supervise"].map((k) => [k, t(`kind.${k}`)]),
      }),
      field(t("title"), "title", { required: true, value: `${t("kind.explain")}：${s.case_no || s.subject || s.rule_id}` }),
      field(t("requirement"), "requirement", { kind: "textarea", required: true, value: both(s, "message") }),
    ],
    (v) => api("/notices", { method: "POST", body: { kind: v.kind, title: v.title, requirement: v.requirement, signal_id: s.id } }),
    { submit: t("issue_notice"), after: reload }
  );
}

function moveForm(s, reload) {
  const allowed = MOVES[s.state] || [];
  if (!allowed.length) return h("section", { class: "panel" }, h("h3", {}, t("move_signal")), h("p", {}, t("no_moves")));
  return form(
    t("move_signal"),
    [
      field(t("to_state"), "to", { kind: "select", options: allowed.map((x) => [x, t(`state.${x}`)]) }),
      field(t("reason"), "reason", { kind: "textarea" }),
    ],
    (v) => api(`/signals/${s.id}/moves`, { method: "POST", body: { to: v.to, reason: v.reason } }),
    { after: reload }
  );
}

// -- a case: registration, deadlines, timeline with attachments, its signals ----------------------

async function casePage(main, [no]) {
  const c = await api(`/cases/${encodeURIComponent(no)}`);
  const sigs = await api("/signals", { query: { case_no: no, limit: 200 } });
  const due = (d, s) => (d ? `${d}（${t(`due.${s}`)}）` : "—");
  const applicant = c.applicant ? [c.applicant.name, c.applicant.id_number, c.applicant.phone].filter(Boolean).join(" · ") : "";
  clear(
    main,
    h("p", {}, link(t("back"), ["signals"])),
    h("h1", {}, t("case", { no: c.case_no })),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, c.title),
      facts([
        ["item", `${c.item_name}（${c.item_code} v${c.item_version}）`],
        ["department", departmentName(c.department_code)],
        ["status", c.status],
        ["current_step", c.current_step],
        ["received_at", when(c.received_at)],
        ["completed_at", when(c.completed_at)],
        ["legal_due", due(c.legal_due, c.legal_status)],
        ["promised_due", due(c.promised_due, c.promised_status)],
        ["step_due", due(c.step_due, c.step_status)],
        ["applicant", applicant],
      ])
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "tl" },
      h("h2", { id: "tl" }, t("timeline")),
      h(
        "ol",
        { class: "timeline" },
        c.events.map((e) =>
          h(
            "li",
            { class: e.voided ? "voided" : null },
            h("strong", {}, when(e.occurred_at)), " ",
            h("span", { class: "tag" }, e.step), " ", e.action, " · ", e.actor || "", e.post ? `（${e.post}）` : "",
            e.voided ? ` · ${t("voided")}` : "",
            (e.attributes?.attachments || []).length
              ? h(
                  "ul",
                  { "aria-label": t("attachments") },
                  e.attributes.attachments.map((a) => h("li", {}, h("a", { href: `/api/v1/attachments/${a.sha256}` }, a.name)))
                )
              : null
          )
        )
      )
    ),
    h("section", { class: "panel" }, h("h2", {}, t("signals_of_case")), signalTable(sigs.signals, t("signals_of_case"))),
    c.corrections && c.corrections.length
      ? h("section", { class: "panel" }, h("h2", {}, t("corrections")), h("pre", {}, JSON.stringify(c.corrections, null, 1)))
      : null
  );
}

async function caseSearch(main, [no]) {
  const found = no ? await api(`/cases/${encodeURIComponent(no)}`).catch(() => null) : null;
  if (found) {
    location.hash = "#/case/" + encodeURIComponent(no);
    return;
  }
  const data = await api("/cases", { query: { limit: 50 } });
  const search = h(
    "form",
    { class: "filters panel-form", "aria-label": t("search_case") },
    field(t("case_no"), "no", { value: no || "", hint: t("case_no_hint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("search_case")))
  );
  search.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/cases/" + encodeURIComponent(new FormData(search).get("no").trim());
  });
  clear(
    main,
    h("h1", {}, t("cases")),
    search,
    no ? h("p", { role: "alert", class: "error" }, `${t("not_found")}：${no}`) : null,
    table(t("cases"), [
      { label: t("case_no"), cell: (c) => link(c.case_no, ["case", c.case_no]) },
      { label: t("title"), cell: (c) => c.title },
      { label: t("department"), cell: (c) => departmentName(c.department_code) },
      { label: t("received_at"), cell: (c) => when(c.received_at) },
      { label: t("legal_due"), cell: (c) => c.legal_due || "" },
      { label: t("status"), cell: (c) => c.status },
    ], data.cases)
  );
}

// -- supervision notices -------------------------------------------------------------------------

async function noticeList(main, args) {
  const f = params(args[0]);
  const data = await api("/notices", { query: { state: f.state, kind: f.kind, limit: 200 } });
  const filters = h(
    "form",
    { class: "filters panel-form", "aria-label": t("filter") },
    field(t("state"), "state", {
      kind: "select",
      value: f.state || "",
      options: [["", t("all")], ...["issued", "extension_requested", "reported", "closed"].map((s) => [s, t(`notice_state.${s}`)])],
    }),
    field(t("kind"), "kind", {
      kind: "select",
      value: f.kind || "",
      options: [["", t("all")], ...["supervise", "explain", "materials", "perform", "stop", "accountability"].map((k) => [k, t(`kind.${k}`)])],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = "#/notices/" + new URLSearchParams([...new FormData(filters)].filter(([, v]) => v));
  });
  clear(main, h("h1", {}, t("notices")), filters, noticeTable(data.notices, t("notices")));
}

async function noticePage(main, [no]) {
  const n = await api(`/notices/${encodeURIComponent(no)}`);
  const reload = () => noticePage(main, [no]);
  clear(
    main,
    h("p", {}, link(t("back"), ["notices"])),
    h("h1", {}, `${n.notice_no} · ${t(`kind.${n.kind}`)} · ${t(`notice_state.${n.state}`)}`),
    noticeFacts(n),
    n.state === "reported"
      ? form(
          t("review"),
          [
            field(t("decision"), "approve", { kind: "select", options: [["true", t("accept_report")], ["false", t("send_back")]] }),
            field(t("reason"), "reason", { kind: "textarea" }),
          ],
          (v) => api(`/notices/${encodeURIComponent(no)}/review`, { method: "POST", body: { approve: v.approve === "true", reason: v.reason } }),
          { after: reload }
        )
      : null,
    n.state === "extension_requested"
      ? form(
          t("extension_decision"),
          [
            h("p", {}, t("extension_days", { days: n.extension_days_requested })),
            field(t("decision"), "approve", { kind: "select", options: [["true", t("grant")], ["false", t("refuse")]] }),
            field(t("reason"), "reason", { kind: "textarea" }),
          ],
          (v) => api(`/notices/${encodeURIComponent(no)}/extension/decision`, { method: "POST", body: { approve: v.approve === "true", reason: v.reason } }),
          { after: reload }
        )
      : null
  );
}

start();
