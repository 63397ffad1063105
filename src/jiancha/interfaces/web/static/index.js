// The landing page: the four ways in.
import { addWords, clear, frame, h, t } from "/static/core.js";

addWords({
  console_about: ["监察机关：信号看板、办件、督办、投诉、测评与报表", "Supervision agencies: signals, cases, notices, complaints, scores and reports"],
  workbench_about: ["部门：待说明的信号和督办件，说明、整改与报告", "Departments: signals and notices to answer — explain, rectify, report"],
  screen_about: ["今日办件、信号分布与趋势，实时更新", "Today's volumes, signals and trends, live"],
  portal_about: ["权力清单、办件进度查询、投诉与满意度评价", "The power list, progress of a case, complaints and ratings"],
});

function render() {
  const main = frame("app", { onLang: render });
  const way = (area) => h("a", { href: `/${area}/` }, h("strong", {}, t(area)), t(`${area}_about`));
  clear(main, h("h1", {}, t("app")), h("div", { class: "entrances" }, ["console", "workbench", "screen", "portal"].map(way)));
}

render();
