// The big screen (大屏, R-REP-2), made for a 1920×1080 display in a supervision hall: today's cases,
// the signals still waiting by colour and by department, the last fortnight and the latest signals.
// The figures come as Server-Sent Events (/api/v1/screen/stream), sent again whenever they change,
// so the screen stays current without a reload; EventSource reconnects by itself after a break.
import { ApiError, addWords, api, clear, failure, frame, h, lang, light, signInForm, signOut, t, when, whoAmI } from "/static/core.js";

addWords({
  today_received: ["今日受理", "Received today"],
  today_completed: ["今日办结", "Completed today"],
  unresolved_signals: ["待处理信号", "unresolved"],
  by_department: ["各部门待处理信号", "Unresolved signals by department"],
  department_figures: ["{name}：红灯 {red}，黄灯 {yellow}，绿灯 {green}", "{name}: red {red}, yellow {yellow}, green {green}"],
  figures_short: ["红 {red} · 黄 {yellow} · 绿 {green}", "R {red} · Y {yellow} · G {green}"],
  more_departments: ["另有 {n} 个部门未列出", "{n} more departments not shown"],
  no_unresolved: ["暂无待处理信号", "No unresolved signals"],
  trend: ["近 {n} 天趋势", "The last {n} days"],
  trend_cases: ["办件量", "Cases"],
  trend_signals: ["新增信号", "Signals raised"],
  received: ["受理", "Received"],
  completed: ["办结", "Completed"],
  trend_cases_summary: ["近 {n} 天共受理 {received} 件，办结 {completed} 件", "{received} received and {completed} completed in {n} days"],
  trend_signals_summary: ["近 {n} 天新增红灯 {red}，黄灯 {yellow}，绿灯 {green}", "{red} red, {yellow} yellow and {green} green raised in {n} days"],
  latest: ["最新信号", "Latest signals"],
  no_signals: ["暂无信号", "No signals yet"],
  no_case: ["—", "—"],
  clock: ["当前时间", "Time now"],
  as_of: ["数据截至 {time}", "Figures as of {time}"],
  live: ["实时更新", "Live"],
  connecting: ["正在连接…", "Connecting…"],
  reconnecting: ["连接中断，正在重新连接…", "Connection lost — reconnecting…"],
});

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["red", "yellow", "green"];
const MAX_BARS = 20; // what fits the department panel at 1080 lines; the rest is counted below it

let ME = null;
let MAIN = null;
let LAST = null; // the latest snapshot, painted again when the language switches
let source = null;
let renewing = false; // the server ended the stream on purpose (event `renew`): not a failure
let state = "connecting";
let ticking = null;

// -- starting, signing in, the stream --------------------------------------------------------------

async function start() {
  ME = await whoAmI();
  if (!ME) {
    stop();
    signInForm(frame("screen", { onLang: start }), start);
    return;
  }
  layout();
  if (!source) connect();
}

function stop() {
  if (source) source.close();
  source = null;
  LAST = null;
  state = "connecting";
}

function connect() {
  const es = new EventSource("/api/v1/screen/stream");
  source = es;
  // Events of a stream closed since (signed out, replaced) are not this screen's any more.
  const on = (name, act) => es.addEventListener(name, (e) => es === source && act(e));
  showState(LAST ? "reconnecting" : "connecting");
  on("snapshot", (e) => {
    LAST = JSON.parse(e.data);
    state = "live";
    paint();
  });
  on("renew", () => {
    renewing = true;
  });
  on("open", () => {
    renewing = false;
    if (LAST) showState("live");
  });
  on("error", () => {
    if (renewing) {
      renewing = false; // the server asked for a new connection: the browser makes it at once
      return;
    }
    showState("reconnecting");
    // A refused stream is not retried by the browser: find out why, then try again ourselves.
    if (es.readyState === EventSource.CLOSED) {
      source = null;
      setTimeout(recover, LAST ? 5000 : 0); // never connected: say why at once (a user without the right)
    }
  });
}

async function recover() {
  try {
    LAST = await api("/screen");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return start(); // the session ended: sign in again
    if (e instanceof ApiError && e.status === 403) return clear(MAIN, failure(e)); // not for this user
    setTimeout(recover, 5000); // the platform is still out of reach
    return;
  }
  paint();
  connect();
}

// -- the screen ---------------------------------------------------------------------------------------

// The frame once (the header's buttons keep their focus while the figures change), then the figures.
function layout() {
  MAIN = frame("screen", {
    me: ME,
    onLang: () => {
      layout();
      if (!source) connect(); // after a refusal: ask again, to say why in the new language
    },
    onSignOut: async () => {
      stop();
      await signOut();
      start();
    },
  });
  paint();
}

function paint() {
  if (!LAST) {
    clear(MAIN, h("p", { class: "screen-wait" }, t("loading")), status());
    return;
  }
  const s = LAST;
  clear(
    MAIN,
    h(
      "div",
      { class: "screen" },
      h("h1", { class: "visually-hidden" }, t("screen")),
      h(
        "section",
        { class: "tiles", "aria-label": t("screen") },
        tile(t("today_received"), s.today.received, "today-received"),
        tile(t("today_completed"), s.today.completed, "today-completed"),
        COLOURS.map((c) => tile([light(c), " ", t("unresolved_signals")], s.unresolved[c] || 0, `unresolved-${c}`)),
        status()
      ),
      departments(s.departments),
      trend(s.trend),
      latest(s.latest)
    )
  );
  tick();
}

function tile(label, value, key) {
  const labelId = `label-${key}`;
  return h(
    "div",
    { class: `tile tile-${key}`, role: "group", "aria-labelledby": labelId },
    h("div", { class: "tile-label", id: labelId }, label),
    h("div", { class: "tile-value", "data-figure": key }, number(value))
  );
}

// The clock, when the figures were taken, and whether they are still arriving.
function status() {
  return h(
    "div",
    { class: "tile tile-status" },
    h("div", { class: "clock", "aria-label": t("clock") }, h("time", { id: "clock" }, now())),
    h("div", { class: "as-of" }, LAST ? t("as_of", { time: when(LAST.as_of).slice(11) }) : ""),
    h("div", { id: "live", class: `live live-${state}`, role: "status", "aria-live": "polite" }, t(state))
  );
}

function showState(next) {
  state = next;
  const node = document.getElementById("live");
  if (!node) return;
  node.className = `live live-${state}`;
  node.textContent = t(state);
}

function now() {
  // China's time, with seconds: `when` gives minutes.
  const d = new Date();
  const local = new Date(d.getTime() + (480 + d.getTimezoneOffset()) * 60000);
  return `${when(d.toISOString())}:${String(local.getSeconds()).padStart(2, "0")}`;
}

function tick() {
  if (ticking) return;
  ticking = setInterval(() => {
    const clock = document.getElementById("clock");
    if (clock) clock.textContent = now();
  }, 1000);
}

function number(n) {
  return Number(n || 0).toLocaleString(lang() === "en" ? "en" : "zh-CN");
}

// Unresolved signals by department: one stacked bar each, its figures written beside it.
function departments(rows) {
  const shown = rows.slice(0, MAX_BARS);
  const widest = Math.max(1, ...shown.map((r) => r.red + r.yellow + r.green));
  return h(
    "section",
    { class: "panel-screen departments", "aria-labelledby": "h-departments" },
    h("h2", { id: "h-departments" }, t("by_department")),
    legend(),
    shown.length
      ? h(
          "ol",
          { class: "bars" },
          shown.map((r) => {
            const bar = h("span", { class: "bar", "aria-hidden": "true" });
            for (const c of COLOURS) {
              if (!r[c]) continue;
              const part = h("span", { class: `part part-${c}` });
              part.style.width = `${(100 * r[c]) / widest}%`;
              bar.append(part);
            }
            return h(
              "li",
              { "aria-label": t("department_figures", { name: r.department, ...r }), "data-department": r.department_code },
              h("span", { class: "name", title: r.department }, r.department),
              h("span", { class: "track" }, bar),
              h("span", { class: "figures" }, t("figures_short", r))
            );
          })
        )
      : h("p", { class: "empty" }, t("no_unresolved")),
    rows.length > MAX_BARS ? h("p", { class: "more" }, t("more_departments", { n: rows.length - MAX_BARS })) : null
  );
}

function legend(entries = COLOURS.map((c) => [c, light(c)])) {
  return h(
    "ul",
    { class: "legend" },
    entries.map(([key, label]) => h("li", {}, h("span", { class: `swatch swatch-${key}`, "aria-hidden": "true" }), label))
  );
}

// -- the trend: two small bar charts in SVG, drawn here (no chart library on a closed network) --------

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function trend(days) {
  const n = days.length;
  const sum = (key) => days.reduce((a, d) => a + (d[key] || 0), 0);
  const totals = Object.fromEntries(["received", "completed", ...COLOURS].map((k) => [k, sum(k)]));
  return h(
    "section",
    { class: "panel-screen trend", "aria-labelledby": "h-trend" },
    h("h2", { id: "h-trend" }, t("trend", { n })),
    h(
      "div",
      { class: "charts" },
      h(
        "figure",
        {},
        h("figcaption", {}, t("trend_cases")),
        legend([["received", t("received")], ["completed", t("completed")]]),
        chart(days, [["received"], ["completed"]], t("trend_cases_summary", { n, ...totals }))
      ),
      h(
        "figure",
        {},
        h("figcaption", {}, t("trend_signals")),
        legend(),
        chart(days, [COLOURS], t("trend_signals_summary", { n, ...totals }))
      )
    )
  );
}

// Bars per day: each group of `series` side by side, the keys within a group stacked.
function chart(days, series, summary) {
  const W = 640, H = 300, left = 44, bottom = 34, top = 12;
  const plotW = W - left - 8, plotH = H - top - bottom;
  const height = (d, group) => group.reduce((a, k) => a + (d[k] || 0), 0);
  const most = Math.max(1, ...days.flatMap((d) => series.map((g) => height(d, g))));
  const step = niceStep(most);
  const ceiling = Math.ceil(most / step) * step;
  const y = (v) => top + plotH - (plotH * v) / ceiling;
  const slot = plotW / days.length;
  const barW = Math.max(4, (slot * 0.7) / series.length);
  const grid = [];
  for (let v = 0; v <= ceiling; v += step) {
    grid.push(svg("line", { x1: left, x2: W - 8, y1: y(v), y2: y(v), class: "grid" }));
    grid.push(svg("text", { x: left - 6, y: y(v) + 5, class: "axis", "text-anchor": "end" }, v));
  }
  const bars = [];
  const labels = [];
  days.forEach((d, i) => {
    const x0 = left + i * slot + (slot - barW * series.length) / 2;
    series.forEach((group, g) => {
      let base = 0;
      for (const key of group) {
        const v = d[key] || 0;
        if (!v) continue;
        bars.push(
          svg("rect", { x: x0 + g * barW, y: y(base + v), width: barW - 2, height: y(base) - y(base + v), class: `bar-${key}` })
        );
        base += v;
      }
    });
    // Every other date, and always today: fourteen labels do not fit under narrow bars.
    if ((days.length - 1 - i) % 2 === 0) {
      labels.push(svg("text", { x: left + i * slot + slot / 2, y: H - 10, class: "axis", "text-anchor": "middle" }, d.date.slice(5)));
    }
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary, class: "chart" },
    svg("title", {}, summary),
    grid,
    bars,
    labels
  );
}

function niceStep(most) {
  const rough = most / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) || power * 10;
}

// -- the latest signals ----------------------------------------------------------------------------

function latest(rows) {
  return h(
    "section",
    { class: "panel-screen latest", "aria-labelledby": "h-latest" },
    h("h2", { id: "h-latest" }, t("latest")),
    rows.length
      ? h(
          "ol",
          { class: "signals" },
          rows.map((s) =>
            h(
              "li",
              { "data-signal": s.id },
              light(s.colour),
              h("time", { datetime: s.raised_at }, when(s.raised_at).slice(5)),
              h("span", { class: "department", title: s.department }, s.department),
              h("span", { class: "case" }, s.case_no || s.subject || t("no_case")),
              h("span", { class: "message", title: lang() === "en" ? s.message_en : s.message_zh }, lang() === "en" ? s.message_en : s.message_zh)
            )
          )
        )
      : h("p", { class: "empty" }, t("no_signals"))
  );
}

start().catch((e) => clear(MAIN || document.getElementById("main") || document.body, failure(e)));
