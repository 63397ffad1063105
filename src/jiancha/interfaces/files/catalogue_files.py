"""Import and export of the power catalogue (权力清单) as xlsx, CSV and JSON.

xlsx and CSV share one tabular model: five tables (items, steps, transitions, fees, discretion)
linked by item code. An xlsx file holds one sheet per table; a CSV file holds every table at once,
its first column naming each row's table. JSON is the PowerItem model as it dumps.

Reading is all or nothing: every problem found is reported with its table, row and column, and the
file is refused whole, so that a catalogue is never half imported.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ValidationError

from jiancha.domain.catalogue import (
    SEPARATORS,
    CatalogueChange,
    ChangeKind,
    DiscretionBenchmark,
    Fee,
    PowerItem,
    Step,
    Transition,
)
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import to_utc
from jiancha.domain.validation import problems_from

CatalogueFormat = Literal["xlsx", "csv", "json"]

JSON_FORMAT = "jiancha-catalogue"
JSON_VERSION = 1

# Per table: canonical column -> Chinese header aliases. The order is the export order.
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "items": {
        "code": ("事项编码",),
        "name": ("事项名称",),
        "item_type": ("事项类型",),
        "department_code": ("实施部门",),
        "legal_basis": ("设定依据",),
        "conditions": ("办理条件",),
        "materials": ("申请材料",),
        "legal_limit_days": ("法定时限",),
        "promised_limit_days": ("承诺时限",),
        "limit_unit": ("时限单位",),
        "posts": ("责任岗位",),
        "public": ("是否公开",),
        "change": ("变更类型",),
        "effective_from": ("生效时间",),
        "reason": ("变更原因",),
        "merged_into": ("并入事项",),
    },
    "steps": {
        "item_code": ("事项编码",),
        "order": ("顺序",),
        "code": ("环节编码",),
        "name": ("环节名称",),
        "limit_days": ("环节时限",),
        "posts": ("岗位",),
        "materials": ("环节材料",),
        "required": ("必经",),
    },
    "transitions": {
        "item_code": ("事项编码",),
        "from_step": ("起始环节",),
        "to_step": ("目标环节",),
        "kind": ("流转类型",),
    },
    "fees": {
        "item_code": ("事项编码",),
        "name": ("收费项目",),
        "amount": ("收费金额",),
        "basis": ("收费依据",),
    },
    "discretion": {
        "item_code": ("事项编码",),
        "clause": ("法律条款",),
        "circumstance": ("情节",),
        "fine_min": ("罚款下限",),
        "fine_max": ("罚款上限",),
        "measures": ("处罚措施",),
    },
}
TABLE_ALIASES = {
    "items": "事项",
    "steps": "环节",
    "transitions": "流转",
    "fees": "收费",
    "discretion": "裁量基准",
}
TABLE_COLUMN = "table"  # the CSV column naming each row's table (alias 表名)

# Columns a table cannot do without. The items table needs the item's own columns only when the
# file adds or changes items: a file of suspensions or deletions names just the codes.
REQUIRED: dict[str, tuple[str, ...]] = {
    "items": ("code",),
    "steps": ("item_code", "order", "code", "name"),
    "transitions": ("item_code", "from_step", "to_step"),
    "fees": ("item_code", "name", "amount"),
    "discretion": ("item_code", "clause", "circumstance", "fine_min", "fine_max"),
}
ITEM_REQUIRED = (
    "name",
    "item_type",
    "department_code",
    "legal_basis",
    "legal_limit_days",
    "promised_limit_days",
)
CHANGE_COLUMNS = ("change", "effective_from", "reason", "merged_into")
PARTS: dict[str, type[BaseModel]] = {
    "steps": Step,
    "transitions": Transition,
    "fees": Fee,
    "discretion": DiscretionBenchmark,
}

# Chinese words people type into key-valued cells (item types are handled by PowerItem itself).
_YES_NO = {"是": "true", "否": "false"}
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "public": _YES_NO,
    "required": _YES_NO,
    "limit_unit": {"工作日": "working", "自然日": "calendar"},
    "kind": {"前进": "forward", "回退": "rollback"},
    "change": {
        "新增": "add",
        "变更": "change",
        "删除": "delete",
        "合并": "merge",
        "取消": "cancel",
        "暂停": "suspend",
        "恢复": "resume",
    },
}
# A model-level check fails the row as a whole; name the column a person would correct.
WHOLE_ROW_FIELD = {"items": "promised_limit_days", "discretion": "fine_max"}
ITEM_KINDS = (ChangeKind.add, ChangeKind.change)


def detect_format(filename: str) -> CatalogueFormat:
    name = filename.strip().lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".json"):
        return "json"
    raise Rejected(
        code="unknown_format",
        message_zh="无法识别的文件格式，请使用 .xlsx、.csv 或 .json 文件",
        message_en="Unknown file format: use an .xlsx, .csv or .json file",
        status=415,
    )


def read_catalogue(
    data: bytes, fmt: CatalogueFormat, *, now: datetime, changed_by: str = "import"
) -> list[CatalogueChange]:
    """The changes a catalogue file asks for, or Rejected listing every problem in it."""
    if fmt != "xlsx" and (b"\x00" in data or b"\\u0000" in data):
        raise Rejected("nul_character", "文件中含有不允许的 NUL 字符", "the file contains a NUL character")
    build: Callable[[_Row, list[Problem]], PowerItem | None]
    if fmt == "json":
        rows, problems = _json_rows(data)
        build = _json_item
    else:
        tables, problems = _xlsx_tables(data) if fmt == "xlsx" else _csv_tables(data)
        problems += _missing_columns(tables)
        if any(p.index in (None, 1) for p in problems):
            # Without the right sheets and columns (the header row) the rows cannot be read.
            raise _rejected(problems)
        rows = tables["items"].rows
        parts = _parts(tables, {r.values["code"] for r in rows if "code" in r.values}, problems)
        build = partial(_tabular_item, parts)
    changes = _changes(rows, build, to_utc(now), changed_by, problems)
    if problems:
        raise _rejected(problems)
    return changes


def write_catalogue(items: Sequence[PowerItem], fmt: CatalogueFormat) -> bytes:
    if fmt == "json":
        doc = {
            "format": JSON_FORMAT,
            "version": JSON_VERSION,
            "items": [item.model_dump(mode="json") for item in items],
        }
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    rows = _table_rows(items)
    return _write_xlsx(rows) if fmt == "xlsx" else _write_csv(rows)


# ---- the tabular model, shared by xlsx and CSV ----


@dataclass
class _Row:
    table: str
    index: int  # the row number the user sees (header = 1), or the position in the JSON items
    values: dict[str, Any]  # canonical column -> value; blank cells are left out


@dataclass
class _Table:
    name: str
    columns: set[str]
    rows: list[_Row] = field(default_factory=list)


@dataclass
class _Parts:
    """The rows of other tables that belong to one item, already validated."""

    steps: list[Step] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
    discretion: list[DiscretionBenchmark] = field(default_factory=list)
    broken: bool = False  # one of its rows failed: checks across the rest would only mislead


def _key(text: str) -> str:
    return text.strip().lower()


_TABLE_BY_NAME = {_key(name): name for name in TABLES} | {_key(zh): t for t, zh in TABLE_ALIASES.items()}
_COLUMN_BY_HEADER = {
    table: {_key(h): col for col, zh in columns.items() for h in (col, *zh)}
    for table, columns in TABLES.items()
}


def _text(value: Any) -> str:
    """A cell as text: CSV gives text already, openpyxl gives numbers, booleans and dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Spreadsheets store every number as a float: 20.0 is the integer 20, and repr is the
        # shortest text that reads back as the same amount.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _columns(table: str, header: Sequence[str]) -> tuple[dict[int, str], list[Problem]]:
    """Header position -> canonical column of `table`, for the headers that table knows."""
    known = _COLUMN_BY_HEADER[table]
    positions: dict[int, str] = {}
    problems = []
    for pos, text in enumerate(header):
        column = known.get(_key(text))
        if column is None:
            continue
        if column in positions.values():
            problems.append(
                _problem(
                    table,
                    1,
                    column,
                    "duplicate_column",
                    f"列 {column} 出现多次",
                    f"column {column} appears twice",
                )
            )
        positions[pos] = column
    return positions, problems


def _unknown_columns(header: Sequence[str], tables: Sequence[str], sheet: str | None) -> list[Problem]:
    # An unknown header is most often a misspelt one: refuse rather than drop its data silently.
    return [
        _problem(sheet, 1, text, "unknown_column", f"无法识别的列：{text}", f"unknown column: {text}")
        for text in header
        if text and not any(_key(text) in _COLUMN_BY_HEADER[t] for t in tables)
    ]


def _make_row(table: str, index: int, cells: Sequence[Any], positions: dict[int, str]) -> _Row | None:
    values: dict[str, Any] = {}
    for pos, column in positions.items():
        text = _text(cells[pos]) if pos < len(cells) else ""
        if text:
            aliases = VALUE_ALIASES.get(column)
            values[column] = aliases.get(text, text.lower()) if aliases else text
    return _Row(table, index, values) if values else None  # blank rows are spacing, not data


def _xlsx_tables(data: bytes) -> tuple[dict[str, _Table], list[Problem]]:
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
        sheets = [
            (ws.title, list(ws.iter_rows(min_row=1, min_col=1, values_only=True)))
            for ws in workbook.worksheets
        ]
    except Exception as e:  # openpyxl raises many kinds of error for a damaged file
        raise _unreadable("文件不是可读取的 xlsx 工作簿", "the file is not a readable xlsx workbook") from e
    tables: dict[str, _Table] = {}
    problems: list[Problem] = []
    for title, rows in sheets:
        table = _TABLE_BY_NAME.get(_key(title))
        if table is None:
            continue  # other sheets (instructions, notes) are not part of the catalogue
        if table in tables:
            problems.append(
                _problem(
                    table,
                    None,
                    "(sheet)",
                    "duplicate_sheet",
                    f"工作表 {table} 出现多次",
                    f"sheet {table} appears twice",
                )
            )
            continue
        header = [_text(h) for h in rows[0]] if rows else []
        positions, found = _columns(table, header)
        problems += found + _unknown_columns(header, [table], table)
        tables[table] = _Table(table, set(positions.values()))
        for index, cells in enumerate(rows[1:], start=2):
            row = _make_row(table, index, cells, positions)
            if row is not None:
                tables[table].rows.append(row)
    for table in ("items", "steps"):
        if table not in tables:
            alias = TABLE_ALIASES[table]
            zh, en = f"缺少工作表 {table}（{alias}）", f"the workbook has no sheet {table}"
            problems.append(_problem(table, None, "(sheet)", "missing_sheet", zh, en))
    return tables, problems


def _csv_tables(data: bytes) -> tuple[dict[str, _Table], list[Problem]]:
    try:
        records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except UnicodeDecodeError as e:
        raise _unreadable("文件不是 UTF-8 编码的 CSV", "the file is not UTF-8 encoded CSV") from e
    except csv.Error as e:
        raise _unreadable(f"CSV 格式错误：{e}", f"the file is not valid CSV: {e}") from e
    header = [h.strip() for h in records[0]] if records else []
    keys = [_key(h) for h in header]
    table_pos = next((i for i, k in enumerate(keys) if k in (TABLE_COLUMN, "表名")), None)
    if table_pos is None:
        zh, en = "缺少列 table（表名）", "the column table is missing"
        return {}, [_problem(None, 1, TABLE_COLUMN, "missing_column", zh, en)]
    header[table_pos] = ""  # not a column of any table
    problems = _unknown_columns(header, list(TABLES), None)
    tables: dict[str, _Table] = {}
    positions: dict[str, dict[int, str]] = {}
    for table in TABLES:
        positions[table], found = _columns(table, header)
        problems += found
        tables[table] = _Table(table, set(positions[table].values()))
    for index, cells in enumerate(records[1:], start=2):
        name = cells[table_pos].strip() if table_pos < len(cells) else ""
        row_table = _TABLE_BY_NAME.get(_key(name))
        if row_table is None:
            if any(c.strip() for c in cells):
                zh, en = f"表名无效：{name!r}", f"the table {name!r} is not one of {', '.join(TABLES)}"
                problems.append(_problem(None, index, TABLE_COLUMN, "unknown_table", zh, en))
            continue
        row = _make_row(row_table, index, cells, positions[row_table])
        if row is not None:
            tables[row_table].rows.append(row)
    # A table without rows in a CSV file is simply absent: only tables with rows need their columns.
    return {name: t for name, t in tables.items() if t.rows or name == "items"}, problems


def _missing_columns(tables: dict[str, _Table]) -> list[Problem]:
    problems = []
    for name, table in tables.items():
        if not table.rows:
            continue
        required = REQUIRED[name]
        if name == "items" and any(r.values.get("change", "add") in ITEM_KINDS for r in table.rows):
            required += ITEM_REQUIRED
        for column in required:
            if column not in table.columns:
                zh, en = (
                    f"缺少必填列 {column}（{TABLES[name][column][0]}）",
                    f"the column {column} is missing",
                )
                problems.append(_problem(name, 1, column, "missing_column", zh, en))
    return problems


def _parts(tables: dict[str, _Table], item_codes: set[str], problems: list[Problem]) -> dict[str, _Parts]:
    """The rows of steps, transitions, fees and discretion by item code, each row validated alone."""
    parts = {code: _Parts() for code in item_codes}
    for name, model in PARTS.items():
        for row in tables[name].rows if name in tables else []:
            values = dict(row.values)
            code = values.pop("item_code", "")
            if not code:
                problems.append(_at(row, "item_code", "required", "缺少事项编码", "item_code is missing"))
            elif code not in item_codes:
                zh, en = f"事项表中没有事项 {code}", f"item {code} is not in the items table"
                problems.append(_at(row, "item_code", "unknown_item", zh, en))
            try:
                part = model.model_validate(values)
            except ValidationError as e:
                problems += _problems_at(e, row)
                if code in parts:
                    parts[code].broken = True
                continue
            if code in parts:
                getattr(parts[code], name).append(part)
    return parts


def _tabular_item(by_code: dict[str, _Parts], row: _Row, problems: list[Problem]) -> PowerItem | None:
    parts = by_code.get(row.values.get("code", ""), _Parts())
    no_steps = not parts.steps and not parts.broken
    if no_steps:
        problems.append(_at(row, "steps", "no_steps", "事项没有办理环节", "the item has no steps"))
    values = {k: v for k, v in row.values.items() if k not in CHANGE_COLUMNS}
    values |= {
        "process": {"steps": parts.steps, "transitions": parts.transitions},
        "fees": parts.fees,
        "discretion": parts.discretion,
    }
    try:
        return PowerItem.model_validate(values)
    except ValidationError as e:
        found = _problems_at(e, row)
        if no_steps or parts.broken:
            # Those rows are reported where they are; what is left of them proves nothing.
            found = [p for p in found if not re.match(r"(process|fees|discretion)\b", p.field)]
        problems += found
        return None


def _table_rows(items: Sequence[PowerItem]) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) in file order: each item followed by its steps, transitions, fees, discretion."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        rows.append(("items", _cells(item, item.code, exclude={"process", "fees", "discretion"})))
        for name, parts in (
            ("steps", item.process.steps),
            ("transitions", item.process.transitions),
            ("fees", item.fees),
            ("discretion", item.discretion),
        ):
            rows += [(name, {"item_code": item.code} | _cells(part, item.code)) for part in parts]
    return rows


def _cells(model: BaseModel, code: str, exclude: set[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in model.model_dump(exclude=exclude).items():
        if isinstance(value, tuple):
            # An entry with a separator in it would come back as two entries: refuse, not corrupt.
            if any(not v.strip() or SEPARATORS.search(v) for v in value):
                raise Rejected(
                    code="not_exportable",
                    message_zh=f"事项 {code} 的 {name} 含有空项或分隔符（;），无法写入表格",
                    message_en=f"{name} of item {code} has a blank entry or a separator (;): use JSON",
                )
            value = ";".join(value)
        out[name] = value.value if isinstance(value, Enum) else value
    return out


def _write_xlsx(rows: list[tuple[str, dict[str, Any]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table, columns in TABLES.items():
        sheet = workbook.create_sheet(table)
        sheet.append(list(columns))
        sheet.freeze_panes = "A2"
        for r, values in enumerate((v for t, v in rows if t == table), start=2):
            for c, column in enumerate(columns, start=1):
                value = values.get(column)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text: a name starting with "=" is no formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CSV_COLUMNS = (
    TABLE_COLUMN,
    "item_code",
    *dict.fromkeys(c for cols in TABLES.values() for c in cols if c != "item_code"),
)


def _write_csv(rows: list[tuple[str, dict[str, Any]]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for table, values in rows:
        values = {TABLE_COLUMN: table} | values
        writer.writerow(["" if (v := values.get(c)) is None else _text(v) for c in CSV_COLUMNS])
    # The BOM makes Excel read the file as UTF-8 rather than the local code page.
    return out.getvalue().encode("utf-8-sig")


# ---- JSON ----


def _json_rows(data: bytes) -> tuple[list[_Row], list[Problem]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as e:
        raise _unreadable("文件不是 UTF-8 编码的 JSON", "the file is not UTF-8 encoded JSON") from e
    except json.JSONDecodeError as e:
        raise _unreadable(
            f"JSON 格式错误（第 {e.lineno} 行）", f"the file is not valid JSON (line {e.lineno})"
        ) from e

    def wrong(name: str, zh: str, en: str) -> Rejected:
        return _rejected([_problem(None, None, name, "bad_document", zh, en)])

    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise wrong(
            "format", f"不是权力清单文件（format 应为 {JSON_FORMAT}）", f"format must be {JSON_FORMAT}"
        )
    if doc.get("version") != JSON_VERSION:
        raise wrong("version", f"不支持的版本，应为 {JSON_VERSION}", f"version must be {JSON_VERSION}")
    if not isinstance(doc.get("items"), list):
        raise wrong("items", "items 应为列表", "items must be a list")
    rows, problems = [], []
    for index, entry in enumerate(doc["items"], start=1):
        if isinstance(entry, dict):
            rows.append(_Row("items", index, entry))
        else:
            problems.append(
                _problem("items", index, "(item)", "wrong_type", "应为对象", "an item must be an object")
            )
    return rows, problems


def _json_item(row: _Row, problems: list[Problem]) -> PowerItem | None:
    try:
        return PowerItem.model_validate({k: v for k, v in row.values.items() if k not in CHANGE_COLUMNS})
    except ValidationError as e:
        problems += _problems_at(e, row)
        return None


# ---- shared by every format ----


def _changes(
    rows: list[_Row],
    build: Callable[[_Row, list[Problem]], PowerItem | None],
    now: datetime,
    changed_by: str,
    problems: list[Problem],
) -> list[CatalogueChange]:
    """One change per item row; add and change rows carry the item that `build` makes."""
    first: dict[str, int] = {}
    changes = []
    for row in rows:
        code = row.values.get("code")
        if isinstance(code, str) and code in first:
            at = first[code]
            zh, en = f"事项编码 {code} 重复（首次见第 {at} 行）", f"item code {code} repeats (first at {at})"
            problems.append(_at(row, "code", "duplicate_code", zh, en))
            continue
        if isinstance(code, str):
            first[code] = row.index
        kind = _kind(row, problems)
        effective = _effective(row, now, problems)
        item = build(row, problems) if kind in ITEM_KINDS else None
        if kind is None or effective is None or (kind in ITEM_KINDS and item is None):
            continue
        values: dict[str, Any] = {
            k: row.values[k] for k in ("code", "reason", "merged_into") if k in row.values
        }
        values |= {"kind": kind, "effective_from": effective, "changed_by": changed_by, "item": item}
        try:
            changes.append(CatalogueChange.model_validate(values))
        except ValidationError as e:
            problems += _problems_at(e, row, whole="merged_into")
    return changes


def _kind(row: _Row, problems: list[Problem]) -> ChangeKind | None:
    value = row.values.get("change") or "add"  # a blank change is an addition
    try:
        return ChangeKind(value)
    except ValueError:
        allowed = "/".join(ChangeKind)
        zh, en = f"变更类型无效：{value}（应为 {allowed}）", f"change must be one of {allowed}, not {value!r}"
        problems.append(_at(row, "change", "not_allowed", zh, en))
        return None


def _effective(row: _Row, now: datetime, problems: list[Problem]) -> datetime | None:
    value = row.values.get("effective_from")
    if value is None or value == "":
        return now
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return to_utc(datetime.fromisoformat(value))  # naive means Asia/Shanghai local time
    except ValueError:
        zh, en = (
            "生效时间格式无效，应为日期或 ISO 8601 时间",
            f"effective_from must be an ISO date or datetime, not {value!r}",
        )
        problems.append(_at(row, "effective_from", "bad_datetime", zh, en))
        return None


def _problem(sheet: str | None, index: int | None, column: str, code: str, zh: str, en: str) -> Problem:
    return Problem(code, column, zh, en, index, sheet)


def _at(row: _Row, column: str, code: str, zh: str, en: str) -> Problem:
    return _problem(row.table, row.index, column, code, zh, en)


def _problems_at(error: ValidationError, row: _Row, whole: str | None = None) -> list[Problem]:
    whole = whole or WHOLE_ROW_FIELD.get(row.table, "(row)")
    return [
        (replace(p, field=whole) if p.field == "(body)" else p).at(row.index, row.table)
        for p in problems_from(error)
    ]


def _rejected(problems: list[Problem]) -> Rejected:
    return Rejected(
        code="catalogue_rejected",
        message_zh=f"权力清单文件有 {len(problems)} 处错误，未导入任何内容",
        message_en=f"The catalogue file has {len(problems)} problem(s); nothing was imported",
        problems=problems,
    )


def _unreadable(zh: str, en: str) -> Rejected:
    return Rejected(
        code="unreadable_file", message_zh=f"无法读取文件：{zh}", message_en=f"Unreadable file: {en}"
    )
