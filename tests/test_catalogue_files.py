"""Import and export of the power catalogue as xlsx, CSV and JSON (R-CAT-1..4)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jiancha.domain.catalogue import (
    ChangeKind,
    DiscretionBenchmark,
    Fee,
    ItemType,
    LimitUnit,
    PowerItem,
    ProcessDefinition,
    Step,
    Transition,
    TransitionKind,
)
from jiancha.domain.errors import Rejected
from jiancha.interfaces.files.catalogue_files import (
    CSV_COLUMNS,
    TABLES,
    CatalogueFormat,
    detect_format,
    read_catalogue,
    write_catalogue,
)

NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
FORMATS: tuple[CatalogueFormat, ...] = ("xlsx", "csv", "json")


def licence_item() -> PowerItem:
    steps = [
        Step(code="accept", name="受理", order=1, limit_days=1, posts=("窗口受理岗",), materials=("申请书",)),
        Step(code="review", name="审查", order=2, limit_days=10, posts=("审查岗", "复核岗")),
        Step(code="decide", name="决定", order=3, limit_days=5, posts=("分管领导",)),
        Step(code="certify", name="制证", order=4, limit_days=2, required=False),
        Step(code="deliver", name="送达", order=5, materials=("送达回证",)),
    ]
    return PowerItem(
        code="XK-0001",
        name="食品经营许可",
        item_type=ItemType.licence,
        department_code="SCJG",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        conditions="有与经营的食品品种、数量相适应的经营场所",
        materials=("食品经营许可申请书", "营业执照复印件", "=附件清单"),
        fees=(
            Fee(name="工本费", amount=Decimal("10.50"), basis="国家发展改革委文件"),
            Fee(name="加急费", amount=Decimal("0")),
        ),
        legal_limit_days=20,
        promised_limit_days=10,
        process=ProcessDefinition(
            steps=tuple(steps),
            transitions=(Transition(from_step="review", to_step="accept", kind=TransitionKind.rollback),),
        ),
        posts=("窗口受理岗", "审查岗"),
    )


def penalty_item() -> PowerItem:
    names = [
        ("register", "立案"),
        ("investigate", "调查取证"),
        ("inform", "告知"),
        ("hearing", "听证"),
        ("decide", "决定"),
        ("serve", "送达"),
        ("execute", "执行"),
        ("close", "结案"),
    ]
    steps = tuple(
        Step(
            code=code,
            name=name,
            order=i,
            limit_days=7 if code != "execute" else None,
            required=code != "hearing",
        )
        for i, (code, name) in enumerate(names, start=1)
    )
    return PowerItem(
        code="CF-0001",
        name="对未取得食品经营许可从事食品经营活动的处罚",
        item_type=ItemType.penalty,
        department_code="SCJG",
        legal_basis="《中华人民共和国食品安全法》第一百二十二条",
        legal_limit_days=90,
        promised_limit_days=90,
        limit_unit=LimitUnit.calendar,
        process=ProcessDefinition(steps=steps),
        posts=("执法岗",),
        discretion=(
            DiscretionBenchmark(
                clause="第一百二十二条第一款",
                circumstance="轻微：货值金额不足一万元",
                fine_min=Decimal("50000"),
                fine_max=Decimal("70000"),
                measures=("没收违法所得", "没收违法经营的食品"),
            ),
            DiscretionBenchmark(
                clause="第一百二十二条第一款",
                circumstance="严重：货值金额一万元以上",
                fine_min=Decimal("100000.00"),
                fine_max=Decimal("200000.00"),
                measures=("没收违法所得",),
            ),
        ),
        public=False,
    )


SAMPLE = [licence_item(), penalty_item()]


def csv_bytes(rows: list[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rejected(data: bytes, fmt: CatalogueFormat) -> Rejected:
    with pytest.raises(Rejected) as caught:
        read_catalogue(data, fmt, now=NOW)
    return caught.value


def where(error: Rejected) -> set[tuple[str | None, int | None, str]]:
    return {(p.sheet, p.index, p.field) for p in error.problems}


ITEM = {
    "name": "事项",
    "item_type": "licence",
    "department_code": "D1",
    "legal_basis": "某法",
    "legal_limit_days": "20",
    "promised_limit_days": "10",
}


# ---- format detection and round trips ----


def test_detect_format_by_extension() -> None:
    assert detect_format("清单.XLSX") == "xlsx"
    assert detect_format("catalogue.csv") == "csv"
    assert detect_format("a.b.json") == "json"
    with pytest.raises(Rejected) as caught:
        detect_format("catalogue.xls")
    assert caught.value.code == "unknown_format"


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_a_realistic_catalogue(fmt: CatalogueFormat) -> None:
    changes = read_catalogue(write_catalogue(SAMPLE, fmt), fmt, now=NOW, changed_by="张三")
    assert [c.item for c in changes] == SAMPLE
    assert {c.kind for c in changes} == {ChangeKind.add}
    assert all(c.effective_from == NOW and c.changed_by == "张三" for c in changes)


def test_csv_export_has_a_bom_and_the_fixed_columns() -> None:
    data = write_catalogue(SAMPLE, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["table"] for r in rows].count("steps") == 13
    assert rows[0]["item_type"] == "licence"
    assert rows[0]["materials"] == "食品经营许可申请书;营业执照复印件;=附件清单"


def test_xlsx_export_has_one_sheet_per_table_and_text_stays_text() -> None:
    workbook = load_workbook(io.BytesIO(write_catalogue(SAMPLE, "xlsx")))
    assert workbook.sheetnames == list(TABLES)
    items = workbook["items"]
    assert [c.value for c in items[1]] == list(TABLES["items"])
    assert items["G2"].data_type == "s"  # "=附件清单" is not written as a formula
    assert workbook["fees"]["C2"].value == Decimal("10.50")


def test_json_export_is_readable_chinese_with_amounts_as_strings() -> None:
    text = write_catalogue(SAMPLE, "json").decode("utf-8")
    doc = json.loads(text)
    assert doc["format"] == "jiancha-catalogue" and doc["version"] == 1
    assert "食品经营许可" in text
    assert doc["items"][0]["fees"][0]["amount"] == "10.50"


def test_a_list_entry_with_a_separator_cannot_be_written_to_a_table() -> None:
    item = licence_item().model_copy(update={"posts": ("甲;乙",)})
    with pytest.raises(Rejected) as caught:
        write_catalogue([item], "csv")
    assert caught.value.code == "not_exportable"
    assert json.loads(write_catalogue([item], "json"))["items"][0]["posts"] == ["甲;乙"]


# A modest strategy: a few items of a few steps each, text without list separators.
ALPHABET = "abcXYZ019 =-_.,许可审批事项办理（）"
codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
texts = st.text(ALPHABET, min_size=1, max_size=10).map(str.strip).filter(bool)
amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


@st.composite
def power_items(draw: st.DrawFn) -> list[PowerItem]:
    items = []
    for code in draw(st.lists(codes, min_size=1, max_size=3, unique=True)):
        step_codes = draw(st.lists(codes, min_size=1, max_size=4, unique=True))
        orders = draw(
            st.lists(st.integers(1, 99), min_size=len(step_codes), max_size=len(step_codes), unique=True)
        )
        steps = tuple(
            Step(
                code=c,
                name=draw(texts),
                order=o,
                limit_days=draw(st.none() | st.integers(0, 3650)),
                posts=tuple(draw(st.lists(texts, max_size=2))),
                materials=tuple(draw(st.lists(texts, max_size=2))),
                required=draw(st.booleans()),
            )
            for c, o in zip(step_codes, orders, strict=True)
        )
        pick = st.sampled_from(step_codes)
        transitions = draw(st.lists(st.builds(Transition, from_step=pick, to_step=pick), max_size=2))
        fees = draw(
            st.lists(st.builds(Fee, name=texts, amount=amounts, basis=st.just("") | texts), max_size=2)
        )
        bounds = draw(st.lists(st.tuples(amounts, amounts).map(sorted), max_size=2))
        discretion = [
            DiscretionBenchmark(
                clause=draw(texts),
                circumstance=draw(texts),
                fine_min=low,
                fine_max=high,
                measures=tuple(draw(st.lists(texts, max_size=2))),
            )
            for low, high in bounds
        ]
        legal = draw(st.integers(0, 3650))
        items.append(
            PowerItem(
                code=code,
                name=draw(texts),
                item_type=draw(st.sampled_from(ItemType)),
                department_code=draw(codes),
                legal_basis=draw(texts),
                conditions=draw(st.just("") | texts),
                materials=tuple(draw(st.lists(texts, max_size=3))),
                fees=tuple(fees),
                legal_limit_days=legal,
                promised_limit_days=draw(st.integers(0, legal)),
                limit_unit=draw(st.sampled_from(LimitUnit)),
                process=ProcessDefinition(steps=steps, transitions=tuple(transitions)),
                posts=tuple(draw(st.lists(texts, max_size=2))),
                discretion=tuple(discretion),
                public=draw(st.booleans()),
            )
        )
    return items


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=power_items(), fmt=st.sampled_from(FORMATS))
def test_round_trip_of_generated_items(items: list[PowerItem], fmt: CatalogueFormat) -> None:
    changes = read_catalogue(write_catalogue(items, fmt), fmt, now=NOW)
    assert [c.kind for c in changes] == [ChangeKind.add] * len(items)
    assert [c.item for c in changes] == items


# ---- rejection: the whole file, every bad row ----


def test_a_csv_with_three_bad_rows_is_rejected_with_all_three() -> None:
    data = csv_bytes(
        [
            {"table": "items", "code": "A", **ITEM, "legal_limit_days": "二十"},
            {"table": "steps", "item_code": "A", "order": "1", "code": "s1", "name": "受理"},
            {"table": "items", "code": "B", **ITEM, "promised_limit_days": "30"},
            {"table": "steps", "item_code": "B", "order": "1", "code": "s1", "name": "受理"},
            {"table": "steps", "item_code": "GHOST", "order": "1", "code": "s1", "name": "受理"},
        ]
    )
    error = rejected(data, "csv")
    assert error.code == "catalogue_rejected"
    assert where(error) == {
        ("items", 2, "legal_limit_days"),
        ("items", 4, "promised_limit_days"),
        ("steps", 6, "item_code"),
    }
    by_row = {p.index: p for p in error.problems}
    assert by_row[2].message_zh == "应为整数"
    assert by_row[4].message_zh == "承诺时限超过法定时限"
    assert "GHOST" in by_row[6].message_en and "GHOST" in by_row[6].message_zh


def test_an_xlsx_with_three_bad_rows_is_rejected_with_all_three() -> None:
    item_columns = ["code", *ITEM]
    step_columns = ["item_code", "order", "code", "name"]
    data = xlsx_bytes(
        {
            "items": [
                item_columns,
                ["A", "事项", "licence", "D1", "某法", "二十", 10],
                ["B", "事项", "licence", "D1", "某法", 20, 30],
                [],  # a blank row is skipped but still counted
                ["C", "事项", "licence", "D1", "某法", 20, 10],
            ],
            "steps": [
                step_columns,
                ["A", 1, "s1", "受理"],
                ["B", 1, "s1", "受理"],
                ["GHOST", 1, "s1", "受理"],
                ["C", "first", "s1", "受理"],
            ],
        }
    )
    assert where(rejected(data, "xlsx")) == {
        ("items", 2, "legal_limit_days"),
        ("items", 3, "promised_limit_days"),
        ("steps", 4, "item_code"),
        ("steps", 5, "order"),
    }


def test_structural_errors_are_reported() -> None:
    data = csv_bytes(
        [
            {"table": "items", "code": "A", **ITEM},
            {"table": "items", "code": "A", **ITEM},  # duplicate code
            {"table": "items", "code": "B", **ITEM},  # no steps
            {"table": "steps", "item_code": "A", "order": "1", "code": "s1", "name": "受理"},
            {"table": "fees", "item_code": "A", "name": "工本费", "amount": "十元"},
            {"table": "transitions", "item_code": "A", "from_step": "s1", "to_step": "s9"},
            {"table": "wat", "code": "X"},
        ]
    )
    error = rejected(data, "csv")
    assert where(error) == {
        ("items", 3, "code"),
        ("items", 4, "steps"),
        ("fees", 6, "amount"),
        (None, 8, "table"),
    }
    assert {p.code for p in error.problems} >= {"duplicate_code", "no_steps", "unknown_table"}


def test_a_transition_to_an_unknown_step_is_reported_on_the_item() -> None:
    data = csv_bytes(
        [
            {"table": "items", "code": "A", **ITEM},
            {"table": "steps", "item_code": "A", "order": "1", "code": "s1", "name": "受理"},
            {"table": "transitions", "item_code": "A", "from_step": "s1", "to_step": "s9"},
        ]
    )
    (problem,) = rejected(data, "csv").problems
    assert (problem.sheet, problem.index, problem.field) == ("items", 2, "process")
    assert "s9" in problem.message_zh


def test_a_missing_required_column_is_reported_on_the_header_row() -> None:
    columns = tuple(c for c in CSV_COLUMNS if c != "legal_basis")
    data = csv_bytes([{"table": "items", "code": "A", "name": "x"}], columns)
    error = rejected(data, "csv")
    assert ("items", 1, "legal_basis") in where(error)
    assert any("设定依据" in p.message_zh for p in error.problems)


def test_a_workbook_without_a_steps_sheet_or_with_an_unknown_column_is_rejected() -> None:
    data = xlsx_bytes({"items": [["code", *ITEM, "备注"], ["A", *ITEM.values(), "x"]]})
    assert where(rejected(data, "xlsx")) == {("steps", None, "(sheet)"), ("items", 1, "备注")}


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(b"not a zip", "xlsx"), (b"table,code\n\xff\xfe,x\n", "csv"), (b'{"format": ', "json")],
)
def test_an_unreadable_file_is_rejected(data: bytes, fmt: CatalogueFormat) -> None:
    assert rejected(data, fmt).code == "unreadable_file"


def test_json_problems_name_the_position_and_the_pydantic_path() -> None:
    doc = json.loads(write_catalogue(SAMPLE, "json"))
    doc["items"][0]["process"]["steps"][1]["code"] = "bad code"
    doc["items"][1]["legal_limit_days"] = "ninety"
    doc["items"].append({**doc["items"][0], "change": "merge"})  # duplicate code
    doc["items"].append(42)
    error = rejected(json.dumps(doc).encode(), "json")
    assert where(error) == {
        ("items", 1, "process.steps[1].code"),
        ("items", 2, "legal_limit_days"),
        ("items", 3, "code"),
        ("items", 4, "(item)"),
    }


def test_a_json_document_of_another_kind_is_rejected() -> None:
    error = rejected(json.dumps({"format": "other", "items": []}).encode(), "json")
    assert where(error) == {(None, None, "format")}


# ---- what imports ----


def test_chinese_headers_type_labels_and_words_import() -> None:
    header = ["表名", "事项编码", "事项名称", "事项类型", "实施部门", "设定依据", "法定时限",
              "承诺时限", "时限单位", "是否公开", "变更类型", "顺序", "环节编码", "环节名称", "必经",
              "责任岗位"]  # fmt: skip
    rows = [
        ["事项", "XK-1", "食品经营许可", "行政许可", "SCJG", "食品安全法", "20", "10", "自然日", "否", "新增",
         "", "", "", "", "窗口岗；审查岗"],
        ["环节", "XK-1", "", "", "", "", "", "", "", "", "", "1", "s1", "受理", "是", ""],
        ["环节", "XK-1", "", "", "", "", "", "", "", "", "", "2", "s2", "审查", "否", ""],
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    (change,) = read_catalogue(out.getvalue().encode("utf-8-sig"), "csv", now=NOW)
    item = change.item
    assert change.kind is ChangeKind.add and item is not None
    assert item.item_type is ItemType.licence and item.limit_unit is LimitUnit.calendar
    assert item.public is False and item.posts == ("窗口岗", "审查岗")
    assert [(s.code, s.required) for s in item.process.steps] == [("s1", True), ("s2", False)]


def test_chinese_sheet_names_import_from_xlsx() -> None:
    data = xlsx_bytes(
        {
            "说明": [["本工作簿由某局填写"]],  # a sheet of notes is left alone
            "事项": [["事项编码", "事项名称", "事项类型", "实施部门", "设定依据", "法定时限", "承诺时限"],
                     ["CF-1", "处罚", "行政处罚", "ZF", "某法", 60, 30]],
            "环节": [["事项编码", "顺序", "环节编码", "环节名称", "环节时限"],
                     ["CF-1", 1, "register", "立案", 5]],
            "裁量基准": [["事项编码", "法律条款", "情节", "罚款下限", "罚款上限", "处罚措施"],
                         ["CF-1", "第十条", "轻微", 0, 1000.5, "警告；没收"]],
        }
    )  # fmt: skip
    (change,) = read_catalogue(data, "xlsx", now=NOW)
    assert change.item is not None
    assert change.item.item_type is ItemType.penalty
    assert change.item.process.steps[0].limit_days == 5
    assert change.item.discretion[0].fine_max == Decimal("1000.50")
    assert change.item.discretion[0].measures == ("警告", "没收")


def test_a_suspend_row_imports_without_an_item() -> None:
    columns = ("table", "code", "change", "effective_from", "reason")
    data = csv_bytes(
        [{"table": "items", "code": "XK-0001", "change": "suspend", "effective_from": "2024-08-01",
          "reason": "法律修订"}],
        columns,
    )  # fmt: skip
    (change,) = read_catalogue(data, "csv", now=NOW, changed_by="李四")
    assert change.kind is ChangeKind.suspend and change.item is None
    assert change.code == "XK-0001" and change.reason == "法律修订" and change.changed_by == "李四"
    # a naive date is Asia/Shanghai midnight
    assert change.effective_from == datetime(2024, 7, 31, 16, 0, tzinfo=UTC)


def test_change_rows_mix_with_additions_and_need_their_own_fields_only() -> None:
    data = csv_bytes(
        [
            {"table": "items", "code": "A", **ITEM, "effective_from": "2024-09-01T08:30:00+08:00"},
            {"table": "steps", "item_code": "A", "order": "1", "code": "s1", "name": "受理"},
            {"table": "items", "code": "OLD", "change": "merge", "merged_into": "A", "name": "ignored"},
            {"table": "items", "code": "GONE", "change": "删除"},
        ]
    )
    changes = read_catalogue(data, "csv", now=NOW)
    assert [(c.kind, c.code, c.item is None) for c in changes] == [
        (ChangeKind.add, "A", False),
        (ChangeKind.merge, "OLD", True),
        (ChangeKind.delete, "GONE", True),
    ]
    assert changes[0].effective_from == datetime(2024, 9, 1, 0, 30, tzinfo=UTC)
    assert changes[1].merged_into == "A"
    assert changes[2].effective_from == NOW


def test_bad_change_rows_are_reported() -> None:
    data = csv_bytes(
        [
            {"table": "items", "code": "A", "change": "merge"},  # merged_into missing
            {"table": "items", "code": "B", "change": "rename"},
            {"table": "items", "code": "C", "change": "cancel", "effective_from": "next week"},
        ]
    )
    assert where(rejected(data, "csv")) == {
        ("items", 2, "merged_into"),
        ("items", 3, "change"),
        ("items", 4, "effective_from"),
    }


def test_json_change_entries_import() -> None:
    doc = json.loads(write_catalogue([licence_item()], "json"))
    doc["items"][0] |= {"change": "change", "reason": "时限压缩", "effective_from": "2024-07-02 09:00"}
    doc["items"].append({"code": "CF-0001", "change": "resume"})
    first, second = read_catalogue(json.dumps(doc, ensure_ascii=False).encode(), "json", now=NOW)
    assert first.kind is ChangeKind.change and first.item == licence_item() and first.reason == "时限压缩"
    assert first.effective_from == datetime(2024, 7, 2, 1, 0, tzinfo=UTC)
    assert second.kind is ChangeKind.resume and second.item is None and second.effective_from == NOW
