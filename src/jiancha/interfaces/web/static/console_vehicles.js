// The console's official vehicles (公务用车, R-MON-3): the vehicles in scope with their last fix and
// episodes, a month's mileage per vehicle and unit, and a vehicle's episodes with their signals.
// The signals themselves are handled on the console's signal page, whose subject links back here.
// See console.js for the contract: { key: { nav, render(main, args, me) } }.
import {
  addWords, api, clear, departmentName, field, goTo, h, link, params, t, table, tagged, thisMonth, when,
} from "/static/core.js";

addWords({
  vehicles: ["公务用车", "Vehicles"],
  "ve.title": ["公务用车监控", "Official vehicles"],
  "ve.list": ["车辆列表", "Vehicles"],
  "ve.vehicle_id": ["车辆编号", "Vehicle"],
  "ve.plate": ["号牌", "Plate"],
  "ve.name": ["名称", "Name"],
  "ve.unit": ["使用单位", "Unit"],
  "ve.last_fix": ["最后定位", "Last fix"],
  "ve.episodes_n": ["异常次数", "Episodes"],
  "ve.mileage": ["月度里程", "Mileage of the month"],
  "ve.month": ["月份", "Month"],
  "ve.show": ["查看", "Show"],
  "ve.km": ["里程（公里）", "Kilometres"],
  "ve.by_vehicle": ["各车辆里程", "Kilometres by vehicle"],
  "ve.by_unit": ["各单位里程", "Kilometres by unit"],
  "ve.jumps": ["剔除的异常跳点：{n} 个", "Implausible jumps left out: {n}"],
  "ve.vehicle": ["公务用车 {id}", "Official vehicle {id}"],
  "ve.episodes": ["异常用车", "Episodes"],
  "ve.kind": ["类型", "Kind"],
  "ve.start": ["开始", "Start"],
  "ve.end": ["结束", "End"],
  "ve.ongoing": ["（仍在持续）", "(going on)"],
  "ve.where": ["地点", "Where"],
  "ve.signals": ["信号", "Signals"],
  "ve.none": ["无", "none"],
  "vk.out_of_hours": ["非工作时间用车", "out of hours"],
  "vk.out_of_area": ["驶出允许区域", "out of the permitted area"],
  "vk.special_area": ["进入特殊区域", "in a special area"],
  "vk.unregistered_parking": ["未按备案地点停放", "parked at an unregistered place"],
});

function km(n) {
  return Number(n).toFixed(1);
}

async function vehicleList(main, [query]) {
  const f = params(query);
  const month = f.month || thisMonth();
  const [listed, mileage] = await Promise.all([api("/vehicles"), api("/vehicles/mileage", { query: { month } })]);
  const picker = h(
    "form",
    { class: "filters panel-form", "aria-label": t("ve.month") },
    field(t("ve.month"), "month", { kind: "month", value: month }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("ve.show")))
  );
  picker.addEventListener("submit", (e) => {
    e.preventDefault();
    goTo("vehicles", { month: new FormData(picker).get("month") });
  });
  clear(
    main,
    h("h1", {}, t("ve.title")),
    table(t("ve.list"), [
      { label: t("ve.vehicle_id"), cell: (v) => link(v.vehicle_id, ["vehicle", v.vehicle_id]) },
      { label: t("ve.plate"), cell: (v) => v.plate },
      { label: t("ve.unit"), cell: (v) => departmentName(v.department_code) },
      { label: t("ve.last_fix"), cell: (v) => when(v.last_fix_at) },
      { label: t("ve.episodes_n"), cell: (v) => String(v.episodes) },
    ], listed.vehicles),
    h(
      "section",
      { class: "panel", "aria-labelledby": "ve-mileage" },
      h("h2", { id: "ve-mileage" }, t("ve.mileage")),
      picker,
      table(t("ve.by_unit"), [
        { label: t("ve.unit"), cell: (u) => departmentName(u.department_code) },
        { label: t("ve.km"), cell: (u) => km(u.km) },
      ], mileage.units),
      table(t("ve.by_vehicle"), [
        { label: t("ve.vehicle_id"), cell: (v) => link(v.vehicle_id, ["vehicle", v.vehicle_id]) },
        { label: t("ve.plate"), cell: (v) => v.plate },
        { label: t("ve.unit"), cell: (v) => departmentName(v.department_code) },
        { label: t("ve.km"), cell: (v) => km(v.km) },
      ], mileage.vehicles),
      h("p", {}, t("ve.jumps", { n: mileage.jumps_left_out }))
    )
  );
}

function episodeSignals(rows) {
  if (!rows.length) return t("ve.none");
  return rows.flatMap((s, i) => {
    const one = link(tagged(s.colour, `${t(s.colour)} ${s.rule_id}`), ["signal", String(s.id)]);
    return i ? [" ", one] : [one];
  });
}

async function vehiclePage(main, [id]) {
  const v = await api(`/vehicles/${encodeURIComponent(id)}`);
  clear(
    main,
    h("p", {}, link(t("back"), ["vehicles"])),
    h("h1", {}, t("ve.vehicle", { id: v.plate ? `${v.plate}（${v.vehicle_id}）` : v.vehicle_id })),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("ve.unit")), h("dd", {}, departmentName(v.department_code)),
      h("dt", {}, t("ve.name")), h("dd", {}, v.name || "—"),
      h("dt", {}, t("ve.last_fix")), h("dd", {}, when(v.last_fix_at) || "—"),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "ve-episodes" },
      h("h2", { id: "ve-episodes" }, t("ve.episodes")),
      table(t("ve.episodes"), [
        { label: t("ve.kind"), cell: (e) => t(`vk.${e.kind}`) },
        { label: t("ve.start"), cell: (e) => when(e.start) },
        { label: t("ve.end"), cell: (e) => [when(e.end), e.ongoing ? ` ${t("ve.ongoing")}` : ""] },
        { label: t("ve.where"), cell: (e) => (e.values && e.values.where && e.values.where.fence_name) || e.fence_id || "—" },
        { label: t("ve.signals"), cell: (e) => episodeSignals(e.signals) },
      ], v.episodes)
    )
  );
}

export const views = {
  vehicles: { nav: "vehicles", render: vehicleList },
  vehicle: { nav: null, render: vehiclePage },
};
