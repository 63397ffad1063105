"""Every operation of the OpenAPI, fuzzed by schemathesis in-process: never a 5xx, responses as
documented, and every refusal in the platform's shape (code, both languages, the field)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from jiancha.domain.access.roles import Capability
from jiancha.interfaces.api import create_app
from jiancha.interfaces.api.access import COOKIE, api_routes, declared
from jiancha.services import access
from jiancha.services.calendar import seed_from_package
from jiancha.services.demo import DEMO_PASSWORD, load_demo
from jiancha.store import tables
from jiancha.store.database import Database

from .conftest import BACKENDS, fresh_database

# Per operation and database; JIANCHA_FUZZ_EXAMPLES=500 searches deeper (the seed stays fixed).
EXAMPLES = int(os.environ.get("JIANCHA_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module", params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A small demo city, so that path parameters can name rows that exist."""
    with fresh_database(str(request.param), tmp_path_factory.mktemp("fuzz")) as db:
        seed_from_package(db)
        load_demo(db, 80)
        yield db


def _known(db: Database) -> dict[str, list[Any]]:
    with db.read() as conn:

        def some(column: Any) -> list[Any]:
            return list(conn.execute(select(column).limit(3)).scalars())

        return {
            "case_no": some(tables.cases.c.case_no),
            "notice_no": some(tables.notices.c.notice_no),
            "complaint_no": some(tables.complaints.c.complaint_no),
            "sample_no": some(tables.samples.c.sample_no),
            "signal_id": some(tables.signals.c.id),
            "code": some(tables.item_versions.c.code),
            "version": [1, 2],
            "sha256": some(tables.attachments.c.sha256),
            "name": ["default", "qitaihe"],
            "year": [2026, 2027],
            "subscription_id": some(tables.subscriptions.c.id),
        }


# Streams that never end while the client listens: the fuzzer reads each answer whole, so it would
# wait forever. Their figures are GET /api/v1/screen's, fuzzed there; tests/test_screen.py reads
# the stream itself.
ENDLESS = {"/api/v1/screen/stream"}


def _operations() -> list[Any]:
    # The document only: the engine never opens its file.
    spec = create_app(Database(f"sqlite:///{Path(tempfile.gettempdir()) / 'never-opened.sqlite3'}")).openapi()
    return [
        pytest.param(method.upper(), path, id=f"{method.upper()} {path.removeprefix('/api/v1')}")
        for path, methods in spec["paths"].items()
        for method in methods
        if path not in ENDLESS
    ]


@pytest.fixture(scope="module")
def fuzz_schema(demo_db: Database) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", create_app(demo_db))


@pytest.fixture(scope="module")
def known(demo_db: Database) -> dict[str, list[Any]]:
    return _known(demo_db)


@pytest.fixture(scope="module")
def credentials(demo_db: Database) -> dict[Capability, dict[str, str]]:
    """Who calls each operation: someone allowed to, so that the handler itself is fuzzed."""

    def person(username: str) -> dict[str, str]:
        signed = access.sign_in(demo_db, username, DEMO_PASSWORD)
        return {"Cookie": f"{COOKIE}={signed.token}", "X-CSRF-Token": signed.csrf_token}

    token = access.issue_token(demo_db, "fuzz", "330900-SCJG", by="test")["token"]
    supervisor = person("jianguan")
    return {
        Capability.public: {},
        Capability.read: supervisor,
        Capability.supervise: supervisor,
        Capability.signed_in: supervisor,
        Capability.answer: person("scjg"),
        Capability.manage: person("admin"),
        Capability.ingest: {"Authorization": f"Bearer {token}"},
    }


def _capability(method: str, path: str) -> Capability:
    app = create_app(Database(f"sqlite:///{Path(tempfile.gettempdir()) / 'never-opened.sqlite3'}"))
    return next(declared(route)[0] for m, p, route in api_routes(app) if (m, p) == (method, path))


# One test per operation, each a Hypothesis run: schemathesis's own pytest loader
# (`from_fixture`) does not run under pytest 9, and this keeps the database module-scoped.
@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_operation_answers_5xx_and_every_refusal_is_bilingual(
    fuzz_schema: Any,
    known: dict[str, list[Any]],
    credentials: dict[Capability, dict[str, str]],
    method: str,
    path: str,
) -> None:
    headers = credentials[_capability(method, path)]
    operation = fuzz_schema[path][method]
    names = [p.name for p in operation.path_parameters]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )
    if names and all(known.get(n) for n in names):
        # Half the time, rows that exist: the handlers past the 404 get fuzzed too.
        real = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
        cases = st.one_of(cases, real.flatmap(lambda pp: operation.as_strategy(path_parameters=pp)))

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        # Not `positive_data_acceptance`: data the schema allows may still be refused for what
        # only the database knows (an item not in the catalogue, a case not found).
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        if 400 <= response.status_code < 500:
            error = response.json()["error"]
            assert error["code"] and error["message_zh"] and error["message_en"], response.text

    run()
