"""The road fines' rules RF-1..RF-4 computed with pandas over a CSV, independently of the platform
(issue 9): the test compares the platform's signals with these, and bench/road_fines.py times them.
No pytest here, so the benchmark's own environment can import it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jiancha.services import signals
from jiancha.store.database import Database


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
