"""Bad input gets a clear refusal naming the field and the reason in Chinese and English, never a
500: too large (413), the wrong type (415), broken or too deeply nested JSON (400), NUL characters
and out-of-range dates (422). The first cases here were 500s found by tests/test_api_fuzz.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from jiancha.store.database import Database

from .conftest import Desk, event


@pytest.fixture
def client(db: Database) -> Iterator[Desk]:
    with Desk(db) as c:
        yield c


def refusal(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code and error["message_zh"] and error["message_en"]
    assert all(p["field"] and p["message_zh"] and p["message_en"] for p in error.get("problems", []))
    return error


def fields(error: dict[str, Any]) -> set[str]:
    return {p["field"] for p in error["problems"]}


NUL_BODIES = [
    (
        "/api/v1/cases",
        {"source_system": "S", "case_no": "A\x00", "item_code": "X", "received_at": "2026-01-05"},
    ),
    ("/api/v1/public/ratings", {"case_no": "\x00", "check_code": "123456", "score": 1}),
    ("/api/v1/revisits", {"case_no": "\x00", "by": "x", "channel": "sms", "score": 1}),
    ("/api/v1/samples", {"by": "\x00", "seed": 1, "size": 1}),
    (
        "/api/v1/notifications/subscriptions",
        {"audience": "role", "name": "x", "channel": "dingtalk", "address": "a\x00b"},
    ),
]


@pytest.mark.parametrize(("url", "body"), NUL_BODIES, ids=[u for u, _ in NUL_BODIES])
def test_a_nul_in_any_json_field_is_refused_naming_the_field(
    client: Desk, url: str, body: dict[str, Any]
) -> None:
    # These were 500s on PostgreSQL, whose text cannot hold NUL.
    error = refusal(client.post(url, json=body), 422, "nul_character")
    assert fields(error) == {k for k, v in body.items() if isinstance(v, str) and "\x00" in v}


def test_a_nul_deep_in_a_batch_or_in_a_name_is_named_with_its_path(client: Desk) -> None:
    batch = [event(1), event(2, attributes={"note\x00": "x", "list": ["ok", "bad\x00"]})]
    error = refusal(client.post("/api/v1/events", json=batch), 422, "nul_character")
    assert fields(error) == {"[1].attributes.note\x00", "[1].attributes.list[1]"}
    assert client.get("/api/v1/cases").json()["total"] == 0


def test_a_backslash_before_u0000_is_text_not_a_nul(client: Desk) -> None:
    body = b"[" + json.dumps(event(1, actor="C:\\u0000")).encode() + b"]"
    assert b"\\\\u0000" in body
    r = client.post("/api/v1/events", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


DATES = [
    "/api/v1/supervision/ledger?to=9999-12-31",
    "/api/v1/supervision/ledger?from=0001-01-01",
    "/api/v1/patrols/shortfalls?from=9999-12-30&to=9999-12-31",
    "/api/v1/packs/default/backtest?from=9999-12-30&to=9999-12-31",
]


@pytest.mark.parametrize("url", DATES)
def test_dates_out_of_range_are_refused_naming_the_parameter(client: Desk, url: str) -> None:
    error = refusal(client.get(url), 422, "invalid_request")
    assert fields(error) & {"from", "to"}
    assert any("1990" in p["message_zh"] and "1990" in p["message_en"] for p in error["problems"])


def test_a_sample_filter_date_out_of_range_is_refused_naming_the_field(client: Desk) -> None:
    body = {"by": "x", "seed": 1, "size": 1, "filter": {"received_to": "9999-12-31"}}
    error = refusal(client.post("/api/v1/samples", json=body), 422, "invalid_request")
    assert fields(error) == {"filter.received_to"}


def _nested(levels: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    inner = out
    for _ in range(levels - 1):
        inner["a"] = {}
        inner = inner["a"]
    return out


def test_attributes_nested_too_deeply_are_refused_naming_attributes(client: Desk) -> None:
    assert client.post("/api/v1/events", json=event(1, attributes=_nested(64))).status_code == 200
    error = refusal(
        client.post("/api/v1/events", json=event(2, attributes=_nested(65))), 422, "events_rejected"
    )
    assert fields(error) == {"attributes"}
    assert "64" in error["problems"][0]["message_en"] and "64" in error["problems"][0]["message_zh"]


def test_json_nested_beyond_the_parser_limit_is_a_clear_400(client: Desk) -> None:
    deep = b"[" * 2000 + b"]" * 2000
    for url in ("/api/v1/notices", "/api/v1/events"):
        r = client.post(url, content=deep, headers={"content-type": "application/json"})
        assert "nested too deeply" in refusal(r, 400, "too_deep")["message_en"]


def test_malformed_json_is_a_400_saying_where(client: Desk) -> None:
    r = client.post("/api/v1/notices", content=b'{"title": ', headers={"content-type": "application/json"})
    error = refusal(r, 400, "bad_json")
    assert "char 10" in error["message_en"] and fields(error) == {"(body)"}


def test_a_body_of_the_wrong_type_is_415_naming_what_is_taken(client: Desk) -> None:
    r = client.post("/api/v1/notices", content=b"title=x", headers={"content-type": "text/plain"})
    error = refusal(r, 415, "unsupported_media_type")
    assert "text/plain" in error["message_en"] and "application/json" in error["message_en"]
    # A route that takes files takes what it documents.
    csv = b"code,name\n"
    r = client.post("/api/v1/catalogue/import?format=csv", content=csv, headers={"content-type": "text/csv"})
    assert r.status_code != 415, r.text


def test_a_missing_field_is_named_as_required(client: Desk) -> None:
    error = refusal(client.post("/api/v1/samples", json={"by": "x", "size": 1}), 422, "invalid_request")
    assert {(p["field"], p["code"], p["message_zh"]) for p in error["problems"]} == {
        ("seed", "required", "缺少必填字段")
    }


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[Desk]:
    monkeypatch.setenv("JIANCHA_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("JIANCHA_MAX_FILE_BYTES", "5000")
    with Desk(db) as c:
        yield c


def test_a_body_over_the_limit_is_413_and_nothing_is_written(small_limits: Desk) -> None:
    batch = [event(i) for i in range(20)]
    error = refusal(small_limits.post("/api/v1/events", json=batch), 413, "too_large")
    assert "1000" in error["message_en"] and "1000" in error["message_zh"]
    assert small_limits.get("/api/v1/cases").json()["total"] == 0
    assert small_limits.post("/api/v1/events", json=event(1)).status_code == 200


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(small_limits: Desk) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for i in range(20):
            yield json.dumps(event(i)).encode() + b","
        yield b"{}]"

    r = small_limits.post("/api/v1/events", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    refusal(r, 413, "too_large")


def test_files_have_their_own_limit(small_limits: Desk) -> None:
    assert small_limits.post("/api/v1/attachments", content=b"x" * 4000).status_code == 201
    refusal(small_limits.post("/api/v1/attachments", content=b"x" * 6000), 413, "too_large")


def test_the_openapi_documents_the_error_shape_for_every_refusal(client: Desk) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }
