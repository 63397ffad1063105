// The console's administration: the power catalogue, rule packs with back-testing, the working-day
// calendar, users and the integrating systems' tokens, and corrections of important data.
// Every view asks the API and shows what it answers; a view the signed-in user may not use shows the
// API's own refusal (the API decides, the page only reports). See console.js for the contract.
import {
  addWords, ApiError, api, both, clear, departmentName, failure, field, form, h, light, link, organisation,
  pager, t, table, today, when,
} from "/static/core.js";

addWords({
  "a.admin": ["管理", "Administration"],
  "a.admin_intro": ["权力清单、规则包、工作日历、用户权限和重要数据更正。", "The power catalogue, rule packs, the working-day calendar, users and permissions, and corrections of important data."],
  "a.catalogue": ["权力清单", "Power catalogue"],
  "a.catalogue_intro": ["查询、新增和变更事项，导入导出清单文件。", "Find, add and alter items; import and export catalogue files."],
  "a.packs": ["规则包", "Rule packs"],
  "a.packs_intro": ["各规则包的规则，以及回测：若启用将产生哪些信号。", "Each pack's rules, and a back-test: what signals it would raise."],
  "a.calendar": ["工作日历", "Working-day calendar"],
  "a.calendar_intro": ["已载入的年份、节假日和调休，以及工作日推算。", "The years loaded, holidays and adjusted working days, and working-day arithmetic."],
  "a.users": ["用户和权限", "Users and permissions"],
  "a.users_intro": ["用户的角色和范围（权限复核），新增、停用用户；接入系统的令牌。", "Users' roles and scopes (the permission review); adding and disabling users; integrating systems' tokens."],
  "a.corrections": ["更正审批", "Corrections"],
  "a.corrections_intro": ["重要数据的修改和删除申请，由最高一级监察机关负责人审批。", "Requests to alter or delete important data, decided by a leader of the top-level agency."],
  "a.ledger_check": ["账本完整性", "The ledger's integrity"],
  "a.ledger_intro": ["重新计算整条哈希链，并核对各表与账本是否一致。", "Recomputes the whole hash chain and checks that the tables agree with the ledger."],
  "a.verify": ["校验账本", "Verify the ledger"],
  "a.ledger_ok": ["账本完整：共 {n} 条，哈希链无断裂，各表与账本一致。", "The ledger is intact: {n} entries, the chain unbroken, the tables agreeing with it."],
  "a.ledger_broken": ["账本在第 {seq} 条处不一致！", "The ledger breaks at entry {seq}!"],
  "a.admin_only": ["此页面的功能仅限有相应权限的用户使用。", "This page is for users with the matching permission."],
  "a.yes": ["是", "yes"],
  "a.no": ["否", "no"],
  // catalogue
  "a.search": ["查询", "Search"],
  "a.q": ["名称或编码", "Name or code"],
  "a.item_type": ["事项类型", "Item type"],
  "a.code": ["事项编码", "Item code"],
  "a.name": ["事项名称", "Item name"],
  "a.department": ["实施部门", "Department"],
  "a.status": ["状态", "Status"],
  "a.version": ["版本", "Version"],
  "a.versions": ["历史版本", "Versions"],
  "a.effective_from": ["生效时间", "In force from"],
  "a.changed_by": ["变更人", "Changed by"],
  "a.change_kind": ["变更类型", "Change"],
  "a.reason": ["变更原因", "Reason"],
  "a.items": ["事项", "Items"],
  "a.item_title": ["事项 {code}", "Item {code}"],
  "a.version_n": ["第 {v} 版", "version {v}"],
  "a.newest": ["（最新）", "(newest)"],
  "a.shown_version": ["当前显示第 {v} 版", "Showing version {v}"],
  "a.legal_basis": ["设定依据", "Legal basis"],
  "a.conditions": ["办理条件", "Conditions"],
  "a.materials": ["申请材料", "Materials"],
  "a.legal_limit_days": ["法定时限（天）", "Legal limit (days)"],
  "a.promised_limit_days": ["承诺时限（天）", "Promised limit (days)"],
  "a.limit_unit": ["时限单位", "Unit of the limits"],
  "a.unit.working": ["工作日", "working days"],
  "a.unit.calendar": ["自然日", "calendar days"],
  "a.posts": ["责任岗位", "Responsible posts"],
  "a.public": ["向社会公开", "Published to the public"],
  "a.fees": ["收费", "Fees"],
  "a.steps": ["办理环节", "Steps"],
  "a.step_order": ["顺序", "Order"],
  "a.step_code": ["环节编码", "Step code"],
  "a.step_name": ["环节名称", "Step"],
  "a.step_limit": ["环节时限", "Step limit"],
  "a.required_step": ["必经", "Required"],
  "a.transitions": ["允许的回退和跳转", "Rollbacks and skips allowed"],
  "a.discretion": ["裁量基准", "Discretion benchmarks"],
  "a.list_hint": ["多项以分号或换行分隔", "separate several with ; or new lines"],
  "a.steps_hint": ["每行一个环节名称，按顺序", "one step name a line, in order"],
  "a.add_item": ["新增事项", "Add an item"],
  "a.alter_item": ["变更事项", "Alter this item"],
  "a.alter_hint": ["对已有事项的变更须经最高一级监察机关负责人批准后生效。", "A change to an existing item takes effect once a leader of the top-level agency approves it."],
  "a.status_change": ["暂停、恢复、取消、删除或合并", "Suspend, resume, cancel, delete or merge"],
  "a.merged_into": ["并入事项编码", "Merged into (item code)"],
  "a.json_change": ["以 JSON 提交完整变更", "Submit a whole change as JSON"],
  "a.json_hint": ["一个或多个 CatalogueChange（见 docs/catalogue-format.md）；错误会指明字段。", "One or more CatalogueChange (see docs/catalogue-format.md); errors name the field."],
  "a.json_text": ["变更内容（JSON）", "Change (JSON)"],
  "a.bad_json": ["JSON 格式错误：{m}", "not valid JSON: {m}"],
  "a.import": ["导入清单文件", "Import a catalogue file"],
  "a.import_hint": ["xlsx、csv 或 json；有任何错误则整个文件不导入。", "xlsx, csv or json; a file with any error is refused whole."],
  "a.file": ["清单文件", "Catalogue file"],
  "a.no_file": ["请选择文件", "choose a file"],
  "a.bad_ext": ["文件须为 .xlsx、.csv 或 .json", "the file must be .xlsx, .csv or .json"],
  "a.export": ["导出清单", "Export the catalogue"],
  "a.result": ["新增 {added}，变更 {changed}，未变 {unchanged}，状态变更 {status}", "added {added}, changed {changed}, unchanged {unchanged}, status changed {status}"],
  "a.awaiting": ["已提交更正申请 {no}，待最高一级监察机关负责人批准（事项：{codes}）", "Correction {no} filed, awaiting a leader of the top-level agency (items: {codes})"],
  "a.pending_of_item": ["待批准的变更", "Changes awaiting approval"],
  "a.type.licence": ["行政许可", "licence"],
  "a.type.non_licence_approval": ["非许可审批", "non-licence approval"],
  "a.type.registration": ["登记", "registration"],
  "a.type.penalty": ["行政处罚", "penalty"],
  "a.type.coercion": ["行政强制", "coercion"],
  "a.type.levy": ["行政征收", "levy"],
  "a.type.benefit": ["行政给付", "benefit"],
  "a.type.confirmation": ["行政确认", "confirmation"],
  "a.type.adjudication": ["行政裁决", "adjudication"],
  "a.type.public_service": ["公共服务", "public service"],
  "a.type.other": ["其他", "other"],
  "a.st.active": ["在用", "active"],
  "a.st.suspended": ["暂停", "suspended"],
  "a.st.cancelled": ["已取消", "cancelled"],
  "a.st.deleted": ["已删除", "deleted"],
  "a.st.merged": ["已合并", "merged"],
  "a.ck.add": ["新增", "add"],
  "a.ck.change": ["变更", "change"],
  "a.ck.delete": ["删除", "delete"],
  "a.ck.merge": ["合并", "merge"],
  "a.ck.cancel": ["取消", "cancel"],
  "a.ck.suspend": ["暂停", "suspend"],
  "a.ck.resume": ["恢复", "resume"],
  // packs
  "a.pack": ["规则包", "Pack"],
  "a.pack_title": ["名称", "Title"],
  "a.rules": ["规则数", "Rules"],
  "a.not_checkable": ["无法自动检查的条款", "Articles not checkable automatically"],
  "a.in_force": ["在用", "In force"],
  "a.in_force_note": ["全平台在用：{pack}", "In force across the platform: {pack}"],
  "a.region_packs": ["各区划自有规则包", "Regions with a pack of their own"],
  "a.region": ["区划", "Region"],
  "a.no_region_packs": ["没有区划使用自有规则包。", "No region has a pack of its own."],
  "a.source": ["来源", "Source"],
  "a.rule_id": ["规则编号", "Rule"],
  "a.family": ["规则类别", "Family"],
  "a.colour": ["颜色", "Colour"],
  "a.rule_text": ["信号内容", "Signal text"],
  "a.article": ["依据条款", "Article"],
  "a.escalates": ["逾期升级", "Escalates"],
  "a.backtest": ["回测", "Back-test"],
  "a.backtest_hint": ["用此规则包重新检查期间内的办件，与在用规则包比较；不写入任何数据。", "Judges the period's cases with this pack and compares with the pack in force; writes nothing."],
  "a.from": ["起始日期", "From"],
  "a.to": ["截止日期", "To"],
  "a.run": ["运行回测", "Run the back-test"],
  "a.bt_result": ["回测结果：{from} 至 {to}，共 {cases} 件办件", "Back-test of {from} to {to}: {cases} cases"],
  "a.bt_candidate": ["本规则包（{pack}）", "This pack ({pack})"],
  "a.bt_in_force": ["在用规则包（{pack}）", "Pack in force ({pack})"],
  "a.bt_difference": ["差异", "Difference"],
  "a.bt_total": ["信号总数", "Signals"],
  "a.bt_by_colour": ["按颜色", "By colour"],
  "a.bt_by_department": ["按部门", "By department"],
  "a.bt_by_rule": ["按规则", "By rule"],
  "a.count": ["数量", "Count"],
  // calendar
  "a.years": ["已载入的年份", "Years loaded"],
  "a.year": ["年份", "Year"],
  "a.loaded_at": ["载入时间", "Loaded"],
  "a.loaded_by": ["载入人", "By"],
  "a.year_title": ["{year} 年节假日和调休", "Holidays and adjusted working days of {year}"],
  "a.date": ["日期", "Date"],
  "a.weekday": ["星期", "Weekday"],
  "a.day_kind": ["安排", "Arrangement"],
  "a.holiday": ["休息", "day off"],
  "a.workday": ["上班（调休）", "working day (adjusted)"],
  "a.day_name": ["名称", "Name"],
  "a.load_year": ["载入一年的安排", "Load a year's schedule"],
  "a.load_hint": ["按国务院办公厅通知，每行：日期,上班或休息,名称（如 2027-01-01,休,元旦）；只需列出与周一至周五不同的日子。也可粘贴 JSON {\"days\": [...]}。", "From the State Council's notice, one day a line: date,workday or off,name (e.g. 2027-01-01,休,New Year); only days that differ from Monday–Friday. JSON {\"days\": [...]} is accepted too."],
  "a.schedule": ["安排", "Schedule"],
  "a.loaded": ["已载入 {year} 年：{days} 天", "Loaded {year}: {days} days"],
  "a.arithmetic": ["工作日推算", "Working-day arithmetic"],
  "a.start": ["起始日期", "Start"],
  "a.days": ["天数", "Days"],
  "a.unit": ["单位", "Unit"],
  "a.compute": ["计算", "Compute"],
  "a.add_result": ["{start} 之后第 {days} 个{unit}是 {result}", "{days} {unit} after {start}: {result}"],
  "a.count_days": ["两日之间的工作日", "Working days between two dates"],
  "a.end": ["截止日期", "End"],
  "a.count_result": ["{start} 之后至 {end}（含）有 {n} 个工作日", "{n} working days after {start} up to {end} inclusive"],
  "a.not_covered": ["未载入", "not loaded"],
  "a.back_years": ["返回年份列表", "Back to the years"],
  "a.wd": ["日,一,二,三,四,五,六", "Sun,Mon,Tue,Wed,Thu,Fri,Sat"],
  // users and tokens
  "a.user_list": ["用户（权限复核）", "Users (permission review)"],
  "a.username": ["用户名", "User name"],
  "a.display_name": ["姓名或称呼", "Display name"],
  "a.role": ["角色", "Role"],
  "a.scope": ["范围", "Scope"],
  "a.n_departments": ["{n} 个部门", "{n} departments"],
  "a.everything": ["全部", "everything"],
  "a.leader": ["负责人", "Leader"],
  "a.reads_cases": ["可查阅办件内容", "Reads case content"],
  "a.active": ["启用", "Active"],
  "a.locked": ["锁定至", "Locked until"],
  "a.created": ["创建", "Created"],
  "a.csv": ["下载权限复核表（CSV）", "Download the permission review (CSV)"],
  "a.create_user": ["新增用户", "Add a user"],
  "a.password": ["初始密码", "Initial password"],
  "a.password_hint": ["至少 10 个字符", "at least 10 characters"],
  "a.region_hint": ["监察人员按区划确定范围", "a supervisor's scope is a region"],
  "a.department_hint": ["仅岗位用户属于部门", "only a post user belongs to a department"],
  "a.none": ["（无）", "(none)"],
  "a.disable": ["停用 {name}", "Disable {name}"],
  "a.enable": ["启用 {name}", "Enable {name}"],
  "a.disabled": ["已停用", "disabled"],
  "a.enabled": ["在用", "active"],
  "a.actions": ["操作", "Action"],
  "a.created_user": ["已新增用户 {name}", "User {name} added"],
  "a.role.system_supervisor": ["系统监管员", "system supervisor"],
  "a.role.e_supervisor": ["电子监察员", "e-supervisor"],
  "a.role.administrator": ["系统管理员", "administrator"],
  "a.role.post_user": ["岗位用户", "post user"],
  "a.role.system": ["接入系统", "integrating system"],
  "a.tokens": ["接入系统令牌", "Integrating systems' tokens"],
  "a.token_name": ["系统名称", "System"],
  "a.token_id": ["编号", "No."],
  "a.revoked_at": ["吊销时间", "Revoked"],
  "a.revoke": ["吊销令牌 {id}", "Revoke token {id}"],
  "a.issue_token": ["发放令牌", "Issue a token"],
  "a.token_once": ["令牌只显示这一次，请立即复制并安全交给接入系统：", "The token is shown this once: copy it now and hand it safely to the system:"],
  "a.token_value": ["新令牌", "New token"],
  "a.confirm_revoke": ["确定吊销令牌 {id}？接入系统将无法再推送数据。", "Revoke token {id}? The system will no longer be able to push data."],
  // corrections
  "a.correction_no": ["申请编号", "Request"],
  "a.target": ["对象", "Target"],
  "a.ref": ["数据", "Data"],
  "a.requested_by": ["申请人", "Requested by"],
  "a.requested_at": ["申请时间", "Requested"],
  "a.decided_by": ["审批人", "Decided by"],
  "a.decided_at": ["审批时间", "Decided"],
  "a.decision_reason": ["审批意见", "Decision's reason"],
  "a.ask_reason": ["申请理由", "Reason given"],
  "a.cs.requested": ["待审批", "awaiting decision"],
  "a.cs.approved": ["已批准并执行", "approved and applied"],
  "a.cs.refused": ["不予批准", "refused"],
  "a.tg.case": ["办件", "case"],
  "a.tg.event": ["办理环节记录", "step event"],
  "a.tg.catalogue": ["权力清单", "catalogue"],
  "a.act.correct": ["修改", "correct"],
  "a.act.void": ["作废", "void"],
  "a.correction_title": ["更正申请 {no}", "Correction {no}"],
  "a.changes": ["变更内容", "What changes"],
  "a.field": ["字段", "Field"],
  "a.before": ["原值", "Before"],
  "a.after": ["新值", "After"],
  "a.decide": ["审批", "Decide"],
  "a.approve": ["批准并执行", "Approve and apply"],
  "a.refuse": ["不予批准", "Refuse"],
  "a.decision": ["决定", "Decision"],
  "a.opinion": ["意见", "Reason"],
  "a.opinion_hint": ["不予批准须说明理由", "a refusal needs its reason"],
  "a.leader_only": ["由最高一级监察机关负责人（非申请人）审批。", "Decided by a leader of the top-level agency other than the requester."],
  "a.ledger_label": ["账本", "Ledger"],
  "a.ledger": ["申请记于第 {asked} 条，执行记于第 {applied} 条", "filed at entry {asked}, applied at entry {applied}"],
});

const ITEM_TYPES = ["licence", "non_licence_approval", "registration", "penalty", "coercion", "levy", "benefit", "confirmation", "adjudication", "public_service", "other"];
const STATUSES = ["active", "suspended", "cancelled", "deleted", "merged"];
const ROLES = ["e_supervisor", "system_supervisor", "administrator", "post_user"];
const AREAS = ["catalogue", "packs", "calendar", "users", "corrections"];
const PAGE = 20;

// -- small helpers (candidates for core.js) ------------------------------------------------------

const yesNo = (v) => (v ? t("a.yes") : t("a.no"));
const params = (arg) => Object.fromEntries(new URLSearchParams(arg || ""));
const hashOf = (key, values) =>
  `#/${key}/` + new URLSearchParams(Object.entries(values).filter(([, v]) => v !== "" && v !== undefined && v !== null));
const list = (v) => (Array.isArray(v) ? v.join("；") : v || "");
const lines = (text) => text.split(/[;；\n]/).map((s) => s.trim()).filter(Boolean);
const regionName = (org, code) => (org.regions.find((r) => r.code === code) || {}).name || code || "";

// To an address, shown again if it is already the current one (a hash unchanged fires no event).
function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

// Forms side by side, each as tall as itself (the console's .grid stretches them to the tallest).
function grid(...children) {
  const node = h("div", { class: "grid" }, ...children);
  node.style.alignItems = "start";
  return node;
}

// The areas of administration the user may use (users and tokens: administrators only).
let ME = null;
const mine = () => AREAS.filter((k) => k !== "users" || (ME && ME.role === "administrator"));

// The areas of administration as a sub-navigation, the current one marked.
function areas(current) {
  return h(
    "nav",
    { class: "subnav", "aria-label": t("a.admin") },
    h(
      "ul",
      { class: "counts" },
      mine().map((k) => h("li", {}, link(t(`a.${k}`), [k], { "aria-current": k === current ? "page" : null })))
    )
  );
}

// A view's body, or — when the API refuses the signed-in user — its refusal, politely.
async function guarded(main, area, title, build) {
  try {
    clear(main, areas(area), await build());
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 401)) {
      clear(main, areas(area), h("h1", {}, title), h("p", {}, t("a.admin_only")), failure(e));
    } else throw e;
  }
}

function section(title, ...children) {
  const id = `s-${Math.random().toString(36).slice(2, 9)}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), children);
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v === "" || v == null ? "—" : v)]));
}

// The API's message for an answer that is not JSON we can read, in the form's live region.
function shout(status, text, ok) {
  status.className = `form-status ${ok ? "ok" : "bad"}`;
  status.setAttribute("role", ok ? "status" : "alert");
  status.textContent = text;
}

// -- the hub -------------------------------------------------------------------------------------

async function hub(main) {
  const out = h("div", { "aria-live": "polite" });
  const check = async (e) => {
    e.target.disabled = true;
    try {
      const r = await api("/ledger/verify");
      clear(
        out,
        r.ok
          ? h("p", { class: "form-status ok", role: "status" }, t("a.ledger_ok", { n: r.entries }))
          : h("p", { class: "error", role: "alert" }, t("a.ledger_broken", { seq: r.broken_seq ?? "—" }), "\n", r.message)
      );
    } catch (err) {
      clear(out, failure(err));
    } finally {
      e.target.disabled = false;
    }
  };
  clear(
    main,
    h("h1", {}, t("a.admin")),
    h("p", {}, t("a.admin_intro")),
    h(
      "div",
      { class: "entrances" },
      mine().map((k) => h("a", { href: `#/${k}` }, h("strong", {}, t(`a.${k}`)), t(`a.${k}_intro`)))
    ),
    section(t("a.ledger_check"), h("p", {}, t("a.ledger_intro")), h("button", { type: "button", onclick: check }, t("a.verify")), out)
  );
}

// -- the catalogue -------------------------------------------------------------------------------

async function cataloguePage(main, args, me) {
  const f = params(args[0]);
  const offset = Number(f.offset || 0);
  const org = await organisation();
  const data = await api("/catalogue/items", {
    query: { q: f.q, item_type: f.item_type, department: f.department, status: f.status },
  });
  const go = (changes) => (location.hash = hashOf("catalogue", { ...f, offset: 0, ...changes }));
  const filters = h(
    "form",
    { class: "filters panel-form", role: "search", "aria-label": t("a.search") },
    field(t("a.q"), "q", { value: f.q || "" }),
    field(t("a.item_type"), "item_type", {
      kind: "select",
      value: f.item_type || "",
      options: [["", t("all")], ...ITEM_TYPES.map((x) => [x, t(`a.type.${x}`)])],
    }),
    field(t("a.department"), "department", {
      kind: "select",
      value: f.department || "",
      options: [["", t("all")], ...org.departments.map((d) => [d.code, d.name])],
    }),
    field(t("a.status"), "status", {
      kind: "select",
      value: f.status || "",
      options: [["", t("all")], ...STATUSES.map((s) => [s, t(`a.st.${s}`)])],
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("a.search")))
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    go(Object.fromEntries(new FormData(filters)));
  });
  const rows = data.items.sort((a, b) => a.code.localeCompare(b.code)).slice(offset, offset + PAGE);
  const manager = me.role === "administrator";
  clear(
    main,
    areas("catalogue"),
    h("h1", {}, t("a.catalogue")),
    filters,
    table(t("a.items"), [
      { label: t("a.code"), cell: (i) => link(i.code, ["item", i.code]) },
      { label: t("a.name"), cell: (i) => i.name },
      { label: t("a.item_type"), cell: (i) => t(`a.type.${i.item_type}`) },
      { label: t("a.department"), cell: (i) => departmentName(i.department_code) },
      { label: t("a.status"), cell: (i) => t(`a.st.${i.status}`) },
      { label: t("a.version"), cell: (i) => String(i.version) },
      { label: t("a.effective_from"), cell: (i) => when(i.effective_from) },
    ], rows),
    pager(data.total, PAGE, offset, (o) => go({ offset: o })),
    section(
      t("a.export"),
      h("ul", {}, ["xlsx", "csv", "json"].map((x) => h("li", {}, h("a", { href: `/api/v1/catalogue/export?format=${x}`, download: `catalogue.${x}` }, `${t("a.export")}（${x}）`))))
    ),
    manager
      ? grid(
          itemForm(null, org, t("a.add_item"), "add"),
          importForm(),
          jsonChangeForm(null)
        )
      : null
  );
}

// The common fields of an item; the rest (fees, discretion, transitions) kept from `item` or by JSON.
function itemFields(item, org) {
  const i = item || {};
  const fields = [
    item ? null : field(t("a.code"), "code", { required: true, hint: "330900-SCJG-XK-XXXX" }),
    field(t("a.name"), "name", { required: true, value: i.name || "" }),
    field(t("a.item_type"), "item_type", { kind: "select", value: i.item_type || "licence", options: ITEM_TYPES.map((x) => [x, t(`a.type.${x}`)]) }),
    field(t("a.department"), "department_code", { kind: "select", value: i.department_code || "", options: org.departments.map((d) => [d.code, d.name]) }),
    field(t("a.legal_basis"), "legal_basis", { kind: "textarea", required: true, value: i.legal_basis || "" }),
    field(t("a.conditions"), "conditions", { kind: "textarea", value: i.conditions || "" }),
    field(t("a.materials"), "materials", { kind: "textarea", value: (i.materials || []).join("\n"), hint: t("a.list_hint") }),
    field(t("a.legal_limit_days"), "legal_limit_days", { kind: "number", required: true, value: i.legal_limit_days ?? 20, attrs: { min: 0, max: 3650 } }),
    field(t("a.promised_limit_days"), "promised_limit_days", { kind: "number", required: true, value: i.promised_limit_days ?? 10, attrs: { min: 0, max: 3650 } }),
    field(t("a.limit_unit"), "limit_unit", { kind: "select", value: i.limit_unit || "working", options: [["working", t("a.unit.working")], ["calendar", t("a.unit.calendar")]] }),
    field(t("a.posts"), "posts", { value: (i.posts || []).join("；"), hint: t("a.list_hint") }),
    item ? null : field(t("a.steps"), "steps", { kind: "textarea", required: true, value: "受理\n审核\n决定\n办结", hint: t("a.steps_hint") }),
    field(t("a.public"), "public", { kind: "checkbox", value: i.public ?? true }),
    field(t("a.effective_from"), "effective_from", { kind: "date", required: true, value: today() }),
    field(t("a.reason"), "reason", { kind: "textarea", required: !!item, value: "" }),
  ];
  return fields.filter(Boolean);
}

function itemOf(v, item) {
  const base = item ? { ...item } : {
    code: v.code,
    fees: [],
    discretion: [],
    process: {
      steps: lines(v.steps).map((name, n) => ({ code: `s${n + 1}`, name, order: n + 1 })),
      transitions: [],
    },
  };
  return {
    ...base,
    name: v.name,
    item_type: v.item_type,
    department_code: v.department_code,
    legal_basis: v.legal_basis,
    conditions: v.conditions,
    materials: lines(v.materials),
    legal_limit_days: Number(v.legal_limit_days),
    promised_limit_days: Number(v.promised_limit_days),
    limit_unit: v.limit_unit,
    posts: lines(v.posts),
    public: v.public,
  };
}

const instant = (day) => `${day}T00:00:00+08:00`;

// Adding (no item) or altering (its newest content) through POST /catalogue/changes.
function itemForm(current, org, title, kind) {
  const node = form(
    title,
    [kind === "change" ? h("p", {}, t("a.alter_hint")) : null, ...itemFields(current && current.item, org)],
    async (v) => {
      const item = itemOf(v, current && current.item);
      const code = current ? current.code : v.code;
      return api("/catalogue/changes", {
        method: "POST",
        body: { kind, code, effective_from: instant(v.effective_from), reason: v.reason, item },
      });
    },
    { submit: title, after: (r) => changed(node, r) }
  );
  return node;
}

// What a change did: added at once (then open the item), or filed for approval.
function changed(node, r) {
  const status = node.querySelector(".form-status");
  if (r.awaiting_approval) {
    shout(status, t("a.awaiting", { no: r.awaiting_approval.correction_no, codes: r.awaiting_approval.codes.join("、") }), true);
    status.append(" ", link(r.awaiting_approval.correction_no, ["correction", r.awaiting_approval.correction_no]));
    return;
  }
  shout(status, t("a.result", { added: r.added.length, changed: r.changed.length, unchanged: r.unchanged.length, status: r.status_changed.length }), true);
  const [first] = [...r.added, ...r.changed, ...r.status_changed];
  if (first) go(`#/item/${encodeURIComponent(first)}`);
}

function jsonChangeForm(current) {
  const sample = current
    ? { kind: "change", code: current.code, effective_from: instant(today()), reason: "", item: current.item }
    : { kind: "add", code: "", effective_from: instant(today()), reason: "", item: {} };
  const node = form(
    t("a.json_change"),
    [field(t("a.json_text"), "json", { kind: "textarea", required: true, value: JSON.stringify(sample, null, 2), hint: t("a.json_hint"), attrs: { rows: 12, spellcheck: "false" } })],
    async (v) => {
      let body;
      try {
        body = JSON.parse(v.json);
      } catch (e) {
        throw new Error(t("a.bad_json", { m: e.message }));
      }
      return api("/catalogue/changes", { method: "POST", body });
    },
    { submit: t("submit"), after: (r) => changed(node, r) }
  );
  return node;
}

// The import route takes the file's bytes as they are, its format in the address.
function importForm() {
  const status = h("div", { class: "form-status", role: "status", "aria-live": "polite" });
  const input = field(t("a.file"), "file", { kind: "file", required: true, hint: t("a.import_hint"), attrs: { accept: ".xlsx,.csv,.json" } });
  const node = h(
    "form",
    { class: "panel-form", "aria-label": t("a.import") },
    h("h3", {}, t("a.import")),
    input,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("a.import"))),
    status
  );
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = node.querySelector("input[type=file]").files[0];
    if (!file) return shout(status, t("a.no_file"), false);
    const format = (file.name.match(/\.(xlsx|csv|json)$/i) || [])[1];
    if (!format) return shout(status, t("a.bad_ext"), false);
    const button = node.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(`/api/v1/catalogue/import?format=${format.toLowerCase()}`, {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": sessionStorage.getItem("jiancha.csrf") || "", Accept: "application/json" },
        body: await file.arrayBuffer(),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiError(response.status, data);
      if (data.awaiting_approval) {
        shout(status, `${t("a.result", { added: data.added.length, changed: data.changed.length, unchanged: data.unchanged.length, status: data.status_changed.length })}\n${t("a.awaiting", { no: data.awaiting_approval.correction_no, codes: data.awaiting_approval.codes.join("、") })}`, true);
      } else {
        shout(status, t("a.result", { added: data.added.length, changed: data.changed.length, unchanged: data.unchanged.length, status: data.status_changed.length }), true);
      }
    } catch (e) {
      shout(status, e instanceof ApiError ? e.text() : String(e), false);
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

async function itemPage(main, [code, version], me) {
  const org = await organisation();
  const newest = await api(`/catalogue/items/${encodeURIComponent(code)}`);
  const shown = version && Number(version) !== newest.version
    ? await api(`/catalogue/items/${encodeURIComponent(code)}/versions/${encodeURIComponent(version)}`)
    : newest;
  const i = shown.item;
  const manager = me.role === "administrator";
  const pending = await api("/corrections", { query: { state: "requested", target: "catalogue" } })
    .then((d) => d.corrections.filter((c) => c.ref === code || JSON.stringify(c.after || {}).includes(`"${code}"`)))
    .catch(() => []);
  clear(
    main,
    areas("catalogue"),
    h("p", {}, link(t("back"), ["catalogue"])),
    h("h1", {}, t("a.item_title", { code }), " · ", i.name),
    h("p", {}, t("a.shown_version", { v: shown.version }), shown.version === newest.version ? t("a.newest") : "", " · ", t(`a.st.${shown.status}`)),
    section(
      i.name,
      facts([
        [t("a.code"), i.code],
        [t("a.item_type"), t(`a.type.${i.item_type}`)],
        [t("a.department"), departmentName(i.department_code)],
        [t("a.status"), t(`a.st.${shown.status}`)],
        [t("a.legal_basis"), i.legal_basis],
        [t("a.conditions"), i.conditions],
        [t("a.materials"), list(i.materials)],
        [t("a.legal_limit_days"), `${i.legal_limit_days} ${t(`a.unit.${i.limit_unit}`)}`],
        [t("a.promised_limit_days"), `${i.promised_limit_days} ${t(`a.unit.${i.limit_unit}`)}`],
        [t("a.posts"), list(i.posts)],
        [t("a.public"), yesNo(i.public)],
        [t("a.fees"), i.fees.map((x) => `${x.name} ${x.amount}`).join("；")],
        [t("a.effective_from"), when(shown.effective_from)],
        [t("a.changed_by"), shown.changed_by],
        [t("a.reason"), shown.reason],
      ]),
      table(t("a.steps"), [
        { label: t("a.step_order"), cell: (s) => String(s.order) },
        { label: t("a.step_code"), cell: (s) => s.code },
        { label: t("a.step_name"), cell: (s) => s.name },
        { label: t("a.step_limit"), cell: (s) => (s.limit_days == null ? "—" : String(s.limit_days)) },
        { label: t("a.posts"), cell: (s) => list(s.posts) },
        { label: t("a.materials"), cell: (s) => list(s.materials) },
        { label: t("a.required_step"), cell: (s) => yesNo(s.required) },
      ], [...i.process.steps].sort((a, b) => a.order - b.order)),
      i.process.transitions.length
        ? [h("h3", {}, t("a.transitions")), h("ul", {}, i.process.transitions.map((x) => h("li", {}, `${x.from_step} → ${x.to_step}（${x.kind}）`)))]
        : null,
      i.discretion.length
        ? table(t("a.discretion"), [
            { label: t("a.article"), cell: (d) => d.clause },
            { label: t("a.conditions"), cell: (d) => d.circumstance },
            { label: "¥", cell: (d) => `${d.fine_min}–${d.fine_max}` },
            { label: t("a.changes"), cell: (d) => list(d.measures) },
          ], i.discretion)
        : null
    ),
    section(
      t("a.versions"),
      table(t("a.versions"), [
        { label: t("a.version"), cell: (v) => (v.version === shown.version ? h("strong", {}, t("a.version_n", { v: v.version })) : link(t("a.version_n", { v: v.version }), ["item", code, String(v.version)])) },
        { label: t("a.change_kind"), cell: (v) => t(`a.ck.${v.change_kind}`) },
        { label: t("a.status"), cell: (v) => t(`a.st.${v.status}`) },
        { label: t("a.effective_from"), cell: (v) => when(v.effective_from) },
        { label: t("a.changed_by"), cell: (v) => v.changed_by },
        { label: t("a.reason"), cell: (v) => v.reason || "" },
      ], [...newest.versions].reverse())
    ),
    pending.length
      ? section(t("a.pending_of_item"), correctionTable(pending, t("a.pending_of_item")))
      : null,
    manager
      ? grid(
          itemForm(newest, org, t("a.alter_item"), "change"),
          statusForm(newest),
          jsonChangeForm(newest)
        )
      : null
  );
}

function statusForm(current) {
  const node = form(
    t("a.status_change"),
    [
      h("p", {}, t("a.alter_hint")),
      field(t("a.change_kind"), "kind", { kind: "select", value: current.status === "suspended" ? "resume" : "suspend", options: ["suspend", "resume", "cancel", "delete", "merge"].map((k) => [k, t(`a.ck.${k}`)]) }),
      field(t("a.merged_into"), "merged_into", { value: "" }),
      field(t("a.effective_from"), "effective_from", { kind: "date", required: true, value: today() }),
      field(t("a.reason"), "reason", { kind: "textarea", required: true }),
    ],
    (v) =>
      api("/catalogue/changes", {
        method: "POST",
        body: { kind: v.kind, code: current.code, effective_from: instant(v.effective_from), reason: v.reason, merged_into: v.merged_into || null },
      }),
    { after: (r) => changed(node, r) }
  );
  return node;
}

// -- rule packs ----------------------------------------------------------------------------------

async function packsPage(main) {
  await guarded(main, "packs", t("a.packs"), async () => {
    const data = await api("/packs");
    const org = await organisation();
    const regions = Object.entries(data.regions || {});
    return [
      h("h1", {}, t("a.packs")),
      h("p", {}, t("a.in_force_note", { pack: data.in_force })),
      table(t("a.packs"), [
        { label: t("a.pack"), cell: (p) => link(p.pack, ["pack", p.pack]) },
        { label: t("a.pack_title"), cell: (p) => both(p, "title") },
        { label: t("a.rules"), cell: (p) => String(p.rules) },
        { label: t("a.not_checkable"), cell: (p) => String(p.not_checkable) },
        { label: t("a.in_force"), cell: (p) => (p.pack === data.in_force ? h("strong", {}, t("a.in_force")) : "") },
      ], data.packs),
      section(
        t("a.region_packs"),
        regions.length
          ? table(t("a.region_packs"), [
              { label: t("a.region"), cell: ([code]) => `${regionName(org, code)}（${code}）` },
              { label: t("a.pack"), cell: ([, pack]) => link(pack, ["pack", pack]) },
            ], regions)
          : h("p", { class: "empty" }, t("a.no_region_packs"))
      ),
    ];
  });
}

async function packPage(main, [name]) {
  await guarded(main, "packs", t("a.packs"), async () => {
    const p = await api(`/packs/${encodeURIComponent(name)}`);
    const results = h("div", { class: "backtest-results", "aria-live": "polite" });
    const start = new Date(Date.now() - 60 * 86400000).toISOString().slice(0, 10);
    const runner = form(
      t("a.backtest"),
      [
        h("p", {}, t("a.backtest_hint")),
        field(t("a.from"), "from", { kind: "date", required: true, value: start }),
        field(t("a.to"), "to", { kind: "date", required: true, value: today() }),
      ],
      (v) => api(`/packs/${encodeURIComponent(name)}/backtest`, { query: { from: v.from, to: v.to } }),
      {
        submit: t("a.run"),
        after: (r) => {
          clear(results, backtestResult(r));
          results.scrollIntoView();
        },
      }
    );
    return [
      h("p", {}, link(t("back"), ["packs"])),
      h("h1", {}, `${both(p, "title")}（${p.pack}）`),
      p.source ? h("p", {}, `${t("a.source")}：`, typeof p.source === "string" ? p.source : JSON.stringify(p.source)) : null,
      runner,
      results,
      section(
        `${t("a.rules")}：${p.rules.length}`,
        table(t("a.rules"), [
          { label: t("a.rule_id"), cell: (r) => r.id },
          { label: t("a.family"), cell: (r) => r.family },
          { label: t("a.colour"), cell: (r) => light(r.colour) },
          { label: t("a.rule_text"), cell: (r) => both(r, "message") },
          { label: t("a.article"), cell: (r) => r.article },
          { label: t("a.escalates"), cell: (r) => yesNo(r.escalates) },
        ], p.rules)
      ),
      (p.not_checkable || []).length
        ? section(
            t("a.not_checkable"),
            table(t("a.not_checkable"), [
              { label: t("a.article"), cell: (x) => x.article },
              { label: t("a.reason"), cell: (x) => both(x, "reason") },
            ], p.not_checkable)
          )
        : null,
    ];
  });
}

function backtestResult(r) {
  const c = r.candidate;
  const f = r.in_force;
  const d = r.difference;
  const signed = (n) => (n > 0 ? `+${n}` : String(n || 0));
  const compare = (caption, by, keys, cell) =>
    table(caption, [
      { label: caption, cell },
      { label: t("a.bt_candidate", { pack: c.pack }), cell: (k) => String(c[by][k] || 0) },
      { label: t("a.bt_in_force", { pack: f.pack }), cell: (k) => String(f[by][k] || 0) },
      { label: t("a.bt_difference"), cell: (k) => signed((c[by][k] || 0) - (f[by][k] || 0)) },
    ], keys);
  const colours = ["red", "yellow", "green"].filter((k) => c.by_colour[k] || f.by_colour[k]);
  const departments = [...new Set([...Object.keys(c.by_department), ...Object.keys(f.by_department)])].sort();
  const ruleTable = (side) =>
    table(`${t("a.bt_by_rule")} · ${side.pack}`, [
      { label: t("a.rule_id"), cell: ([k]) => k },
      { label: t("a.count"), cell: ([, n]) => String(n) },
    ], Object.entries(side.by_rule));
  return section(
    t("a.bt_result", { from: r.period.from, to: r.period.to, cases: r.cases }),
    facts([
      [`${t("a.bt_total")} · ${t("a.bt_candidate", { pack: c.pack })}`, String(c.total)],
      [`${t("a.bt_total")} · ${t("a.bt_in_force", { pack: f.pack })}`, String(f.total)],
      [t("a.bt_difference"), signed(d.total)],
    ]),
    h("h3", {}, t("a.bt_by_colour")),
    compare(t("a.bt_by_colour"), "by_colour", colours, (k) => light(k)),
    h("h3", {}, t("a.bt_by_department")),
    compare(t("a.bt_by_department"), "by_department", departments, (k) => departmentName(k)),
    h("h3", {}, t("a.bt_by_rule")),
    grid(ruleTable(c), ruleTable(f))
  );
}

// -- the calendar --------------------------------------------------------------------------------

async function calendarPage(main, [year]) {
  if (year) return yearPage(main, year);
  const data = await api("/calendar/years");
  const years = [...data.years].sort((a, b) => b.year - a.year);
  const addOut = h("p", { class: "result", "aria-live": "polite" });
  const countOut = h("p", { class: "result", "aria-live": "polite" });
  const notice = (r) => (r.calendar_notice ? `\n${both(r.calendar_notice, "message")}` : "");
  clear(
    main,
    areas("calendar"),
    h("h1", {}, t("a.calendar")),
    grid(
      h(
        "div",
        {},
        form(
          t("a.arithmetic"),
          [
            field(t("a.start"), "start", { kind: "date", required: true, value: today() }),
            field(t("a.days"), "days", { kind: "number", required: true, value: 10, attrs: { min: 0, max: 3650 } }),
            field(t("a.unit"), "unit", { kind: "select", value: "working", options: [["working", t("a.unit.working")], ["calendar", t("a.unit.calendar")]] }),
          ],
          (v) => api("/calendar/arithmetic/add", { query: v }),
          {
            submit: t("a.compute"),
            after: (r) => (addOut.textContent = t("a.add_result", { start: r.start, days: r.days, unit: t(`a.unit.${r.unit}`), result: r.result }) + notice(r)),
          }
        ),
        addOut
      ),
      h(
        "div",
        {},
        form(
          t("a.count_days"),
          [
            field(t("a.start"), "start", { kind: "date", required: true, value: today() }),
            field(t("a.end"), "end", { kind: "date", required: true, value: today() }),
          ],
          (v) => api("/calendar/arithmetic/count", { query: v }),
          {
            submit: t("a.compute"),
            after: (r) => (countOut.textContent = t("a.count_result", { start: r.start, end: r.end, n: r.working_days }) + notice(r)),
          }
        ),
        countOut
      )
    ),
    table(t("a.years"), [
      { label: t("a.year"), cell: (y) => link(String(y.year), ["calendar", String(y.year)]) },
      { label: t("a.source"), cell: (y) => y.source },
      { label: t("a.loaded_at"), cell: (y) => when(y.loaded_at) },
      { label: t("a.loaded_by"), cell: (y) => y.loaded_by },
    ], years),
    loadYearForm(years.length ? years[0].year + 1 : new Date().getFullYear() + 1, "")
  );
}

function schedule(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed);
    } catch (e) {
      throw new Error(t("a.bad_json", { m: e.message }));
    }
  }
  const days = trimmed
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^date\s*,/i.test(l))
    .map((l) => {
      const [date = "", workday = "", ...name] = l.split(/[,，]/).map((s) => s.trim());
      return { date, workday, name: name.join(",") };
    });
  return { days };
}

function loadYearForm(year, text) {
  return form(
    t("a.load_year"),
    [
      field(t("a.year"), "year", { kind: "number", required: true, value: year, attrs: { min: 1990, max: 2200 } }),
      field(t("a.schedule"), "schedule", { kind: "textarea", required: true, value: text, hint: t("a.load_hint"), attrs: { rows: 10, spellcheck: "false" } }),
    ],
    (v) => api(`/calendar/${encodeURIComponent(v.year)}`, { method: "PUT", body: schedule(v.schedule) }),
    { after: (r) => go(`#/calendar/${r.year}`) }
  );
}

async function yearPage(main, year) {
  const data = await api(`/calendar/${encodeURIComponent(year)}`);
  const loaded = (await api("/calendar/years")).years.find((y) => String(y.year) === String(year));
  const wd = t("a.wd").split(",");
  const weekday = (iso) => wd[new Date(`${iso}T12:00:00Z`).getUTCDay()];
  const text = data.days.map((d) => `${d.date},${d.workday ? "班" : "休"},${d.name || ""}`).join("\n");
  clear(
    main,
    areas("calendar"),
    h("p", {}, link(t("a.back_years"), ["calendar"])),
    h("h1", {}, t("a.year_title", { year })),
    loaded
      ? facts([[t("a.source"), loaded.source], [t("a.loaded_at"), when(loaded.loaded_at)], [t("a.loaded_by"), loaded.loaded_by]])
      : h("p", { class: "error", role: "status" }, t("a.not_covered")),
    data.calendar_notice ? h("p", { class: "error", role: "status" }, both(data.calendar_notice, "message")) : null,
    table(t("a.year_title", { year }), [
      { label: t("a.date"), cell: (d) => d.date },
      { label: t("a.weekday"), cell: (d) => weekday(d.date) },
      { label: t("a.day_kind"), cell: (d) => (d.workday ? h("strong", {}, t("a.workday")) : t("a.holiday")) },
      { label: t("a.day_name"), cell: (d) => d.name || "" },
    ], data.days),
    loadYearForm(Number(year), text)
  );
}

// -- users and tokens ----------------------------------------------------------------------------

async function usersPage(main) {
  await guarded(main, "users", t("a.users"), async () => {
    const org = await organisation();
    const [data, tokens] = await Promise.all([api("/users"), api("/tokens")]);
    const reload = () => usersPage(main);
    const roleName = (u) => t(`a.role.${u.role}`);
    // The API says "全部 | everything" or "20 个部门 | departments".
    const scope = (u) => {
      const n = String(u.scope).match(/^(\d+)/);
      return n ? t("a.n_departments", { n: n[1] }) : t("a.everything");
    };
    const toggle = (u) =>
      h(
        "button",
        {
          type: "button",
          class: "quiet",
          onclick: async (e) => {
            e.target.disabled = true;
            try {
              await api(`/users/${encodeURIComponent(u.username)}/active`, { method: "POST", body: { active: !u.active } });
              await reload();
            } catch (err) {
              e.target.disabled = false;
              e.target.after(failure(err));
            }
          },
        },
        u.active ? t("a.disable", { name: u.username }) : t("a.enable", { name: u.username })
      );
    const tokenOut = h("div", { "aria-live": "polite" });
    return [
      h("h1", {}, t("a.users")),
      h("p", {}, h("a", { href: "/api/v1/users?format=csv", download: "permissions.csv" }, t("a.csv"))),
      table(t("a.user_list"), [
        { label: t("a.username"), cell: (u) => u.username },
        { label: t("a.display_name"), cell: (u) => u.display_name },
        { label: t("a.role"), cell: roleName },
        { label: t("a.region"), cell: (u) => regionName(org, u.region_code) },
        { label: t("department"), cell: (u) => departmentName(u.department_code) },
        { label: t("a.scope"), cell: scope },
        { label: t("a.leader"), cell: (u) => yesNo(u.leader) },
        { label: t("a.reads_cases"), cell: (u) => yesNo(u.reads_cases) },
        { label: t("a.active"), cell: (u) => (u.active ? t("a.enabled") : h("strong", {}, t("a.disabled"))) },
        { label: t("a.locked"), cell: (u) => u.locked_until || "" },
        { label: t("a.created"), cell: (u) => `${when(u.created_at)} · ${u.created_by}` },
        { label: t("a.actions"), cell: toggle },
      ], data.users),
      userForm(org, reload),
      section(
        t("a.tokens"),
        table(t("a.tokens"), [
          { label: t("a.token_id"), cell: (k) => String(k.id) },
          { label: t("a.token_name"), cell: (k) => k.name },
          { label: t("department"), cell: (k) => departmentName(k.department_code) },
          { label: t("a.created"), cell: (k) => `${when(k.created_at)} · ${k.created_by}` },
          { label: t("a.revoked_at"), cell: (k) => (k.revoked_at ? when(k.revoked_at) : "") },
          {
            label: t("a.actions"),
            cell: (k) =>
              k.revoked_at
                ? ""
                : h(
                    "button",
                    {
                      type: "button",
                      class: "quiet",
                      onclick: async () => {
                        if (!window.confirm(t("a.confirm_revoke", { id: k.id }))) return;
                        await api(`/tokens/${k.id}`, { method: "DELETE" }).then(reload, (err) => tokenOut.replaceChildren(failure(err)));
                      },
                    },
                    t("a.revoke", { id: k.id })
                  ),
          },
        ], tokens.tokens),
        form(
          t("a.issue_token"),
          [
            field(t("a.token_name"), "name", { required: true }),
            field(t("department"), "department_code", { kind: "select", options: org.departments.map((d) => [d.code, d.name]) }),
          ],
          (v) => api("/tokens", { method: "POST", body: v }),
          {
            submit: t("a.issue_token"),
            after: async (r) => {
              await reload();
              // After the reload: the token is shown once, never kept or listed.
              const out = main.querySelector(".token-out");
              const value = h("input", { type: "text", readonly: true, value: r.token, "aria-label": t("a.token_value"), class: "token-value" });
              value.style.width = "100%";
              clear(out, h("p", { role: "status" }, t("a.token_once")), value);
              value.focus();
              value.select();
            },
          }
        ),
        h("div", { class: "token-out", "aria-live": "polite" }),
        tokenOut
      ),
    ];
  });
}

function userForm(org, reload) {
  const node = form(
    t("a.create_user"),
    [
      field(t("a.username"), "username", { required: true, attrs: { autocomplete: "off" } }),
      field(t("a.display_name"), "display_name", { required: true }),
      field(t("a.role"), "role", { kind: "select", value: "e_supervisor", options: ROLES.map((r) => [r, t(`a.role.${r}`)]) }),
      field(t("a.region"), "region_code", { kind: "select", value: "", hint: t("a.region_hint"), options: [["", t("a.none")], ...org.regions.map((r) => [r.code, `${r.name}（${r.code}）`])] }),
      field(t("department"), "department_code", { kind: "select", value: "", hint: t("a.department_hint"), options: [["", t("a.none")], ...org.departments.map((d) => [d.code, d.name])] }),
      field(t("a.leader"), "leader", { kind: "checkbox" }),
      field(t("a.reads_cases"), "reads_cases", { kind: "checkbox" }),
      field(t("a.password"), "password", { kind: "password", required: true, hint: t("a.password_hint"), attrs: { autocomplete: "new-password", minlength: 10 } }),
    ],
    (v) =>
      api("/users", {
        method: "POST",
        body: { ...v, region_code: v.region_code || null, department_code: v.department_code || null },
      }),
    {
      submit: t("a.create_user"),
      after: async (r) => {
        await reload();
        const status = document.querySelector(".user-created");
        if (status) status.textContent = t("a.created_user", { name: r.username || "" });
      },
    }
  );
  return h("div", {}, node, h("p", { class: "user-created", role: "status" }));
}

// -- corrections ---------------------------------------------------------------------------------

function correctionTable(rows, caption) {
  return table(caption, [
    { label: t("a.correction_no"), cell: (c) => link(c.correction_no, ["correction", c.correction_no]) },
    { label: t("a.target"), cell: (c) => t(`a.tg.${c.target}`) },
    { label: t("a.ref"), cell: (c) => c.ref },
    { label: t("department"), cell: (c) => departmentName(c.department_code) },
    { label: t("a.ask_reason"), cell: (c) => c.reason },
    { label: t("a.requested_by"), cell: (c) => `${c.requested_by} · ${when(c.requested_at)}` },
    { label: t("a.status"), cell: (c) => (c.state === "requested" ? h("strong", {}, t(`a.cs.${c.state}`)) : t(`a.cs.${c.state}`)) },
    { label: t("a.decided_by"), cell: (c) => (c.decided_by ? `${c.decided_by} · ${when(c.decided_at)}` : "") },
  ], rows);
}

async function correctionsPage(main, args) {
  await guarded(main, "corrections", t("a.corrections"), async () => {
    const f = { state: "requested", ...params(args[0]) };
    const data = await api("/corrections", { query: { state: f.state, target: f.target } });
    const filters = h(
      "form",
      { class: "filters panel-form", "aria-label": t("filter") },
      field(t("a.status"), "state", { kind: "select", value: f.state || "", options: [["", t("all")], ...["requested", "approved", "refused"].map((s) => [s, t(`a.cs.${s}`)])] }),
      field(t("a.target"), "target", { kind: "select", value: f.target || "", options: [["", t("all")], ...["case", "event", "catalogue"].map((s) => [s, t(`a.tg.${s}`)])] }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
    );
    filters.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = Object.fromEntries(new FormData(filters));
      location.hash = `#/corrections/` + new URLSearchParams({ state: v.state, ...(v.target ? { target: v.target } : {}) });
    });
    return [h("h1", {}, t("a.corrections")), h("p", {}, t("a.leader_only")), filters, correctionTable(data.corrections, t("a.corrections"))];
  });
}

// The fields a correction alters: for a catalogue change, each change; otherwise before and after.
function differences(c) {
  if (c.target === "catalogue") {
    const changes = (c.after && c.after.changes) || [];
    return table(t("a.changes"), [
      { label: t("a.code"), cell: (x) => link(x.code, ["item", x.code]) },
      { label: t("a.change_kind"), cell: (x) => t(`a.ck.${x.kind}`) },
      { label: t("a.effective_from"), cell: (x) => when(x.effective_from) },
      { label: t("a.after"), cell: (x) => (x.item ? itemDiff((c.before || {})[x.code]?.item || {}, x.item) : x.merged_into || "—") },
    ], changes);
  }
  const before = c.before || {};
  const after = c.after || {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])
  );
  return table(t("a.changes"), [
    { label: t("a.field"), cell: (k) => k },
    { label: t("a.before"), cell: (k) => show(before[k]) },
    { label: t("a.after"), cell: (k) => show(after[k]) },
  ], keys, { empty: c.action === "void" ? t("a.act.void") : undefined });
}

const show = (v) => (v === undefined || v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

function itemDiff(before, after) {
  const keys = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (!keys.length) return "—";
  return h("ul", {}, keys.map((k) => h("li", {}, `${k}：${show(before[k])} → ${show(after[k])}`)));
}

async function correctionPage(main, [no], me) {
  await guarded(main, "corrections", t("a.corrections"), async () => {
    const c = await api(`/corrections/${encodeURIComponent(no)}`);
    const reload = () => correctionPage(main, [no], me);
    return [
      h("p", {}, link(t("back"), ["corrections"])),
      h("h1", {}, t("a.correction_title", { no }), " · ", t(`a.cs.${c.state}`)),
      section(
        `${t(`a.tg.${c.target}`)} ${c.ref}`,
        facts([
          [t("a.target"), `${t(`a.tg.${c.target}`)} · ${t(`a.act.${c.action}`)}`],
          [t("a.ref"), c.target === "catalogue" ? link(c.ref, ["item", c.ref]) : c.target === "case" ? link(c.ref, ["case", c.ref]) : c.ref],
          [t("department"), departmentName(c.department_code)],
          [t("a.ask_reason"), c.reason],
          [t("a.requested_by"), `${c.requested_by} · ${when(c.requested_at)}`],
          [t("a.status"), t(`a.cs.${c.state}`)],
          [t("a.decided_by"), c.decided_by ? `${c.decided_by} · ${when(c.decided_at)}` : ""],
          [t("a.decision_reason"), c.decision_reason],
          [t("a.ledger_label"), t("a.ledger", { asked: c.ledger_seq ?? "—", applied: c.applied_seq ?? "—" })],
        ]),
        differences(c)
      ),
      c.state === "requested" && me.leader
        ? form(
            t("a.decide"),
            [
              h("p", {}, t("a.leader_only")),
              field(t("a.decision"), "approve", { kind: "select", options: [["true", t("a.approve")], ["false", t("a.refuse")]] }),
              field(t("a.opinion"), "reason", { kind: "textarea", hint: t("a.opinion_hint") }),
            ],
            (v) => api(`/corrections/${encodeURIComponent(no)}/decision`, { method: "POST", body: { approve: v.approve === "true", reason: v.reason } }),
            { submit: t("a.decide"), after: reload }
          )
        : c.state === "requested"
          ? h("p", {}, t("a.leader_only"))
          : null,
    ];
  });
}

// Each view learns who is signed in (for the sub-navigation) before it renders.
const as = (render) => (main, args, me) => {
  ME = me;
  return render(main, args, me);
};

export const views = {
  admin: { nav: "a.admin", render: as(hub) },
  catalogue: { nav: null, render: as(cataloguePage) },
  item: { nav: null, render: as(itemPage) },
  packs: { nav: null, render: as(packsPage) },
  pack: { nav: null, render: as(packPage) },
  calendar: { nav: null, render: as(calendarPage) },
  users: { nav: null, render: as(usersPage) },
  corrections: { nav: null, render: as(correctionsPage) },
  correction: { nav: null, render: as(correctionPage) },
};
