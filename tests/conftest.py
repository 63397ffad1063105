"""Fixtures: every database test runs on SQLite and, when the server is there, on PostgreSQL.

`scripts/test` starts PostgreSQL and sets JIANCHA_TEST_POSTGRES_URL; under CI its absence is an
error, not a skip, so a green run always means both databases passed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from jiancha.domain.catalogue import PowerItem
from jiancha.services import catalogue
from jiancha.services.calendar import seed_from_package
from jiancha.store.database import Database
from jiancha.store.migrate import upgrade

# The browser fixtures (site, browser, pages) for the tests of the pages.
pytest_plugins = ["tests.browser"]

PG_URL = os.environ.get("JIANCHA_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
if os.environ.get("CI") and not PG_URL:
    raise RuntimeError("CI needs JIANCHA_TEST_POSTGRES_URL: run the suite through scripts/test")


def _pg_database(schema: str) -> Database:
    return Database(PG_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(autouse=True)
def signing_key_of_the_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints (and a server's worker) sign with a key of the test's own, never with one left
    in the working directory; commands run as processes inherit it."""
    monkeypatch.setenv("JIANCHA_SIGNING_KEY", str(tmp_path / "signing-key.pem"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it, for commands run as separate processes."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[Database]:
    """A database at the newest schema with nothing in it: a file in `directory`, or a schema of
    its own on the PostgreSQL server, dropped afterwards."""
    if backend == "sqlite":
        db = Database(f"sqlite:///{directory / 'test.sqlite3'}")
        upgrade(db)
        yield db
        db.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    db = _pg_database(schema)
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh database at the newest schema, nothing loaded."""
    with fresh_database(backend, tmp_path) as db:
        yield db


@pytest.fixture
def db(empty_db: Database) -> Database:
    """A database with the calendar seeded and the sample catalogue loaded."""
    seed_from_package(empty_db)
    add_items(empty_db, *sample_items())
    return empty_db


def add_items(db: Database, *items: PowerItem) -> None:
    """Put items in the catalogue, in force since 2020."""
    from jiancha.domain.catalogue import CatalogueChange, ChangeKind

    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.add, code=i.code, effective_from=datetime(2020, 1, 1, tzinfo=UTC), item=i
            )
            for i in items
        ],
    )


def licence_item(code: str = "SCJG-XK-001", **overrides: object) -> PowerItem:
    data: dict[str, object] = {
        "code": code,
        "name": "食品经营许可",
        "item_type": "licence",
        "department_code": "330900-SCJG",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "有与经营的食品品种、数量相适应的经营场所",
        "materials": ["申请书", "营业执照", "场所平面图"],
        "fees": [],
        "legal_limit_days": 20,
        "promised_limit_days": 10,
        "process": {
            "steps": [
                {
                    "code": "accept",
                    "name": "受理",
                    "order": 1,
                    "limit_days": 1,
                    "posts": ["受理岗"],
                    "materials": ["申请书"],
                },
                {"code": "undertake", "name": "承办", "order": 2, "limit_days": 5, "posts": ["承办岗"]},
                {"code": "review", "name": "审核", "order": 3, "limit_days": 2, "posts": ["审核岗"]},
                {"code": "approve", "name": "批准", "order": 4, "limit_days": 1, "posts": ["批准岗"]},
                {"code": "complete", "name": "办结", "order": 5, "posts": ["受理岗"]},
            ],
            "transitions": [{"from_step": "review", "to_step": "undertake", "kind": "rollback"}],
        },
        "posts": ["受理岗", "承办岗", "审核岗", "批准岗"],
    }
    data.update(overrides)
    return PowerItem.model_validate(data)


def penalty_item(code: str = "SCJG-CF-001") -> PowerItem:
    steps = ["register", "investigate", "inform", "hearing", "decide", "serve", "execute", "close"]
    names = ["立案", "调查取证", "告知", "听证", "决定", "送达", "执行", "结案"]
    return PowerItem.model_validate(
        {
            "code": code,
            "name": "对未取得食品经营许可从事食品经营活动的行政处罚",
            "item_type": "行政处罚",
            "department_code": "330900-SCJG",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十二条",
            "legal_limit_days": 90,
            "promised_limit_days": 60,
            "process": {
                "steps": [
                    {"code": c, "name": n, "order": k + 1, "required": c != "hearing"}
                    for k, (c, n) in enumerate(zip(steps, names, strict=True))
                ]
            },
            "discretion": [
                {
                    "clause": "第一百二十二条第一款",
                    "circumstance": "一般",
                    "fine_min": "50000",
                    "fine_max": "100000",
                },
            ],
        }
    )


def sample_items() -> list[PowerItem]:
    return [licence_item(), penalty_item()]


def event(
    n: int,
    case_no: str = "C-1",
    step: str = "accept",
    action: str | None = None,
    at: str = "2026-09-14T09:00:00+08:00",
    **extra: object,
) -> dict[str, object]:
    out: dict[str, object] = {
        "source_system": "SYS-A",
        "event_id": f"E-{n}",
        "case_no": case_no,
        "item_code": "SCJG-XK-001",
        "step": step,
        "action": action or step,
        "actor": "张三",
        "post": "受理岗",
        "occurred_at": at,
    }
    out.update(extra)
    return out


def drop_ledger_triggers(db: Database) -> None:
    """What an intruder with database access would do first."""
    with db.write() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("DROP TRIGGER ledger_no_update_delete ON ledger"))
        else:
            conn.execute(text("DROP TRIGGER ledger_no_update"))
            conn.execute(text("DROP TRIGGER ledger_no_delete"))


# -- signing in (R-SEC-1) ------------------------------------------------------------------------------

PASSWORD = "correct horse battery"
ORGANISATION = {
    "regions": [
        {"code": "330000", "name": "示范省", "level": "province"},
        {"code": "330900", "name": "示范市", "level": "city", "parent_code": "330000"},
        {"code": "330800", "name": "邻市", "level": "city", "parent_code": "330000"},
    ],
    "departments": [
        {"code": "330900-SCJG", "name": "示范市市场监督管理局", "region_code": "330900"},
        {"code": "330900-JTYS", "name": "示范市交通运输局", "region_code": "330900"},
        {"code": "330800-SCJG", "name": "邻市市场监督管理局", "region_code": "330800"},
    ],
}


def ensure_organisation(db: Database) -> None:
    """The province, two cities and three departments the access tests use (adds what is missing)."""
    from jiancha.services import organisation

    organisation.save(db, organisation.parse(ORGANISATION), by="test")


def client_as(
    db: Database,
    role: str = "system_supervisor",
    *,
    region: str | None = None,
    department: str | None = None,
    username: str | None = None,
    display_name: str | None = None,
    **flags: bool,
) -> TestClient:
    """A client signed in as a new user of that role and place: the session cookie is kept by the
    client (HTTPS, as the cookie is Secure) and the CSRF token sent with every request."""
    from jiancha.domain.access.roles import Role
    from jiancha.interfaces.api import create_app
    from jiancha.services import access

    ensure_organisation(db)
    name = username or f"{role}.{department or region or 'top'}".replace("-", ".")
    access.create_user(
        db,
        access.UserIn(
            username=name,
            display_name=display_name or name,
            role=Role(role),
            region_code=region,
            department_code=department,
            password=PASSWORD,
            **flags,
        ),
        by="test",
    )
    client = TestClient(create_app(db), base_url="https://testserver")
    signed = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
    return client


def system_client(db: Database, department: str = "330900-SCJG") -> TestClient:
    """A client for an integrating system of `department`, with its bearer token."""
    from jiancha.interfaces.api import create_app
    from jiancha.services import access

    ensure_organisation(db)
    token = access.issue_token(db, f"{department} 审批系统", department, by="test")["token"]
    return TestClient(
        create_app(db), base_url="https://testserver", headers={"Authorization": f"Bearer {token}"}
    )


class Desk:
    """Each request made by whoever would make it, each signed in as themselves: the department's
    system pushes events, cases and evidence; the administrator manages the catalogue, calendar,
    organisation, users and notifications; the department's official explains, rectifies, reports and
    answers; the top-level supervisor does the rest. For tests of a flow, not of access itself."""

    MANAGED = (
        "/api/v1/catalogue",
        "/api/v1/calendar",
        "/api/v1/organisation",
        "/api/v1/notifications",
        "/api/v1/users",
        "/api/v1/tokens",
    )
    ANSWERS = ("/extension", "/report", "/result")

    def __init__(self, db: Database, department: str = "330900-SCJG") -> None:
        self.system = system_client(db, department)
        self.supervisor = client_as(db, "system_supervisor", username="supervisor", display_name="监察员甲")
        self.admin = client_as(db, "administrator", username="admin", display_name="管理员")
        self.department = client_as(
            db, "post_user", department=department, username="official", display_name="科长乙"
        )
        self.public = TestClient(self.system.app, base_url="https://testserver")

    def pick(self, method: str, url: str, body: object = None) -> TestClient:
        path = url.split("?")[0]
        if method == "POST" and (path in ("/api/v1/events", "/api/v1/cases", "/api/v1/attachments")):
            return self.system
        if path.startswith(self.MANAGED) and (
            method != "GET"
            or not path.startswith(("/api/v1/catalogue", "/api/v1/calendar", "/api/v1/organisation"))
        ):
            return self.admin
        if method == "POST" and path.endswith(self.ANSWERS) and not path.endswith("/extension/decision"):
            return self.department
        if (
            method == "POST"
            and path.endswith("/moves")
            and isinstance(body, dict)
            and body.get("to") in ("explained", "rectified")
        ):
            return self.department
        return self.supervisor

    def request(self, method: str, url: str, **kw: Any) -> Any:
        return self.pick(method, url, kw.get("json")).request(method, url, **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.request("DELETE", url, **kw)

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        for c in (self.system, self.supervisor, self.admin, self.department, self.public):
            c.close()
