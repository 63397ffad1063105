"""The Shenzhen 2007 and Sichuan 2014 packs account for every numbered case of their articles
(SPEC R-SIG-4): each is a rule or is listed as not machine-checkable, with the colour the article
gives (R-SIG-1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.domain.rules.model import Colour
from jiancha.domain.rules.pack import Pack
from jiancha.services.packs import load

SHENZHEN = "深府〔2007〕32号"
SICHUAN = "四川省行政权力依法规范公开运行电子监察管理办法（试行）"

# 深府〔2007〕32号: 第十条 (到期日绿色预警), 第十一条 ten yellow cases, 第十二条 eleven red cases.
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]
SHENZHEN_ITEMS: list[tuple[str, str]] = [
    ("第十条", ""),
    *[("第十一条", f"第（{n}）项") for n in NUMERALS[:10]],
    *[("第十二条", f"第（{n}）项") for n in NUMERALS[:11]],
]
SHENZHEN_COLOUR = {"第十条": Colour.green, "第十一条": Colour.yellow, "第十二条": Colour.red}

# Sichuan 2014 第十条: （一）事前信息公开 1-3, （二）运行过程 1-9, （三）事后监察.
SICHUAN_ITEMS: list[str] = [
    *[f"第十条第（一）项第{n}目" for n in range(1, 4)],
    *[f"第十条第（二）项第{n}目" for n in range(1, 10)],
    "第十条第（三）项",
]


def articles(pack: Pack) -> tuple[set[str], set[str]]:
    return {r.article for r in pack.rules}, {n.article for n in pack.not_checkable}


def test_the_item_lists_are_as_long_as_the_articles() -> None:
    assert sum(a == "第十一条" for a, _ in SHENZHEN_ITEMS) == 10
    assert sum(a == "第十二条" for a, _ in SHENZHEN_ITEMS) == 11
    assert len(SICHUAN_ITEMS) == 13


@pytest.mark.parametrize(("article", "item"), SHENZHEN_ITEMS)
def test_every_shenzhen_case_is_a_rule_or_not_checkable(article: str, item: str) -> None:
    ruled, unchecked = articles(load("shenzhen-2007"))
    name = f"{SHENZHEN} {article}{item}"
    assert name in ruled or name in unchecked, name


@pytest.mark.parametrize("item", SICHUAN_ITEMS)
def test_every_sichuan_point_is_a_rule_or_not_checkable(item: str) -> None:
    ruled, unchecked = articles(load("sichuan-2014"))
    name = f"{SICHUAN} {item}"
    assert name in ruled or name in unchecked, name


@pytest.mark.parametrize(
    ("pack", "names"),
    [
        ("shenzhen-2007", {f"{SHENZHEN} {a}{i}" for a, i in SHENZHEN_ITEMS}),
        ("sichuan-2014", {f"{SICHUAN} {i}" for i in SICHUAN_ITEMS}),
    ],
)
def test_each_article_is_either_ruled_or_not_and_nothing_else(pack: str, names: set[str]) -> None:
    ruled, unchecked = articles(load(pack))
    assert ruled | unchecked == names
    assert not ruled & unchecked
    assert len(unchecked) == len(load(pack).not_checkable)


def test_shenzhen_colours_follow_the_article() -> None:
    for rule in load("shenzhen-2007").rules:
        article = rule.article.removeprefix(f"{SHENZHEN} ").split("第（")[0]
        assert rule.colour is SHENZHEN_COLOUR[article], rule.id


def test_sichuan_colours_are_yellow_or_red_and_time_limits_escalate() -> None:
    rules = {r.id: r for r in load("sichuan-2014").rules}
    assert {r.colour for r in rules.values()} <= {Colour.yellow, Colour.red}
    assert rules["SC-10-2-3-WARN"].colour is Colour.yellow
    assert rules["SC-10-2-3-LEGAL"].colour is Colour.red
    assert rules["SC-10-2-5-MISSING"].colour is Colour.yellow
    assert rules["SC-10-2-5-CHANGED"].colour is Colour.red


@pytest.mark.parametrize("pack", ["shenzhen-2007", "sichuan-2014"])
def test_not_checkable_entries_give_a_reason_in_both_languages(pack: str) -> None:
    for entry in load(pack).not_checkable:
        assert entry.reason_zh.strip() and entry.reason_en.strip(), entry.article


@pytest.mark.parametrize("pack", ["shenzhen-2007", "sichuan-2014"])
def test_the_pack_guide_lists_every_rule(pack: str) -> None:
    guide = (Path(__file__).parents[1] / "docs" / "packs.md").read_text(encoding="utf-8")
    for rule in load(pack).rules:
        assert f"`{rule.id}`" in guide, rule.id


@pytest.mark.parametrize(
    ("section", "rows"),
    [
        ("shenzhen-2007", [f"| {a}{i} |" for a, i in SHENZHEN_ITEMS]),
        ("sichuan-2014", [f"| {i} |" for i in SICHUAN_ITEMS]),
    ],
)
def test_the_pack_guide_has_a_row_for_every_article(section: str, rows: list[str]) -> None:
    guide = (Path(__file__).parents[1] / "docs" / "packs.md").read_text(encoding="utf-8")
    table = guide.split(f"## `{section}`", 1)[1].split("\n## ", 1)[0]
    for row in rows:
        assert row in table, row
