// What every page shares: words in two languages, the API with its session, and small DOM helpers.
// Plain modules, no build step and no third-party script: the pages must run on closed networks.

const WORDS = { zh: {}, en: {} };

export function addWords(pairs) {
  // pairs: { key: ["中文", "English"] } — kept side by side so a missing translation shows in review.
  for (const [key, [zh, en]] of Object.entries(pairs)) {
    WORDS.zh[key] = zh;
    WORDS.en[key] = en;
  }
}

export function lang() {
  return localStorage.getItem("jiancha.lang") === "en" ? "en" : "zh";
}

export function t(key, vars = {}) {
  const text = WORDS[lang()][key] ?? WORDS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// A field of the API given in both languages (message_zh/message_en, title_zh/title_en).
export function both(record, field) {
  return record[`${field}_${lang()}`] || record[`${field}_zh`] || record[field] || "";
}

addWords({
  app: ["行政权力电子监察平台", "Electronic supervision of administrative power"],
  switch_lang: ["English", "中文"],
  switch_lang_label: ["Switch to English", "切换为中文"],
  sign_in: ["登录", "Sign in"],
  sign_out: ["退出", "Sign out"],
  username: ["用户名", "User name"],
  password: ["密码", "Password"],
  signed_in_as: ["当前用户：{name}", "Signed in as {name}"],
  loading: ["正在加载…", "Loading…"],
  nothing: ["暂无记录", "Nothing here"],
  error: ["出错了", "Something went wrong"],
  saved: ["已提交", "Submitted"],
  submit: ["提交", "Submit"],
  cancel: ["取消", "Cancel"],
  back: ["返回", "Back"],
  previous: ["上一页", "Previous"],
  next: ["下一页", "Next"],
  page_of: ["第 {from}–{to} 条，共 {total} 条", "{from}–{to} of {total}"],
  all: ["全部", "All"],
  filter: ["筛选", "Filter"],
  red: ["红灯", "Red"],
  yellow: ["黄灯", "Yellow"],
  green: ["绿灯", "Green"],
  home: ["首页", "Home"],
  console: ["监察控制台", "Supervisor console"],
  workbench: ["部门工作台", "Department workbench"],
  screen: ["监察大屏", "Big screen"],
  portal: ["公众服务", "Public portal"],
  skip: ["跳到主要内容", "Skip to main content"],
  wrong_area: ["此账号属于{area}。", "This account belongs to the {area}."],
  go_there: ["前往", "Go there"],
});

// -- the API -------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message_en || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || "http_" + status;
    this.zh = e.message_zh || `请求失败（${status}）`;
    this.en = e.message_en || `request failed (${status})`;
    this.problems = e.problems || [];
  }
  text() {
    const own = lang() === "en" ? this.en : this.zh;
    const each = this.problems.map(
      (p) => `${p.field ? p.field + ": " : ""}${lang() === "en" ? p.message_en : p.message_zh}`
    );
    return [own, ...each].join("\n");
  }
}

export async function api(path, { method = "GET", body, query } = {}) {
  const url = new URL("/api/v1" + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRF-Token"] = sessionStorage.getItem("jiancha.csrf") || "";
    if (body !== undefined) headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function whoAmI() {
  try {
    const me = await api("/auth/me");
    if (me.csrf_token) sessionStorage.setItem("jiancha.csrf", me.csrf_token);
    return me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signIn(username, password) {
  const signed = await api("/auth/login", { method: "POST", body: { username, password } });
  sessionStorage.setItem("jiancha.csrf", signed.csrf_token);
  return signed.user;
}

export async function signOut() {
  try {
    await api("/auth/logout", { method: "POST" });
  } finally {
    sessionStorage.removeItem("jiancha.csrf");
  }
}

// Department and region names, read once per page.
let ORGANISATION = null;
export async function organisation() {
  if (!ORGANISATION) {
    try {
      ORGANISATION = await api("/organisation");
    } catch {
      ORGANISATION = { regions: [], departments: [] };
    }
  }
  return ORGANISATION;
}
export function departmentName(code) {
  const found = ORGANISATION && ORGANISATION.departments.find((d) => d.code === code);
  return found ? found.name : code || "";
}
export function regionName(code) {
  const found = ORGANISATION && ORGANISATION.regions.find((r) => r.code === code);
  return found ? found.name : code || "";
}

// The regions an agency at `code` looks after: its own and every one below (all when code is null).
export function regionsBelow(regions, code) {
  if (!code) return regions;
  const out = [];
  const walk = (c) => {
    const r = regions.find((x) => x.code === c);
    if (r) out.push(r);
    regions.filter((x) => x.parent_code === c).forEach((x) => walk(x.code));
  };
  walk(code);
  return out;
}

// -- DOM -----------------------------------------------------------------------------------------

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// A colour light: the colour and its name (or another word), never colour alone.
export function tagged(colour, text) {
  return h("span", { class: `light light-${colour}` }, h("span", { class: "dot", "aria-hidden": "true" }), text);
}
export function light(colour) {
  return tagged(colour, t(colour));
}

// Facts as a definition list: [[wordKey, value], ...]; an empty value shows as a dash.
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v === "" || v == null ? "—" : v)]));
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const pad = (n) => String(n).padStart(2, "0");
  // Times are shown in China's time, wherever the browser is.
  const local = new Date(d.getTime() + (480 + d.getTimezoneOffset()) * 60000);
  return `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())} ${pad(local.getHours())}:${pad(local.getMinutes())}`;
}

export function today() {
  return when(new Date().toISOString()).slice(0, 10);
}

export function thisMonth(offset = 0) {
  const [y, m] = today().split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

// A table with a caption and column headers; columns: [{ label, cell(row) }].
export function table(caption, columns, rows, { empty } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty || t("nothing"));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", {}, c.cell(r))))))
    )
  );
}

let fieldCount = 0;
// A labelled field. kind: text | password | number | date | month | textarea | select | checkbox.
export function field(label, name, { kind = "text", value = "", options, required, hint, attrs = {} } = {}) {
  const id = `f-${name}-${++fieldCount}`;
  let input;
  if (kind === "textarea") input = h("textarea", { id, name, required, rows: 4, ...attrs }, value);
  else if (kind === "select")
    input = h(
      "select",
      { id, name, required, ...attrs },
      options.map(([v, text]) => h("option", { value: v, selected: String(v) === String(value) }, text))
    );
  else if (kind === "checkbox") input = h("input", { id, name, type: "checkbox", checked: !!value, ...attrs });
  else input = h("input", { id, name, type: kind, value, required, ...attrs });
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: `field field-${kind}` },
    h("label", { for: id }, label, required ? h("span", { class: "required", "aria-hidden": "true" }, " *") : null),
    input,
    hint ? h("small", { id: hintId }, hint) : null
  );
}

// A form whose submit calls `act(values)`; its errors and success show in a live region.
export function form(title, fields, act, { submit, className, after } = {}) {
  const status = h("div", { class: "form-status", role: "status", "aria-live": "polite" });
  const node = h(
    "form",
    { class: className || "panel-form", "aria-label": title },
    title ? h("h3", {}, title) : null,
    fields,
    h("div", { class: "actions" }, h("button", { type: "submit" }, submit || t("submit"))),
    status
  );
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const el of node.elements) {
      if (!el.name || (el.type === "radio" && !el.checked)) continue;
      values[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
    }
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    clear(status);
    status.className = "form-status";
    try {
      const result = await act(values);
      status.textContent = t("saved");
      status.classList.add("ok");
      if (after) await after(result);
    } catch (e) {
      status.setAttribute("role", "alert");
      status.classList.add("bad");
      status.textContent = e instanceof ApiError ? e.text() : String(e);
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

export function failure(e) {
  return h("p", { class: "error", role: "alert" }, e instanceof ApiError ? e.text() : String(e));
}

// The page frame: a skip link, a header with the page's name, the language switch and the user.
export function frame(area, { me, nav = [], onLang, onSignOut } = {}) {
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
  document.title = `${t(area)} · ${t("app")}`;
  const main = h("main", { id: "main", tabindex: "-1" });
  const header = h(
    "header",
    { class: "top" },
    // The skip link moves the focus only: the pages route by the hash, which it must not change.
    h("a", { class: "skip", href: "#main", onclick: (e) => (e.preventDefault(), main.focus()) }, t("skip")),
    h("a", { class: "brand", href: "/" }, h("strong", {}, "监察"), " ", h("span", {}, t(area))),
    nav.length ? h("nav", { "aria-label": t(area) }, h("ul", {}, nav.map((n) => h("li", {}, n)))) : null,
    h(
      "div",
      { class: "who" },
      me ? h("span", { class: "user" }, t("signed_in_as", { name: me.display_name })) : null,
      h(
        "button",
        {
          type: "button",
          class: "lang",
          lang: lang() === "en" ? "zh-CN" : "en",
          "aria-label": t("switch_lang_label"),
          onclick: () => {
            localStorage.setItem("jiancha.lang", lang() === "en" ? "zh" : "en");
            onLang ? onLang() : location.reload();
          },
        },
        t("switch_lang")
      ),
      me && onSignOut ? h("button", { type: "button", class: "quiet", onclick: onSignOut }, t("sign_out")) : null
    )
  );
  clear(document.body, header, main);
  return main;
}

// The sign-in form of the console and the workbench.
export function signInForm(main, onDone) {
  clear(
    main,
    h(
      "section",
      { class: "sign-in" },
      h("h1", {}, t("sign_in")),
      form(
        "",
        [
          field(t("username"), "username", { required: true, attrs: { autocomplete: "username" } }),
          field(t("password"), "password", {
            kind: "password",
            required: true,
            attrs: { autocomplete: "current-password" },
          }),
        ],
        (v) => signIn(v.username, v.password),
        { submit: t("sign_in"), after: onDone }
      )
    )
  );
  main.querySelector("input").focus();
}

// Routing by the address's hash: "#/case/ABC" → ["case", "ABC"].
export function route() {
  return location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent).filter(Boolean);
}

// A view's filters live in the hash after its key ("#/signals/colour=red&state=open").
export function params(arg) {
  return Object.fromEntries(new URLSearchParams(arg || ""));
}
export function goTo(key, values) {
  const kept = Object.entries(values).filter(([, v]) => v !== "" && v !== undefined && v !== null);
  location.hash = `#/${key}/` + new URLSearchParams(kept);
}

export function link(text, hash, attrs = {}) {
  return h("a", { href: "#/" + hash.map(encodeURIComponent).join("/"), ...attrs }, text);
}

export function pager(total, limit, offset, go) {
  if (total <= limit) return null;
  return h(
    "nav",
    { class: "pager", "aria-label": t("page_of", { from: offset + 1, to: Math.min(total, offset + limit), total }) },
    h("button", { type: "button", disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, t("previous")),
    h("span", {}, t("page_of", { from: offset + 1, to: Math.min(total, offset + limit), total })),
    h("button", { type: "button", disabled: offset + limit >= total, onclick: () => go(offset + limit) }, t("next"))
  );
}
