"""The synthetic log of the scale benchmark (bench/generate.py): shaped like the demo's cases,
interleaved as a busy hall's events, and imported end to end with its mapping."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from bench import generate

from jiancha.interfaces.files import log_import
from jiancha.services import integrity, signals
from jiancha.store.database import Database

MAPPING = Path(__file__).resolve().parents[1] / "bench" / "synthetic-log.yaml"


def test_the_synthetic_log_is_shaped_like_the_demo_and_imports_end_to_end(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = list(generate.events(300, per_day=40))
    by_case: dict[str, list[str]] = {}
    for case, activity, _, _ in made:
        by_case.setdefault(case, []).append(activity)
    assert len(by_case) == 300
    assert Counter(tuple(a) for a in by_case.values()) == {
        ("受理", "承办", "审核", "批准", "办结"): 285,
        ("受理", "承办", "不予许可"): 15,
    }
    # Interleaved: the first case's second step comes after the next day's new cases.
    order = [(c, a) for c, a, _, _ in made]
    assert order.index(("S0000001", "承办")) > order.index(("S0000041", "受理"))
    path = tmp_path / "synthetic.csv"
    assert generate.write(path, 300, per_day=40) == len(made) == 285 * 5 + 15 * 3
    # Small batches, so a case's later steps arrive in later batches: each batch is judged at the
    # log's own time, and no case that finished in 4 days is judged late for want of them.
    monkeypatch.setattr(log_import, "BATCH", 100)
    summary = log_import.import_log(
        db, log_import.source_of(path, "csv"), "default", mapping=log_import.mapping_of(MAPPING)
    )
    assert (summary["cases"], summary["accepted"], summary["item"]) == (300, len(made), "SYN-XK-SPJY")
    _, late = signals.list_signals(db, signals.SignalFilter(rule_id="TL-LEGAL-OVERDUE"))
    _, warned = signals.list_signals(db, signals.SignalFilter(rule_id="TL-LEGAL-WARN"))
    assert late == [] and warned == []
    assert integrity.check(db).ok


def test_history_imported_today_is_seen_as_reported_late_and_finished_before_it_was_heard_of(
    db: Database, tmp_path: Path
) -> None:
    """The rules judge an imported log at its own time, but receipt at the real clock (R-EVD-1:
    back-filling in a batch is evasion): every case is flagged reported late, and, its steps all
    in one batch, as first heard of already finished."""
    path = tmp_path / "synthetic.csv"
    generate.write(path, 30, per_day=10)
    log_import.import_log(
        db, log_import.source_of(path, "csv"), "default", mapping=log_import.mapping_of(MAPPING)
    )
    for rule in ("EVD-LATE-ENTRY", "EVD-BORN-DONE"):
        _, found = signals.list_signals(db, signals.SignalFilter(rule_id=rule))
        assert len({s["case_no"] for s in found}) == 30, rule
