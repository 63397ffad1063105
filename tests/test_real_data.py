"""Proof on real data (issue 9, docs/real-data.md): the Italian police's road fines — the first
10,000 cases of the public 4TU log — imported with the pack `it-road-fines`, and the cases each of
RF-1..RF-4 flags compared with the same rules computed independently here with pandas over the
CSV. The XES sample of 100 cases gives what its CSV twin gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.interfaces.files import log_import
from jiancha.store.database import Database

from .road_fines_pandas import expected, flagged

DATA = Path(__file__).parent / "data" / "road-fines"  # README there: the source
# The cases each rule flags in the first 10,000 (docs/real-data.md); pandas computes them too.
COUNTS_10K = {"RF-1": 3_970, "RF-2": 0, "RF-3": 84, "RF-4": 1}


def test_the_10k_cases_give_the_counts_pandas_gives(empty_db: Database) -> None:
    source = log_import.source_of(DATA / "traffic_fines_10k.csv", "csv")
    done: list[tuple[int, int]] = []
    summary = log_import.import_log(
        empty_db, source, "it-road-fines", progress=lambda d, t: done.append((d, t))
    )
    assert summary["cases"] == 10_000 and summary["events"] == 34_724 and summary["accepted"] == 34_724
    assert done[-1] == (34_724, 34_724)
    want = expected(DATA / "traffic_fines_10k.csv", lower=True)
    got = flagged(empty_db)
    assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
    assert got == want
    # What docs/real-data.md reports; RF-2 finds no penalty added early in these 10,000.
    assert {k: len(v) for k, v in got.items()} == COUNTS_10K
    # The same file again: every event a duplicate, nothing new.
    again = log_import.import_log(empty_db, source, "it-road-fines")
    assert again["accepted"] == 0 and again["duplicates"] == 34_724
    assert flagged(empty_db) == got


@pytest.mark.parametrize("fmt", ["xes", "csv"])
def test_the_100_case_sample_as_xes_or_csv_gives_what_pandas_gives(db: Database, fmt: str) -> None:
    source = log_import.source_of(DATA / f"roadtraffic100traces.{fmt}", fmt)
    summary = log_import.import_log(db, source, "it-road-fines")
    assert summary["cases"] == 100
    assert flagged(db) == expected(DATA / "roadtraffic100traces.csv", lower=False)
