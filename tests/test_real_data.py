"""Proof on real data (issue 9, docs/real-data.md): the Italian police's road fines — the first
10,000 cases of the public 4TU log — imported with the pack `it-road-fines`, and the cases each of
RF-1..RF-4 flags compared with the same rules computed independently here with pandas over the
CSV. The XES sample of 100 cases gives what its CSV twin gives."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jiancha.interfaces.files import log_import
from jiancha.services import signals
from jiancha.store.database import Database

DATA = Path(__file__).parent / "data" / "road-fines"  # README there: the source
# The cases each rule flags in the first 10,000 (docs/real-data.md); pandas computes them too.
COUNTS_10K = {"RF-1": 3_970, "RF-2": 0, "RF-3": 84, "RF-4": 1}


def first(activities: list[str], activity: str) -> int | None:
    return activities.index(activity) if activity in activities else None


def expected(csv: Path, lower: bool) -> dict[str, set[str]]:
    """RF-1..RF-4 as issue 9 writes them, over the CSV with pandas: days between local dates
    (the log's timestamps are dates), "earlier" in the case's order — by instant, then the file's."""
    raw = pd.read_csv(csv, dtype=str, keep_default_na=False)
    case, activity, stamp = (
        ("case_id", "activity", "timestamp")
        if lower
        else ("case:concept:name", "concept:name", "time:timestamp")
    )
    amount, paid = ("amount", "totalpaymentamount") if lower else ("amount", "totalPaymentAmount")
    log = pd.DataFrame(
        {
            "case": raw[case],
            "activity": raw[activity],
            # China time, as the platform counts calendar days.
            "day": pd.to_datetime(raw[stamp], utc=True, format="ISO8601")
            .dt.tz_convert("Asia/Shanghai")
            .dt.normalize(),
            "amount": pd.to_numeric(raw[amount].replace("", None), errors="coerce"),
            "paid": pd.to_numeric(raw[paid].replace("", None), errors="coerce"),
            "row": range(len(raw)),
        }
    ).sort_values(["case", "day", "row"], kind="stable")
    found: dict[str, set[str]] = {"RF-1": set(), "RF-2": set(), "RF-3": set(), "RF-4": set()}
    for name, events in log.groupby("case", sort=False):
        acts = events["activity"].tolist()
        days = events["day"].tolist()

        c, s = first(acts, "Create Fine"), first(acts, "Send Fine")
        if c is not None and s is not None and (days[s] - days[c]).days > 90:
            found["RF-1"].add(str(name))
        latest: dict[str, int | None] = {}
        top_paid = 0.0
        due = events["amount"].tolist()[c] if c is not None else None
        for i, a in enumerate(acts):
            if a == "Add penalty":
                n = latest.get("Insert Fine Notification")
                if n is None or (days[i] - days[n]).days < 60:
                    found["RF-2"].add(str(name))
            if a == "Send for Credit Collection" and due is not None and not pd.isna(due) and top_paid >= due:
                found["RF-3"].add(str(name))
            if (
                a == "Send Appeal to Prefecture" and latest.get("Insert Date Appeal to Prefecture") is None
            ) or (
                a == "Notify Result Appeal to Offender"
                and latest.get("Receive Result Appeal from Prefecture") is None
            ):
                found["RF-4"].add(str(name))
            if a == "Payment" and not pd.isna(events["paid"].tolist()[i]):
                top_paid = max(top_paid, float(events["paid"].tolist()[i]))
            latest[a] = i
    return found


def flagged(db: Database) -> dict[str, set[str]]:
    total, rows = signals.list_signals(db, signals.SignalFilter(), limit=1_000_000)
    found: dict[str, set[str]] = {"RF-1": set(), "RF-2": set(), "RF-3": set(), "RF-4": set()}
    for r in rows:
        found[str(r["rule_id"])].add(str(r["case_no"]))
    assert total == sum(len(v) for v in found.values())
    return found


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
