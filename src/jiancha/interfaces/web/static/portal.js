// The public portal (R-OPEN-1..2, R-PUB-1..3): the power list, the progress of one's case, a
// complaint, a satisfaction rating, and what is published — results and the monthly ranking.
// No sign-in: everything here comes from the public API, which shows no one's personal data.
import {
  addWords, api, ApiError, clear, failure, field, form, frame, h as make, lang, link, organisation, pager, route, t,
  table, thisMonth, today, when,
} from "/static/core.js";

// core.js's h() flattens one level of children; the views here nest deeper.
const h = (tag, attrs, ...children) => make(tag, attrs, ...children.flat(Infinity));

addWords({
  p_home: ["首页", "Home"],
  p_welcome: ["公众服务", "Public services"],
  p_welcome_about: [
    "查询行政权力清单和办件进度，投诉，评价办理结果，查看公开的办理结果和部门测评排名。无需登录。",
    "Look up the powers of each department and the progress of your case, complain, rate how your case was handled, and see published results and rankings. No sign-in needed.",
  ],
  p_items: ["权力清单", "Power list"],
  p_items_about: ["各部门的行政权力事项：依据、条件、材料、时限、收费和流程", "Each department's powers: legal basis, conditions, materials, time limits, fees and process"],
  p_progress: ["办件进度查询", "Case progress"],
  p_progress_about: ["凭办件编号和查询码查看办理到哪一步", "See where your case stands, by its number and check code"],
  p_complain: ["投诉", "Complain"],
  p_complain_about: ["对部门或办件的投诉，可实名或匿名", "About a department or a case, by name or anonymously"],
  p_rate: ["满意度评价", "Rate a case"],
  p_rate_about: ["对已办理的办件评价满意程度", "Say how satisfied you are with how your case was handled"],
  p_results: ["办理结果公开", "Published results"],
  p_results_about: ["公开的办理结果和部门月度测评排名", "Published decisions and the departments' monthly ranking"],

  // the power list
  p_search: ["搜索", "Search"],
  p_words: ["关键词（名称或编码）", "Words (name or code)"],
  p_type: ["事项类型", "Type"],
  p_department: ["部门", "Department"],
  p_region: ["地区", "Region"],
  p_found: ["共找到 {n} 项", "{n} found"],
  p_item_list: ["权力事项", "Power items"],
  p_limits: ["法定时限 {legal}，承诺时限 {promised}", "Legal limit {legal}, promised {promised}"],
  p_days_working: ["{n} 个工作日", "{n} working days"],
  p_days_natural: ["{n} 日", "{n} days"],
  p_code: ["事项编码", "Code"],
  p_legal_basis: ["设定依据", "Legal basis"],
  p_conditions: ["办理条件", "Conditions"],
  p_legal_limit: ["法定时限", "Legal time limit"],
  p_promised_limit: ["承诺时限", "Promised time limit"],
  p_version: ["版本", "Version"],
  p_in_force: ["生效时间", "In force since"],
  p_fingerprint: ["内容指纹（SHA-256）", "Content fingerprint (SHA-256)"],
  p_materials: ["申请材料", "Required materials"],
  p_no_materials: ["无需提交材料", "No materials required"],
  p_fees: ["收费标准", "Fees"],
  p_no_fees: ["不收费", "Free of charge"],
  p_yuan: ["{amount} 元", "{amount} yuan"],
  p_fee_basis_is: ["收费依据：{basis}", "Basis: {basis}"],
  p_process: ["办理流程", "Process"],
  p_step_limit: ["时限：{days}", "Time limit: {days}"],
  p_step_posts: ["责任岗位：{posts}", "Responsible posts: {posts}"],
  p_step_materials: ["材料：{list}", "Materials: {list}"],
  p_optional: ["（视情况）", "(when needed)"],
  p_transitions: ["允许的流转", "Allowed moves"],
  p_forward: ["可跳转", "may go on"],
  p_rollback: ["可退回", "may go back"],
  p_posts: ["责任岗位", "Responsible posts"],
  p_discretion: ["行政处罚裁量基准", "Discretion benchmarks"],
  p_clause: ["法律条款", "Clause"],
  p_circumstance: ["违法情节", "Circumstance"],
  p_fine: ["罚款幅度（元）", "Fine (yuan)"],
  p_measures: ["其他措施", "Other measures"],
  p_contact: ["咨询和投诉", "Questions and complaints"],
  p_contact_about: [
    "有疑问可向{department}咨询；对办理不满意可以投诉。",
    "Ask {department} about it; if unhappy with how a case was handled, you may complain.",
  ],
  p_complain_about_dept: ["投诉该部门", "Complain about this department"],
  p_back_to_list: ["返回权力清单", "Back to the power list"],

  // the progress query
  p_case_no: ["办件编号", "Case number"],
  p_check_code: ["查询码", "Check code"],
  p_check_code_hint: ["受理时告知您的查询码，见受理通知书", "Given to you when the case was accepted; see the acceptance notice"],
  p_query: ["查询", "Look up"],
  p_item: ["办理事项", "Service"],
  p_status: ["办理状态", "Status"],
  p_current_step: ["当前环节", "Current step"],
  p_received_at: ["申请时间", "Applied"],
  p_accepted_at: ["受理时间", "Accepted"],
  p_completed_at: ["办结时间", "Completed"],
  p_promised_due: ["承诺办结日期", "Promised by"],
  p_legal_due: ["法定办结期限", "Legal deadline"],
  p_past_promise: ["已超过承诺办结日期", "Past the promised date"],
  p_steps: ["办理过程", "Steps"],
  p_rate_this: ["评价此办件", "Rate this case"],
  p_complain_this: ["对此办件投诉", "Complain about this case"],
  "status.open": ["办理中", "In progress"],
  "status.suspended": ["暂停计时", "Clock stopped"],
  "status.completed": ["已办结", "Completed"],
  "status.rejected": ["不予受理或不予许可", "Refused"],
  "action.accept": ["受理", "Accepted"],
  "action.undertake": ["承办", "Undertaken"],
  "action.review": ["审核", "Reviewed"],
  "action.approve": ["批准", "Approved"],
  "action.complete": ["办结", "Completed"],
  "action.reject": ["不予受理或不予许可", "Refused"],
  "action.return": ["退回", "Sent back"],
  "action.request-supplement": ["补正告知", "Asked for more materials"],
  "action.suspend": ["特别程序", "Special procedure"],
  "action.resume": ["恢复办理", "Resumed"],
  "action.register": ["立案", "Case opened"],
  "action.investigate": ["调查取证", "Investigation"],
  "action.inform": ["告知", "Notified"],
  "action.hearing": ["听证", "Hearing"],
  "action.decide": ["决定", "Decided"],
  "action.serve": ["送达", "Served"],
  "action.execute": ["执行", "Enforced"],
  "action.close": ["结案", "Closed"],
  "action.publish": ["结果公开", "Result published"],

  // the complaint
  p_complaint: ["我要投诉", "Make a complaint"],
  p_choose: ["请选择", "Choose"],
  p_case_optional: ["相关办件编号（可不填）", "Case number, if any"],
  p_content: ["投诉内容", "What happened"],
  p_content_hint: ["请写明时间、地点、经过和诉求", "When, where, what happened and what you ask for"],
  p_how: ["投诉方式", "How to complain"],
  p_real_name: ["实名投诉", "With my name"],
  p_anonymous: ["匿名投诉", "Anonymously"],
  p_real_name_hint: ["实名投诉人会被告知是否受理和办理结果；姓名和电话不会公开。", "You will be told the decision and the result; your name and phone are never published."],
  p_anonymous_hint: ["匿名投诉同样会被处理，但无法告知您受理决定和办理结果。", "An anonymous complaint is handled too, but no one can tell you the decision or the result."],
  p_name: ["姓名", "Name"],
  p_phone: ["联系电话", "Phone"],
  p_complaint_received: ["投诉已收到", "Complaint received"],
  p_complaint_no: ["投诉编号：{no}", "Complaint number: {no}"],
  p_keep_no: ["请记下投诉编号。", "Please keep the complaint number."],
  p_next_decide: [
    "监察机关将在 5 个工作日内（{due} 前）决定是否受理。受理后转交有关部门办理，并限期反馈结果。",
    "The supervision agency decides within 5 working days (by {due}) whether to accept it. If accepted, it goes to the department, which must report the result by a set date.",
  ],
  p_next_told: ["受理决定和办理结果将通过您留下的电话告知您。", "You will be told the decision and the result at the phone number you gave."],
  p_next_anonymous: ["匿名投诉无法告知您受理决定和办理结果。", "As the complaint is anonymous, no one can tell you the decision or the result."],
  p_another: ["再提交一件投诉", "Make another complaint"],
  p_field_body: ["投诉人", "Complainant"],

  // the rating
  p_rating: ["评价办件", "Rate your case"],
  p_score: ["满意程度", "How satisfied are you?"],
  "score.1": ["1 分 · 很不满意", "1 · Very dissatisfied"],
  "score.2": ["2 分 · 不满意", "2 · Dissatisfied"],
  "score.3": ["3 分 · 一般", "3 · Neutral"],
  "score.4": ["4 分 · 满意", "4 · Satisfied"],
  "score.5": ["5 分 · 很满意", "5 · Very satisfied"],
  p_comment: ["意见和建议（可不填）", "Comments (optional)"],
  p_rated: ["感谢您的评价！办件 {no} 的评价已记录：{score}。", "Thank you! Your rating of case {no} is recorded: {score}."],
  p_rated_title: ["评价已提交", "Rating submitted"],
  p_your_comment: ["您的意见：{comment}", "Your comments: {comment}"],
  p_choose_score: ["请选择满意程度", "Choose how satisfied you are"],

  // the published results and ranking
  p_ranking: ["部门月度测评排名", "Monthly ranking of departments"],
  p_month: ["月份", "Month"],
  p_show: ["查看", "Show"],
  p_not_published: ["{month} 的测评结果尚未发布。", "The ranking of {month} is not published yet."],
  p_published_on: ["{month} · 发布于 {at}", "{month} · published {at}"],
  p_rank: ["名次", "Rank"],
  p_score_points: ["得分", "Score"],
  p_at_publication: ["（发布时 {score}）", "(when published: {score})"],
  "level.city": ["市直部门", "City departments"],
  "level.county": ["区县部门", "County departments"],
  "level.province": ["省直部门", "Provincial departments"],
  p_result_list: ["公开的办理结果", "Published results"],
  p_decision: ["办理结果", "Decision"],
  p_published_at: ["公开时间", "Published"],
  p_decided_at: ["决定时间", "Decided"],
  "type.licence": ["行政许可", "Administrative licence"],
  "type.non_licence_approval": ["非许可审批", "Non-licence approval"],
  "type.registration": ["登记", "Registration"],
  "type.penalty": ["行政处罚", "Administrative penalty"],
  "type.coercion": ["行政强制", "Administrative coercion"],
  "type.levy": ["行政征收", "Administrative levy"],
  "type.benefit": ["行政给付", "Administrative benefit"],
  "type.confirmation": ["行政确认", "Administrative confirmation"],
  "type.adjudication": ["行政裁决", "Administrative adjudication"],
  "type.public_service": ["公共服务", "Public service"],
  "type.other": ["其他", "Other"],
});

const TYPES = [
  "licence", "non_licence_approval", "registration", "penalty", "coercion", "levy", "benefit", "confirmation",
  "adjudication", "public_service", "other",
];
const ACTIONS = new Set([
  "accept", "undertake", "review", "approve", "complete", "reject", "return", "request-supplement", "suspend",
  "resume", "register", "investigate", "inform", "hearing", "decide", "serve", "execute", "close", "publish",
]);

const VIEWS = {
  home: { nav: "p_home", render: home },
  items: { nav: "p_items", render: itemList },
  item: { nav: null, render: itemPage, under: "items" },
  progress: { nav: "p_progress", render: progressPage },
  complain: { nav: "p_complain", render: complainPage },
  rate: { nav: "p_rate", render: ratePage },
  results: { nav: "p_results", render: resultsPage },
};

// What the visitor typed or found, kept in this page's memory only (never in the address, where a
// check code would land in the history): the last case looked up, and drafts across a language switch.
const MEMORY = { case: null, failed: null, drafts: {}, list: null };

let ORG = { regions: [], departments: [] };

async function start() {
  ORG = await organisation();
  show();
}

function show({ focus } = {}) {
  const [key = "home", ...args] = route();
  const view = VIEWS[key] || VIEWS.home;
  const current = view.under || (VIEWS[key] ? key : "home");
  const nav = Object.entries(VIEWS)
    .filter(([, v]) => v.nav)
    .map(([k, v]) => link(t(v.nav), [k], { "aria-current": k === current ? "page" : null }));
  const main = frame("portal", {
    nav,
    onLang: () => {
      keepDrafts();
      show({ focus: "lang" });
    },
  });
  // A link to where one already is starts that page afresh (after a form was sent, say).
  for (const a of nav)
    a.addEventListener("click", (e) => {
      if (a.getAttribute("href") === location.hash) {
        e.preventDefault();
        MEMORY.failed = null;
        show({ focus: "main" });
      }
    });
  // The skip link's "#main" would be taken for a route here: move the focus instead.
  const skip = document.querySelector("a.skip");
  if (skip)
    skip.addEventListener("click", (e) => {
      e.preventDefault();
      main.focus();
    });
  main.append(h("p", {}, t("loading")));
  view
    .render(main, args)
    .then(() => restoreDrafts(main))
    .catch((e) => clear(main, failure(e)))
    .finally(() => {
      if (focus === "lang") document.querySelector("header button.lang")?.focus();
      else if (focus === "main") main.focus();
    });
}

window.addEventListener("hashchange", () => {
  if (location.hash === "#main") {
    history.replaceState(null, "", location.pathname);
    document.getElementById("main")?.focus();
    return;
  }
  MEMORY.drafts = {};
  MEMORY.failed = null;
  show({ focus: "main" });
});

function keepDrafts() {
  MEMORY.drafts = {};
  for (const f of document.querySelectorAll("form[data-draft]")) {
    const values = {};
    for (const el of f.elements) {
      if (!el.name) continue;
      if (el.type === "radio") {
        if (el.checked) values[el.name] = el.value;
      } else values[el.name] = el.value;
    }
    MEMORY.drafts[f.dataset.draft] = values;
  }
}

function restoreDrafts(main) {
  for (const f of main.querySelectorAll("form[data-draft]")) {
    const values = MEMORY.drafts[f.dataset.draft];
    if (!values) continue;
    for (const el of f.elements) {
      if (!el.name || !(el.name in values)) continue;
      if (el.type === "radio") el.checked = el.value === values[el.name];
      else el.value = values[el.name];
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  MEMORY.drafts = {};
}

// -- small helpers (core.js has none of these) ------------------------------------------------------

function params(arg) {
  return Object.fromEntries(new URLSearchParams(arg || ""));
}

function days(n, unit) {
  if (n === null || n === undefined) return "—";
  return t(unit === "natural" ? "p_days_natural" : "p_days_working", { n });
}

function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v === null || v === undefined || v === "" ? "—" : v)])
  );
}

function panel(id, title, ...children) {
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), children);
}

// An API error whose problems name the fields by their labels on the page, not by the API's names.
function labelled(e, labels) {
  if (e instanceof ApiError) {
    e.problems = e.problems.map((p) => {
      const name = p.api_field ?? p.field;
      return { ...p, api_field: name, field: name in labels ? labels[name] : name };
    });
  }
  return e;
}

// A group of radio buttons in a fieldset with its legend: [[value, label, hint?]].
function radios(legend, name, choices, { value, required, className } = {}) {
  const id = `r-${name}`;
  return h(
    "fieldset",
    { class: `radios ${className || ""}` },
    h("legend", {}, legend, required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
    choices.map(([v, label], i) =>
      h(
        "div",
        { class: "radio" },
        h("input", { type: "radio", id: `${id}-${i}`, name, value: v, checked: String(v) === String(value), required }),
        h("label", { for: `${id}-${i}` }, label)
      )
    )
  );
}

function departmentOptions(withAll) {
  return [["", withAll ? t("all") : t("p_choose")], ...ORG.departments.map((d) => [d.code, d.name])];
}

function regionOptions() {
  const depth = (r) => (r.parent_code ? 1 + depth(ORG.regions.find((p) => p.code === r.parent_code) || {}) : 0);
  return [["", t("all")], ...ORG.regions.map((r) => [r.code, `${"\u3000".repeat(depth(r))}${r.name}`])];
}

// -- home ----------------------------------------------------------------------------------------

async function home(main) {
  const way = (key) => h("a", { href: `#/${key}` }, h("strong", {}, t(`p_${key}`)), t(`p_${key}_about`));
  clear(
    main,
    h("h1", {}, t("p_welcome")),
    h("p", {}, t("p_welcome_about")),
    h("div", { class: "entrances" }, ["items", "progress", "complain", "rate", "results"].map(way))
  );
}

// -- the power list ------------------------------------------------------------------------------

async function itemList(main, args) {
  const f = params(args[0]);
  const limit = 20;
  const offset = Number(f.offset || 0);
  MEMORY.list = location.hash || "#/items";
  const data = await api("/public/items", {
    query: { q: f.q, type: f.type, department: f.department, region: f.region, limit, offset },
  });
  const go = (changes) => {
    const next = { ...f, offset: 0, ...changes };
    location.hash = "#/items/" + new URLSearchParams(Object.entries(next).filter(([, v]) => v !== "" && v !== undefined && v !== 0));
  };
  const search = h(
    "form",
    { class: "filters panel-form", role: "search", "aria-label": t("p_search") },
    field(t("p_words"), "q", { kind: "search", value: f.q || "", attrs: { maxlength: 100 } }),
    field(t("p_type"), "type", { kind: "select", value: f.type || "", options: [["", t("all")], ...TYPES.map((k) => [k, t(`type.${k}`)])] }),
    field(t("p_department"), "department", { kind: "select", value: f.department || "", options: departmentOptions(true) }),
    field(t("p_region"), "region", { kind: "select", value: f.region || "", options: regionOptions() }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("p_search")))
  );
  search.addEventListener("submit", (e) => {
    e.preventDefault();
    go(Object.fromEntries(new FormData(search)));
  });
  clear(
    main,
    h("h1", {}, t("p_items")),
    search,
    h("p", { role: "status" }, t("p_found", { n: data.total })),
    data.items.length
      ? h(
          "ul",
          { class: "item-cards", "aria-label": t("p_item_list") },
          data.items.map((i) =>
            h(
              "li",
              { class: "card" },
              h("h2", {}, link(i.name, ["item", i.code])),
              h("p", { class: "meta" }, h("span", { class: "tag" }, t(`type.${i.item_type}`)), " ", i.department, " · ", i.region),
              h("p", { class: "meta" }, t("p_limits", { legal: days(i.legal_limit_days, i.limit_unit), promised: days(i.promised_limit_days, i.limit_unit) }))
            )
          )
        )
      : h("p", { class: "empty" }, t("nothing")),
    pager(data.total, limit, offset, (o) => go({ offset: o }))
  );
}

async function itemPage(main, [code]) {
  const i = await api(`/public/items/${encodeURIComponent(code)}`);
  const steps = [...(i.process?.steps || [])].sort((a, b) => a.order - b.order);
  const stepName = Object.fromEntries(steps.map((s) => [s.code, s.name]));
  const transitions = i.process?.transitions || [];
  clear(
    main,
    h("p", {}, h("a", { href: MEMORY.list || "#/items" }, t("p_back_to_list"))),
    h("h1", {}, i.name),
    h(
      "section",
      { class: "panel" },
      facts([
        ["p_code", h("span", { class: "code" }, i.code)],
        ["p_type", t(`type.${i.item_type}`)],
        ["p_department", i.department],
        ["p_region", i.region],
        ["p_legal_basis", i.legal_basis],
        ["p_conditions", i.conditions],
        ["p_legal_limit", days(i.legal_limit_days, i.limit_unit)],
        ["p_promised_limit", days(i.promised_limit_days, i.limit_unit)],
        ["p_version", String(i.version)],
        ["p_in_force", when(i.in_force_since)],
        ["p_fingerprint", h("span", { class: "code" }, i.content_sha256)],
      ])
    ),
    panel(
      "materials",
      t("p_materials"),
      i.materials.length ? h("ul", {}, i.materials.map((m) => h("li", {}, m))) : h("p", {}, t("p_no_materials"))
    ),
    panel(
      "fees",
      t("p_fees"),
      i.fees.length
        ? h(
            "ul",
            { class: "fees" },
            i.fees.map((f) =>
              h("li", {}, h("strong", {}, f.name), " ", t("p_yuan", { amount: f.amount }), f.basis ? h("small", { class: "basis" }, t("p_fee_basis_is", { basis: f.basis })) : null)
            )
          )
        : h("p", {}, t("p_no_fees"))
    ),
    panel(
      "process",
      t("p_process"),
      h(
        "ol",
        { class: "steps" },
        steps.map((s) =>
          h(
            "li",
            {},
            h("strong", {}, s.name), s.required ? null : ` ${t("p_optional")}`,
            h("br"),
            t("p_step_limit", { days: days(s.limit_days, i.limit_unit) }),
            s.posts?.length ? [h("br"), t("p_step_posts", { posts: s.posts.join("、") })] : null,
            s.materials?.length ? [h("br"), t("p_step_materials", { list: s.materials.join("、") })] : null
          )
        )
      ),
      transitions.length
        ? [
            h("h3", {}, t("p_transitions")),
            h(
              "ul",
              {},
              transitions.map((tr) =>
                h("li", {}, `${stepName[tr.from_step] || tr.from_step} → ${stepName[tr.to_step] || tr.to_step}（${t(tr.kind === "rollback" ? "p_rollback" : "p_forward")}）`)
              )
            ),
          ]
        : null
    ),
    i.posts?.length ? panel("posts", t("p_posts"), h("p", {}, i.posts.join("、"))) : null,
    i.discretion?.length
      ? panel(
          "discretion",
          t("p_discretion"),
          table(t("p_discretion"), [
            { label: t("p_clause"), cell: (d) => d.clause },
            { label: t("p_circumstance"), cell: (d) => d.circumstance },
            { label: t("p_fine"), cell: (d) => `${d.fine_min} – ${d.fine_max}` },
            { label: t("p_measures"), cell: (d) => (d.measures || []).join("、") || "—" },
          ], i.discretion)
        )
      : null,
    panel(
      "contact",
      t("p_contact"),
      h("p", {}, t("p_contact_about", { department: i.department })),
      h("p", { class: "actions" }, link(t("p_complain_about_dept"), ["complain", i.department_code], { class: "button" }))
    )
  );
}

// -- the progress query --------------------------------------------------------------------------

async function progressPage(main) {
  const out = h("div", { class: "progress-result", "aria-live": "polite" });
  const known = MEMORY.case || {};
  const ask = h(
    "form",
    { class: "panel-form", "aria-label": t("p_progress"), "data-draft": "progress" },
    field(t("p_case_no"), "case_no", { required: true, value: known.case_no || "", attrs: { maxlength: 128, autocomplete: "off" } }),
    field(t("p_check_code"), "check_code", {
      required: true,
      value: known.check_code || "",
      hint: t("p_check_code_hint"),
      attrs: { maxlength: 32, autocomplete: "off" },
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("p_query")))
  );
  const look = async (case_no, check_code) => {
    clear(out, h("p", {}, t("loading")));
    MEMORY.failed = null;
    try {
      const p = await api("/public/progress", { query: { case_no, check_code } });
      MEMORY.case = { case_no, check_code, progress: p };
      clear(out, progressView(p));
    } catch (e) {
      MEMORY.case = null;
      MEMORY.failed = e;
      clear(out, failure(labelled(e, { case_no: t("p_case_no"), check_code: t("p_check_code") })));
    }
  };
  ask.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(ask));
    look(v.case_no.trim(), v.check_code.trim());
  });
  clear(main, h("h1", {}, t("p_progress")), ask, out);
  // After a language switch, the answer is shown again in the other language.
  if (MEMORY.failed) clear(out, failure(labelled(MEMORY.failed, { case_no: t("p_case_no"), check_code: t("p_check_code") })));
  else if (known.progress) clear(out, progressView(known.progress));
}

function progressView(p) {
  const late = (p.status === "open" || p.status === "suspended") && p.promised_due && today() > p.promised_due;
  const department = ORG.departments.find((d) => d.name === p.department);
  return h(
    "section",
    { class: "panel", "aria-labelledby": "pr" },
    h("h2", { id: "pr" }, `${t("p_case_no")} ${p.case_no}`),
    facts([
      ["p_item", p.item_name],
      ["p_department", p.department],
      ["p_status", h("strong", { class: `status status-${p.status}` }, t(`status.${p.status}`))],
      ["p_current_step", p.current_step],
      ["p_received_at", when(p.received_at)],
      ["p_accepted_at", when(p.accepted_at)],
      p.completed_at ? ["p_completed_at", when(p.completed_at)] : null,
      ["p_promised_due", late ? [p.promised_due, " ", h("strong", { class: "late" }, `⚠ ${t("p_past_promise")}`)] : p.promised_due],
      ["p_legal_due", p.legal_due],
    ]),
    h("h3", {}, t("p_steps")),
    p.steps.length
      ? h(
          "ol",
          { class: "timeline", "aria-label": t("p_steps") },
          p.steps.map((s) => {
            const action = ACTIONS.has(s.action) ? t(`action.${s.action}`) : s.action;
            const same = lang() === "zh" && action === s.step;
            return h(
              "li",
              {},
              h("strong", {}, when(s.at)), " ",
              same ? action : [h("span", { class: "tag", lang: "zh-CN" }, s.step), " ", action]
            );
          })
        )
      : h("p", { class: "empty" }, t("nothing")),
    h(
      "p",
      { class: "actions" },
      p.status === "completed" || p.status === "rejected" ? link(t("p_rate_this"), ["rate"], { class: "button" }) : null,
      link(t("p_complain_this"), ["complain", department ? department.code : "-", p.case_no], { class: "button quiet" })
    )
  );
}

// -- the complaint -------------------------------------------------------------------------------

async function complainPage(main, [department, caseNo]) {
  const how = radios(
    t("p_how"),
    "how",
    [["named", t("p_real_name")], ["anonymous", t("p_anonymous")]],
    { value: "named", required: true }
  );
  const hint = h("p", { class: "hint", id: "how-hint" }, t("p_real_name_hint"));
  how.append(hint);
  how.setAttribute("aria-describedby", "how-hint");
  const name = field(t("p_name"), "name", { required: true, attrs: { maxlength: 100, autocomplete: "name" } });
  const phone = field(t("p_phone"), "phone", { kind: "tel", required: true, attrs: { maxlength: 32, autocomplete: "tel" } });
  const who = h("div", { class: "who-fields" }, name, phone);
  const anonymous = () => how.querySelector("input:checked")?.value === "anonymous";
  const sync = () => {
    const a = anonymous();
    who.hidden = a;
    for (const input of who.querySelectorAll("input")) {
      input.required = !a;
      input.disabled = a;
    }
    hint.textContent = t(a ? "p_anonymous_hint" : "p_real_name_hint");
  };
  how.addEventListener("change", sync);
  const labels = {
    department_code: t("p_department"),
    case_no: t("p_case_optional"),
    content: t("p_content"),
    "complainant.name": t("p_name"),
    "complainant.phone": t("p_phone"),
    complainant: t("p_field_body"),
    "(body)": t("p_field_body"),
  };
  const node = form(
    t("p_complaint"),
    [
      field(t("p_department"), "department_code", { kind: "select", required: true, value: department && department !== "-" ? department : "", options: departmentOptions(false) }),
      field(t("p_case_optional"), "case_no", { value: caseNo || "", attrs: { maxlength: 128, autocomplete: "off" } }),
      field(t("p_content"), "content", { kind: "textarea", required: true, hint: t("p_content_hint"), attrs: { maxlength: 20000 } }),
      how,
      who,
    ],
    async (v) => {
      const body = { department_code: v.department_code, content: v.content, channel: "web", anonymous: anonymous() };
      if (v.case_no) body.case_no = v.case_no;
      if (!body.anonymous) body.complainant = { name: v.name, phone: v.phone };
      try {
        return await api("/complaints", { method: "POST", body });
      } catch (e) {
        throw labelled(e, labels);
      }
    },
    { after: (c) => complaintDone(main, c) }
  );
  node.dataset.draft = "complaint";
  sync();
  clear(main, h("h1", {}, t("p_complain")), node);
}

function complaintDone(main, c) {
  const heading = h("h2", { id: "done", tabindex: "-1" }, `✓ ${t("p_complaint_received")}`);
  clear(
    main,
    h("h1", {}, t("p_complain")),
    h(
      "section",
      { class: "panel done", "aria-labelledby": "done", role: "status" },
      heading,
      h("p", { class: "big" }, t("p_complaint_no", { no: c.complaint_no })),
      h("p", {}, t("p_keep_no")),
      h("p", {}, t("p_next_decide", { due: c.decide_due })),
      h("p", {}, t(c.anonymous ? "p_next_anonymous" : "p_next_told")),
      h("p", { class: "actions" }, h("button", { type: "button", class: "quiet", onclick: () => show({ focus: "main" }) }, t("p_another")))
    )
  );
  heading.focus();
}

// -- the rating ----------------------------------------------------------------------------------

async function ratePage(main) {
  const known = MEMORY.case || {};
  const score = radios(t("p_score"), "score", [1, 2, 3, 4, 5].map((n) => [n, t(`score.${n}`)]), { required: true, className: "scores" });
  const labels = { case_no: t("p_case_no"), check_code: t("p_check_code"), score: t("p_score"), comment: t("p_comment") };
  const node = form(
    t("p_rating"),
    [
      field(t("p_case_no"), "case_no", { required: true, value: known.case_no || "", attrs: { maxlength: 128, autocomplete: "off" } }),
      field(t("p_check_code"), "check_code", {
        required: true,
        value: known.check_code || "",
        hint: t("p_check_code_hint"),
        attrs: { maxlength: 32, autocomplete: "off" },
      }),
      score,
      field(t("p_comment"), "comment", { kind: "textarea", attrs: { maxlength: 2000 } }),
    ],
    async (v) => {
      const chosen = score.querySelector("input:checked");
      if (!chosen) throw new Error(t("p_choose_score"));
      const body = { case_no: v.case_no, check_code: v.check_code, score: Number(chosen.value), channel: "web", comment: v.comment };
      try {
        return await api("/public/ratings", { method: "POST", body });
      } catch (e) {
        throw labelled(e, labels);
      }
    },
    { after: (r) => ratingDone(main, r) }
  );
  node.dataset.draft = "rating";
  clear(main, h("h1", {}, t("p_rate")), node);
}

function ratingDone(main, r) {
  const heading = h("h2", { id: "done", tabindex: "-1" }, `✓ ${t("p_rated_title")}`);
  clear(
    main,
    h("h1", {}, t("p_rate")),
    h(
      "section",
      { class: "panel done", "aria-labelledby": "done", role: "status" },
      heading,
      h("p", {}, t("p_rated", { no: r.case_no, score: t(`score.${r.score}`) })),
      r.comment ? h("p", {}, t("p_your_comment", { comment: r.comment })) : null
    )
  );
  heading.focus();
}

// -- published results and the monthly ranking ---------------------------------------------------

async function resultsPage(main, args) {
  const f = params(args[0]);
  const root = ORG.regions.find((r) => !r.parent_code);
  const region = f.region || (root && root.code) || "";
  const month = f.month || thisMonth(-1);
  const limit = 20;
  const offset = Number(f.offset || 0);
  const go = (changes) => {
    const next = { ...f, offset: 0, ...changes };
    location.hash = "#/results/" + new URLSearchParams(Object.entries(next).filter(([, v]) => v !== "" && v !== undefined && v !== 0));
  };
  const [data, ranking] = await Promise.all([
    api("/public/results", { query: { department: f.department, limit, offset } }),
    region
      ? api("/public/evaluation", { query: { month, region } }).catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e)))
      : null,
  ]);

  const pick = h(
    "form",
    { class: "filters panel-form", "aria-label": t("p_ranking") },
    field(t("p_region"), "region", { kind: "select", value: region, options: ORG.regions.map((r) => [r.code, r.name]) }),
    field(t("p_month"), "month", { kind: "month", value: month, attrs: { max: thisMonth(0) } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("p_show")))
  );
  pick.addEventListener("submit", (e) => {
    e.preventDefault();
    go(Object.fromEntries(new FormData(pick)));
  });
  const filter = h(
    "form",
    { class: "filters panel-form", "aria-label": t("p_result_list") },
    field(t("p_department"), "department", { kind: "select", value: f.department || "", options: departmentOptions(true) }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("filter")))
  );
  filter.addEventListener("submit", (e) => {
    e.preventDefault();
    go(Object.fromEntries(new FormData(filter)));
  });

  let board;
  if (!ranking) board = h("p", { class: "empty" }, t("p_not_published", { month }));
  else {
    const levels = [...new Set(ranking.departments.map((d) => d.level))];
    board = [
      h("p", {}, t("p_published_on", { month: ranking.month, at: when(ranking.published_at) })),
      levels.map((level) =>
        table(
          t(`level.${level}`),
          [
            { label: t("p_rank"), cell: (d) => h("span", { class: "num" }, String(d.rank ?? d.published_rank)) },
            { label: t("p_department"), cell: (d) => d.name },
            {
              label: t("p_score_points"),
              cell: (d) => [h("span", { class: "num" }, d.score), d.score !== d.published_score ? ` ${t("p_at_publication", { score: d.published_score })}` : ""],
            },
          ],
          ranking.departments
            .filter((d) => d.level === level)
            .sort((a, b) => (a.rank ?? a.published_rank) - (b.rank ?? b.published_rank) || a.name.localeCompare(b.name))
        )
      ),
    ];
  }

  clear(
    main,
    h("h1", {}, t("p_results")),
    panel("ranking", t("p_ranking"), pick, board),
    panel(
      "published",
      t("p_result_list"),
      filter,
      table(t("p_result_list"), [
        { label: t("p_case_no"), cell: (r) => r.case_no },
        { label: t("p_item"), cell: (r) => r.item_name },
        { label: t("p_department"), cell: (r) => r.department },
        { label: t("p_decision"), cell: (r) => [r.result?.decision || t(`status.${r.status}`), r.result?.legal_basis ? h("small", { class: "basis" }, r.result.legal_basis) : null] },
        { label: t("p_decided_at"), cell: (r) => when(r.decided_at || r.completed_at) },
        { label: t("p_published_at"), cell: (r) => when(r.published_at) },
      ], data.results),
      pager(data.total, limit, offset, (o) => go({ offset: o }))
    )
  );
}

start();
