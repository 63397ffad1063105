"""Every field of every monitor's record kinds is labelled: a Chinese title and an English
description in the kind's JSON schema, for forms, file templates and error messages."""

from __future__ import annotations

import re

import pytest

from jiancha.domain.monitors import MONITORS

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

KINDS = [
    pytest.param(kind.model, id=f"{family}/{name}")
    for family, monitor in MONITORS.items()
    for name, kind in monitor.kinds.items()
]


@pytest.mark.parametrize("model", KINDS)
def test_every_field_has_a_chinese_title_and_an_english_description(model: type) -> None:
    schema = model.model_json_schema()
    properties = schema["properties"]
    assert properties
    unlabelled = []
    for name, prop in properties.items():
        title, description = prop.get("title", ""), prop.get("description", "")
        if not (title.strip() and CJK.search(title)) or not description.strip() or CJK.search(description):
            unlabelled.append((name, title, description))
    assert not unlabelled, f"{model.__name__}: {unlabelled}"
    # Nested models (a prescription's drugs) too.
    for nested_name, nested in schema.get("$defs", {}).items():
        for name, prop in nested.get("properties", {}).items():
            title, description = prop.get("title", ""), prop.get("description", "")
            assert title.strip() and CJK.search(title), f"{nested_name}.{name}: title {title!r}"
            assert description.strip() and not CJK.search(description), (
                f"{nested_name}.{name}: description {description!r}"
            )
