// The console's public resource trading (公共资源交易, R-MON-2): the contracting processes a trading
// platform sent (OCDS compiled releases), each with its red flags; a process with its bids, awards,
// flags and every version received. The flags are signals, handled on the console's signal page.
// See console.js for the contract: { key: { nav: word | null, render(main, args, me) } }.
import {
  addWords, api, both, clear, departmentName, facts, goTo, h, lang, link, organisation, pager, params, t,
  table, tagged, when,
} from "/static/core.js";
import { flaggedFilters } from "/static/supervision.js";

addWords({
  procurement: ["招标采购", "Procurement"],
  "pc.processes": ["招标采购项目", "Contracting processes"],
  "pc.list": ["招标采购项目列表", "Contracting processes"],
  "pc.flagged_only": ["只看有红旗的项目", "Only flagged processes"],
  "pc.flagged_n": ["其中 {n} 个项目有红旗", "{n} of them flagged"],
  "pc.total_n": ["共 {n} 个项目", "{n} processes"],
  "pc.all_departments": ["全部（权限内）", "All (in scope)"],
  "pc.ocid": ["项目编号（OCID）", "Process (OCID)"],
  "pc.buyer": ["采购人", "Buyer"],
  "pc.flags": ["红旗", "Red flags"],
  "pc.no_flags": ["无", "none"],
  "pc.process": ["招标采购项目 {ocid}", "Contracting process {ocid}"],
  "pc.facts": ["项目情况", "The process"],
  "pc.procuring_entity": ["采购代理机构", "Procuring entity"],
  "pc.method": ["采购方式", "Method"],
  "pc.tender_period": ["投标期", "Tender period"],
  "pc.tenderers_n": ["投标人数", "Number of tenderers"],
  "pc.tender_status": ["招标状态", "Tender status"],
  "pc.release_date": ["发布时间", "Release date"],
  "pc.bids": ["投标", "Bids"],
  "pc.tenderer": ["投标人", "Tenderer"],
  "pc.amount": ["金额", "Amount"],
  "pc.date": ["时间", "Date"],
  "pc.bid_status": ["投标状态", "Status"],
  "pc.awards": ["中标（成交）", "Awards"],
  "pc.supplier": ["中标人", "Supplier"],
  "pc.award_status": ["状态", "Status"],
  "pc.flag_list": ["本项目的红旗信号", "Red-flag signals of this process"],
  "pc.flag": ["红旗", "Flag"],
  "pc.versions": ["收到的版本", "Versions received"],
  "pc.received_at": ["收到时间", "Received"],
  "pc.recorded_by": ["发送方", "Sent by"],
  "pc.ledger_seq": ["账本序号", "Ledger entry"],
  "pc.sha256": ["SHA-256", "SHA-256"],
  "pc.newest": ["（最新）", "(newest)"],
  "pm.open": ["公开", "open"],
  "pm.selective": ["邀请（选择性）", "selective"],
  "pm.limited": ["有限竞争", "limited"],
  "pm.direct": ["直接采购", "direct"],
  "ts.planning": ["计划中", "planning"],
  "ts.planned": ["已计划", "planned"],
  "ts.active": ["进行中", "active"],
  "ts.cancelled": ["已取消", "cancelled"],
  "ts.unsuccessful": ["流标", "unsuccessful"],
  "ts.complete": ["已完成", "complete"],
  "ts.withdrawn": ["已撤回", "withdrawn"],
  "bid.invited": ["已邀请", "invited"],
  "bid.pending": ["待评审", "pending"],
  "bid.valid": ["有效", "valid"],
  "bid.disqualified": ["被否决", "disqualified"],
  "bid.withdrawn": ["已撤回", "withdrawn"],
  "award.pending": ["待定", "pending"],
  "award.active": ["有效", "active"],
  "award.cancelled": ["已撤销", "cancelled"],
  "award.unsuccessful": ["未成交", "unsuccessful"],
});

const PAGE = 50;

// A flag: a light with its colour's name and the rule, never colour alone.
function flag(s) {
  return tagged(s.colour, `${t(s.colour)} ${s.rule_id}`);
}

function flags(rows) {
  if (!rows.length) return t("pc.no_flags");
  return rows.flatMap((s, i) => (i ? [" ", flag(s)] : [flag(s)]));
}

// A word for a code of OCDS's codelists; an unknown code is shown as it is.
function coded(prefix, code) {
  if (!code) return "";
  const word = t(`${prefix}.${code}`);
  return word === `${prefix}.${code}` ? code : word;
}

function money(value) {
  if (!value || value.amount == null) return "";
  const amount = Number(value.amount);
  const shown = isNaN(amount)
    ? String(value.amount)
    : amount.toLocaleString(lang() === "en" ? "en" : "zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return value.currency ? `${shown} ${value.currency}` : shown;
}

function aside(text) {
  return lang() === "en" ? ` (${text})` : `（${text}）`;
}

function names(parties) {
  return (Array.isArray(parties) ? parties : []).map((p) => p.name || p.id || "").filter(Boolean).join(lang() === "en" ? ", " : "、");
}

// -- the processes -------------------------------------------------------------------------------

async function processList(main, args, me) {
  const f = params(args[0]);
  const offset = Number(f.offset || 0);
  const flagged = f.flagged === "1";
  const data = await api("/procurement/processes", {
    query: { department: f.department, limit: PAGE, offset, flagged: flagged ? "true" : "" },
  });
  const { total } = data;
  const rows = data.processes;
  const o = await organisation();
  const filters = flaggedFilters(
    me, o, f, { allLabel: t("pc.all_departments"), flaggedLabel: t("pc.flagged_only") },
    (v) => goTo("procurement", v)
  );
  clear(
    main,
    h("h1", {}, t("pc.processes")),
    filters,
    h("p", { role: "status" }, flagged ? t("pc.flagged_n", { n: total }) : t("pc.total_n", { n: total })),
    table(t("pc.list"), [
      { label: t("title"), cell: (p) => link(p.title || p.ocid, ["process", p.ocid]) },
      { label: t("pc.ocid"), cell: (p) => p.ocid },
      { label: t("pc.buyer"), cell: (p) => p.buyer || departmentName(p.department_code) },
      { label: t("pc.received_at"), cell: (p) => when(p.received_at) },
      { label: t("pc.flags"), cell: (p) => flags(p.signals) },
    ], rows),
    pager(total, PAGE, offset, (o2) => goTo("procurement", { ...f, offset: o2 }))
  );
}

// -- a process -----------------------------------------------------------------------------------

async function processPage(main, [ocid]) {
  const p = await api(`/procurement/processes/${encodeURIComponent(ocid)}`);
  // Each flag's message, from its signal; a flag whose signal cannot be read keeps its rule only.
  // The process's own flags, then those of its buyer, agent and tenderers (as far as one may see).
  const flags = [...p.signals, ...(p.party_signals || [])];
  const details = await Promise.all(flags.map((s) => api(`/signals/${s.id}`).catch(() => null)));
  const said = Object.fromEntries(details.filter(Boolean).map((d) => [d.id, d]));
  const r = p.release || {};
  const tender = r.tender || {};
  const period = tender.tenderPeriod || {};
  const bids = r.bids && Array.isArray(r.bids.details) ? r.bids.details : [];
  const awards = Array.isArray(r.awards) ? r.awards : [];
  const method = tender.procurementMethod
    ? `${coded("pm", tender.procurementMethod)}${tender.procurementMethodDetails ? aside(tender.procurementMethodDetails) : ""}`
    : tender.procurementMethodDetails || "";
  const span = period.startDate || period.endDate ? `${when(period.startDate) || "…"} — ${when(period.endDate) || "…"}` : "";
  clear(
    main,
    h("p", {}, link(t("back"), ["procurement"])),
    h("h1", {}, p.title || p.ocid),
    h(
      "section",
      { class: "panel", "aria-labelledby": "pc-facts" },
      h("h2", { id: "pc-facts" }, t("pc.facts")),
      facts([
        ["pc.ocid", p.ocid],
        ["title", p.title],
        ["pc.buyer", p.buyer],
        ["department", departmentName(p.department_code)],
        ["pc.procuring_entity", names([tender.procuringEntity].filter(Boolean))],
        ["pc.method", method],
        ["pc.tender_period", span],
        ["pc.tenderers_n", tender.numberOfTenderers == null ? "" : String(tender.numberOfTenderers)],
        ["pc.tender_status", coded("ts", tender.status)],
        ["pc.release_date", when(r.date)],
        ["pc.received_at", when(p.received_at)],
      ])
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "pc-flags" },
      h("h2", { id: "pc-flags" }, t("pc.flag_list")),
      table(t("pc.flag_list"), [
        { label: t("pc.flag"), cell: (s) => flag(s) },
        { label: t("case_or_subject"), cell: (s) => s.subject },
        { label: t("message"), cell: (s) => (said[s.id] ? both(said[s.id], "message") : "") },
        { label: t("state"), cell: (s) => t(`state.${s.state}`) },
        { label: t("open_it"), cell: (s) => link(t("signal_n", { id: s.id }), ["signal", String(s.id)]) },
      ], flags)
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "pc-bids" },
      h("h2", { id: "pc-bids" }, t("pc.bids")),
      table(t("pc.bids"), [
        { label: t("pc.tenderer"), cell: (b) => names(b.tenderers) },
        { label: t("pc.amount"), cell: (b) => money(b.value) },
        { label: t("pc.date"), cell: (b) => when(b.date) },
        { label: t("pc.bid_status"), cell: (b) => coded("bid", b.status) },
      ], bids)
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "pc-awards" },
      h("h2", { id: "pc-awards" }, t("pc.awards")),
      table(t("pc.awards"), [
        { label: t("pc.supplier"), cell: (a) => names(a.suppliers) },
        { label: t("pc.amount"), cell: (a) => money(a.value) },
        { label: t("pc.date"), cell: (a) => when(a.date) },
        { label: t("pc.award_status"), cell: (a) => coded("award", a.status) },
      ], awards)
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "pc-versions" },
      h("h2", { id: "pc-versions" }, t("pc.versions")),
      table(t("pc.versions"), [
        { label: t("pc.received_at"), cell: (v) => [when(v.received_at), v === p.versions[0] ? ` ${t("pc.newest")}` : ""] },
        { label: t("pc.recorded_by"), cell: (v) => v.recorded_by },
        { label: t("pc.ledger_seq"), cell: (v) => (v.ledger_seq == null ? "" : `#${v.ledger_seq}`) },
        { label: t("pc.sha256"), cell: (v) => h("code", { title: v.sha256 }, (v.sha256 || "").slice(0, 16) + "…") },
      ], p.versions || [])
    )
  );
}

export const views = {
  procurement: { nav: "procurement", render: processList },
  process: { nav: null, render: processPage },
};
