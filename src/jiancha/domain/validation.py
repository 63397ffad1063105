"""Turn pydantic's validation errors into bilingual Problems naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from jiancha.domain.errors import Problem

# pydantic error type -> (code, Chinese reason); the English reason is pydantic's own message.
_REASONS_ZH: dict[str, tuple[str, str]] = {
    "missing": ("required", "缺少必填字段"),
    "string_type": ("wrong_type", "应为文本"),
    "string_too_short": ("too_short", "不能为空或过短"),
    "string_too_long": ("too_long", "过长"),
    "string_pattern_mismatch": ("bad_format", "格式不符合要求"),
    "int_type": ("wrong_type", "应为整数"),
    "int_parsing": ("wrong_type", "应为整数"),
    "int_from_float": ("wrong_type", "应为整数"),
    "float_type": ("wrong_type", "应为数字"),
    "float_parsing": ("wrong_type", "应为数字"),
    "decimal_parsing": ("wrong_type", "应为数字"),
    "decimal_type": ("wrong_type", "应为数字"),
    "greater_than_equal": ("out_of_range", "数值过小"),
    "greater_than": ("out_of_range", "数值过小"),
    "less_than_equal": ("out_of_range", "数值过大"),
    "less_than": ("out_of_range", "数值过大"),
    "bool_type": ("wrong_type", "应为是/否"),
    "bool_parsing": ("wrong_type", "应为是/否"),
    "datetime_type": ("bad_datetime", "时间格式无效，应为 ISO 8601"),
    "datetime_parsing": ("bad_datetime", "时间格式无效，应为 ISO 8601"),
    "datetime_from_date_parsing": ("bad_datetime", "时间格式无效，应为 ISO 8601"),
    "date_type": ("bad_date", "日期格式无效，应为 YYYY-MM-DD"),
    "date_parsing": ("bad_date", "日期格式无效，应为 YYYY-MM-DD"),
    "date_from_datetime_parsing": ("bad_date", "日期格式无效，应为 YYYY-MM-DD"),
    "enum": ("not_allowed", "取值不在允许范围内"),
    "literal_error": ("not_allowed", "取值不在允许范围内"),
    "dict_type": ("wrong_type", "应为对象"),
    "model_type": ("wrong_type", "应为对象"),
    "model_attributes_type": ("wrong_type", "应为对象"),
    "list_type": ("wrong_type", "应为列表"),
    "too_long": ("too_many", "条目过多"),
    "too_short": ("too_few", "条目过少"),
    "extra_forbidden": ("unknown_field", "不允许的字段"),
    "value_error": ("invalid", "取值无效"),
    "assertion_error": ("invalid", "取值无效"),
    "json_invalid": ("bad_json", "JSON 格式错误"),
    "timezone_aware": ("bad_datetime", "时间须带时区"),
}


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from(error: ValidationError, index: int | None = None) -> list[Problem]:
    return problems_of(error.errors(include_url=False), index)


def problems_of(errors: Sequence[Any], index: int | None = None) -> list[Problem]:
    """The Problems of pydantic's error dicts (also FastAPI's, their `loc` less its first part)."""
    problems = []
    for e in errors:
        code, zh = _REASONS_ZH.get(e["type"], ("invalid", "取值无效"))
        msg = str(e["msg"])
        if e["type"] == "value_error" and msg.startswith("Value error, "):
            # Our own validators raise "中文 | English": split it into the two languages.
            msg = msg.removeprefix("Value error, ")
            if " | " in msg:
                zh, msg = msg.split(" | ", 1)
        elif e["type"] in ("enum", "literal_error"):
            zh = f"{zh}：{msg.split('Input should be ', 1)[-1]}"
        problems.append(
            Problem(
                code=code,
                field=field_path(tuple(e["loc"])) or "(body)",
                message_zh=zh,
                message_en=msg,
                index=index,
            )
        )
    return problems
