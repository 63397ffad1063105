// The console's monitors of other supervised areas (R-MON-4..10): "three public" spending, 三重一大
// decisions, sunshine medicine, rural three assets, the integrity indices, on-duty check-in. Each
// monitor's record kinds with their records and the signals resting on them; a record with its
// versions; an index monitor's index with every component. The signals themselves are handled on
// the console's signal page. See console.js for the contract: { key: { nav, render(main, args, me) } }.
import {
  addWords, api, both, clear, departmentName, h, lang, link, organisation, pager, params, t, table,
  tagged, when,
} from "/static/core.js";
import { flaggedFilters } from "/static/supervision.js";

addWords({
  monitors: ["专项监察", "Monitors"],
  "mo.title": ["专项监察模块", "Monitors of supervised areas"],
  "mo.list": ["监察模块", "Monitors"],
  "mo.monitor": ["模块", "Monitor"],
  "mo.requirement": ["需求", "Requirement"],
  "mo.kinds": ["记录类型（记录数）", "Record kinds (records)"],
  "mo.checks": ["检查项", "Checks"],
  "mo.open": ["未办结信号", "Unresolved signals"],
  "mo.index": ["指数", "Index"],
  "mo.show_index": ["查看指数", "Show the index"],
  "mo.records_of": ["{monitor}：{kind}", "{monitor}: {kind}"],
  "mo.records": ["记录列表", "Records"],
  "mo.record_id": ["记录编号", "Record"],
  "mo.day": ["日期", "Day"],
  "mo.summary": ["内容", "Content"],
  "mo.flags": ["信号", "Signals"],
  "mo.no_flags": ["无", "none"],
  "mo.flagged_only": ["只看有信号的记录", "Only records with signals"],
  "mo.all_departments": ["全部（权限内）", "All (in scope)"],
  "mo.total_n": ["共 {n} 条记录", "{n} records"],
  "mo.record": ["{kind} {id}", "{kind} {id}"],
  "mo.facts": ["记录内容", "The record"],
  "mo.signals": ["依据本记录的信号", "Signals resting on this record"],
  "mo.versions": ["收到的版本", "Versions received"],
  "mo.version": ["版本", "Version"],
  "mo.received_at": ["收到时间", "Received"],
  "mo.recorded_by": ["发送方", "Sent by"],
  "mo.ledger_seq": ["账本序号", "Ledger entry"],
  "mo.index_of": ["{monitor}：指数", "{monitor}: index"],
  "mo.index_rows": ["指数（按对象）", "Index by subject"],
  "mo.subject": ["对象", "Subject"],
  "mo.score": ["指数", "Index"],
  "mo.grade": ["等级", "Grade"],
  "mo.components": ["构成（权重 × 数值 = 分值）", "Components (weight × value = points)"],
  "mo.settings": ["计算参数（规则 {rule}）", "Settings (rule {rule})"],
  "mo.defaults": ["计算参数（默认）", "Settings (defaults)"],
  "mo.timed": ["（每日检查）", "(checked daily)"],
  "mo.unit": ["单位", "The unit"],
  "mo.level.low": ["低风险", "low"],
  "mo.level.medium": ["中风险", "medium"],
  "mo.level.high": ["高风险", "high"],
});

const PAGE = 50;

function named(x) {
  return lang() === "en" ? x.en : x.zh;
}

function label(kind, name) {
  const f = (kind.fields || []).find((x) => x.name === name);
  return f ? named(f) : name;
}

function flags(rows) {
  if (!rows.length) return t("mo.no_flags");
  return rows.flatMap((s, i) => {
    const one = link(tagged(s.colour, `${t(s.colour)} ${s.rule_id}`), ["signal", String(s.id)]);
    return i ? [" ", one] : [one];
  });
}

// A value as text: lists and objects compactly, so a record's fields read on one line each.
function shown(v) {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? "✓" : "✗";
  if (typeof v === "object") return h("code", {}, JSON.stringify(v));
  return String(v);
}

// The first few fields of a record (its day aside), for a list.
function summary(kind, data) {
  return Object.entries(data)
    .filter(([key, v]) => v !== null && typeof v !== "object" && key !== kind.day)
    .slice(0, 4)
    .map(([key, v]) => `${label(kind, key)}: ${typeof v === "boolean" ? (v ? "✓" : "✗") : v}`)
    .join(lang() === "en" ? "; " : "；");
}

let OVERVIEW = null;
async function overview() {
  if (!OVERVIEW) OVERVIEW = (await api("/monitors")).monitors;
  return OVERVIEW;
}

async function monitorList(main) {
  OVERVIEW = null;
  const rows = await overview();
  clear(
    main,
    h("h1", {}, t("mo.title")),
    table(t("mo.list"), [
      { label: t("mo.monitor"), cell: (m) => named(m) },
      { label: t("mo.requirement"), cell: (m) => m.requirement },
      {
        label: t("mo.kinds"),
        cell: (m) => m.kinds.flatMap((k, i) => [i ? "、" : "", link(`${named(k)}（${k.records}）`, ["records", m.monitor, k.kind])]),
      },
      {
        label: t("mo.checks"),
        cell: (m) => m.checks.map((c) => named(c) + (c.timed ? t("mo.timed") : "")).join(lang() === "en" ? "; " : "；"),
      },
      { label: t("mo.open"), cell: (m) => String(m.unresolved_signals) },
      { label: t("mo.index"), cell: (m) => (m.has_index ? link(t("mo.show_index"), ["index", m.monitor]) : "—") },
    ], rows)
  );
}

async function recordList(main, [monitor, kind, query], me) {
  const f = params(query);
  const offset = Number(f.offset || 0);
  const flagged = f.flagged === "1";
  const [all, data, o] = await Promise.all([
    overview(),
    api(`/monitors/${encodeURIComponent(monitor)}/${encodeURIComponent(kind)}`, {
      query: { department: f.department, flagged: flagged ? "true" : "", limit: PAGE, offset },
    }),
    organisation(),
  ]);
  const m = all.find((x) => x.monitor === monitor) || { zh: monitor, en: monitor, kinds: [] };
  const k = m.kinds.find((x) => x.kind === kind) || { zh: kind, en: kind };
  const go = (values) => {
    const kept = Object.entries({ ...f, ...values }).filter(([, v]) => v !== "" && v != null);
    location.hash = `#/records/${encodeURIComponent(monitor)}/${encodeURIComponent(kind)}/${new URLSearchParams(kept)}`;
  };
  const filters = flaggedFilters(
    me, o, f, { allLabel: t("mo.all_departments"), flaggedLabel: t("mo.flagged_only") },
    (v) => go({ ...v, offset: "" })
  );
  clear(
    main,
    h("p", {}, link(t("back"), ["monitors"])),
    h("h1", {}, t("mo.records_of", { monitor: named(m), kind: named(k) })),
    filters,
    h("p", { role: "status" }, t("mo.total_n", { n: data.total })),
    table(t("mo.records"), [
      { label: t("mo.record_id"), cell: (r) => link(r.id, ["record", monitor, kind, r.id]) },
      { label: t("department"), cell: (r) => departmentName(r.department_code) },
      { label: t("mo.day"), cell: (r) => r.day },
      { label: t("mo.summary"), cell: (r) => summary(k, r.data) },
      { label: t("mo.flags"), cell: (r) => flags(r.signals) },
    ], data.records),
    pager(data.total, PAGE, offset, (o2) => go({ offset: o2 }))
  );
}

async function recordPage(main, [monitor, kind, id]) {
  const [all, r] = await Promise.all([
    overview(),
    api(`/monitors/${encodeURIComponent(monitor)}/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`),
  ]);
  const m = all.find((x) => x.monitor === monitor) || { zh: monitor, en: monitor, kinds: [] };
  const k = m.kinds.find((x) => x.kind === kind) || { zh: kind, en: kind };
  clear(
    main,
    h("p", {}, link(t("back"), ["records", monitor, kind])),
    h("h1", {}, t("mo.record", { kind: named(k), id: r.id })),
    h(
      "section",
      { class: "panel", "aria-labelledby": "mo-facts" },
      h("h2", { id: "mo-facts" }, t("mo.facts")),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("mo.monitor")), h("dd", {}, named(m)),
        h("dt", {}, t("department")), h("dd", {}, departmentName(r.department_code)),
        h("dt", {}, t("mo.day")), h("dd", {}, r.day),
        // Each field by its label (the kind's model names it in both languages), its name on hover.
        Object.entries(r.data)
          .filter(([key, v]) => !(key === k.day && v === r.day))
          .flatMap(([key, v]) => [h("dt", { title: key }, label(k, key)), h("dd", {}, shown(v))])
      )
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "mo-signals" },
      h("h2", { id: "mo-signals" }, t("mo.signals")),
      table(t("mo.signals"), [
        { label: t("colour"), cell: (s) => tagged(s.colour, `${t(s.colour)} ${s.rule_id}`) },
        { label: t("message"), cell: (s) => both(s, "message") },
        { label: t("state"), cell: (s) => t(`state.${s.state}`) },
        { label: t("open_it"), cell: (s) => link(t("signal_n", { id: s.id }), ["signal", String(s.id)]) },
      ], r.signals)
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "mo-versions" },
      h("h2", { id: "mo-versions" }, t("mo.versions")),
      table(t("mo.versions"), [
        { label: t("mo.version"), cell: (v) => String(v.version) },
        { label: t("mo.received_at"), cell: (v) => when(v.received_at) },
        { label: t("mo.recorded_by"), cell: (v) => v.recorded_by },
        { label: t("mo.ledger_seq"), cell: (v) => `#${v.ledger_seq}` },
      ], r.versions)
    )
  );
}

async function indexPage(main, [monitor]) {
  const [all, data] = await Promise.all([overview(), api(`/monitors/${encodeURIComponent(monitor)}/index`)]);
  const m = all.find((x) => x.monitor === monitor) || { zh: monitor, en: monitor };
  clear(
    main,
    h("p", {}, link(t("back"), ["monitors"])),
    h("h1", {}, t("mo.index_of", { monitor: named(m) })),
    table(t("mo.index_rows"), [
      { label: t("mo.subject"), cell: (r) => r.name || r.official || r.project || t("mo.unit") },
      { label: t("department"), cell: (r) => departmentName(r.department_code) },
      { label: t("mo.score"), cell: (r) => String(r.index ?? "") },
      { label: t("mo.grade"), cell: (r) => (r.level ? t(`mo.level.${r.level}`) : String(r.grade ?? "")) },
      {
        // What counted; every weight, counted or not, is in the settings below.
        label: t("mo.components"),
        cell: (r) => h("ul", { class: "plain" }, counted(r).map((c) => h("li", {}, componentText(c)))),
      },
    ], data.rows),
    h(
      "section",
      { class: "panel", "aria-labelledby": "mo-settings" },
      h("h2", { id: "mo-settings" }, data.rule_id ? t("mo.settings", { rule: data.rule_id }) : t("mo.defaults")),
      h("pre", {}, JSON.stringify(data.settings, null, 1))
    )
  );
}

function counted(row) {
  return (row.components || []).filter((c) => Number(c.value ?? c.count ?? 0) !== 0);
}

// A component of an index as "name: weight × value = points", whatever else it carries.
function componentText(c) {
  const name = lang() === "en" ? c.en || c.name || c.indicator || c.kind : c.zh || c.name || c.indicator || c.kind;
  const parts = [];
  const value = c.value ?? c.count;
  if (c.weight !== undefined && value !== undefined) parts.push(`${c.weight} × ${value}`);
  if (c.points !== undefined) parts.push(`= ${c.points}`);
  return `${name}: ${parts.join(" ")}`;
}

export const views = {
  monitors: { nav: "monitors", render: monitorList },
  records: { nav: null, render: recordList },
  record: { nav: null, render: recordPage },
  index: { nav: null, render: indexPage },
};
