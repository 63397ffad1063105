"""Masking personal data (R-SEC-3) in free text, in event attributes shown by the API, and in logs."""

from __future__ import annotations

import logging

import pytest

from jiancha.domain.masking import MaskingFilter, mask_text, mask_values
from jiancha.services import ingest
from jiancha.store.database import Database

from .conftest import Desk, event


def test_id_and_mobile_numbers_in_text_are_masked_and_other_numbers_kept() -> None:
    text = "申请人身份证 33090219900101123X，电话13812345678；办件 SCJG-20260914-000123，罚款 50000 元"
    masked = mask_text(text)
    assert "33090219900101123X" not in masked and "330902********123X" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "SCJG-20260914-000123" in masked and "50000" in masked
    assert mask_text("编号 2026091412345678901") == "编号 2026091412345678901", "a longer number is not an ID"
    assert mask_values({"a": ["tel 13912345678", 13912345678]}) == {"a": ["tel 139****5678", 13912345678]}


def test_a_case_shows_personal_data_in_attributes_masked(db: Database) -> None:
    ev = event(1, attributes={"contact": "联系电话 13812345678", "amount": 13812345678})
    ingest.ingest_events(db, ingest.validate_events([ev]))
    with Desk(db) as client:
        shown = client.get("/api/v1/cases/C-1").json()["events"][0]["attributes"]
    assert shown == {"contact": "联系电话 138****5678", "amount": 13812345678}


def test_logs_never_carry_an_id_or_phone_number(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("jiancha.test")
    caplog.handler.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO):
        log.info("rejected event for %s, phone %s", "330902199001011234", "13812345678")
    assert "330902199001011234" not in caplog.text and "13812345678" not in caplog.text
    assert "330902********1234" in caplog.text
