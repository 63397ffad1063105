"""Public resource trading (公共资源交易, R-MON-2): the red flags of `jiancha.domain.procurement`
as rules of a pack.

A rule of family `procurement_red_flag` names one indicator (`params.indicator`: R003 … R058,
JC-SPLIT, JC-ROTATION) and its settings (`params.settings`, as the indicator's settings model takes
them); the pack's `procurement:` section holds what all share (the main currency, the procurement
methods compared on price, those left out). An indicator flags a contracting process (OCID), a
buyer or procuring entity, or a tenderer; each flag becomes one finding about a subject:
`ocds:<ocid>`, `ocds-buyer:<id>`, `ocds-agent:<id>`, `ocds-tenderer:<id>` (a party given 0.0 is only named
beside a flagged process, and raises nothing of its own). A party's department is the department of
the newest process it took part in, so the flag reaches someone who can follow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jiancha.domain.procurement import ocds
from jiancha.domain.procurement.red_flags import (
    BUYER,
    OCID,
    PROCURING_ENTITY,
    TENDERER,
    Assessment,
    Settings,
)
from jiancha.domain.rules.model import Finding, Rule

FAMILY = "procurement_red_flag"
# The pack's `procurement:` section: what every indicator shares, none of the indicators' own.
SHARED = (
    "currency",
    "no_price_comparison_procurement_methods",
    "price_comparison_procurement_methods",
    "excluded_procurement_method_details",
)
SUBJECT = {OCID: "ocds", BUYER: "ocds-buyer", PROCURING_ENTITY: "ocds-agent", TENDERER: "ocds-tenderer"}
WHO_ZH = {OCID: "招标采购项目", BUYER: "采购人", PROCURING_ENTITY: "采购代理机构", TENDERER: "投标人"}
WHO_EN = {
    OCID: "contracting process",
    BUYER: "buyer",
    PROCURING_ENTITY: "procuring entity",
    TENDERER: "tenderer",
}


def settings_of(shared: Mapping[str, Any], rules: Sequence[Rule]) -> Settings:
    """The indicators' settings: the pack's shared ones and, per rule, its indicator's own."""
    unknown = sorted(set(shared) - set(SHARED))
    if unknown:
        raise ValueError(
            f"procurement 节不认识 {', '.join(unknown)} | the procurement section does not know "
            f"{', '.join(unknown)}; it holds {', '.join(SHARED)}"
        )
    own: dict[str, Any] = {}
    for rule in rules:
        key = indicator_of(rule).replace("-", "_")
        if key in own:
            raise ValueError(f"指标 {key} 重复 | indicator {key} is given by two rules")
        own[key] = dict(rule.params.get("settings") or {})
    return Settings.model_validate({**shared, **own})


def indicator_of(rule: Rule) -> str:
    return str(rule.params.get("indicator", ""))


@dataclass(frozen=True)
class Process:
    """What a finding says of a contracting process: whose it is and what it is called."""

    ocid: str
    department_code: str
    title: str
    buyer: str
    received_at: datetime


def parties(release: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(group, id) of the buyer, the procuring entity and every tenderer and supplier of a release."""
    found: set[tuple[str, str]] = set()
    for group, party in (
        (BUYER, ocds.obj(release, "buyer")),
        (PROCURING_ENTITY, ocds.obj(ocds.tender(release), "procuringEntity")),
    ):
        if (ident := ocds.string(party, "id")) is not None:
            found.add((group, ident))
    for bid in ocds.array(ocds.obj(release, "bids"), "details"):
        found.update((TENDERER, ident) for ident in ocds.tenderer_ids(bid))
    for award in ocds.array(release, "awards"):
        for supplier in ocds.array(award, "suppliers"):
            if (ident := ocds.string(supplier, "id")) is not None:
                found.add((TENDERER, ident))
    return found


def departments_of_parties(
    processes: Mapping[str, Process], releases: Mapping[str, Mapping[str, Any]]
) -> dict[tuple[str, str], Process]:
    """Each party's newest process (by receipt), whose department follows the party's flags."""
    newest: dict[tuple[str, str], Process] = {}
    for ocid, release in releases.items():
        process = processes[ocid]
        for party in parties(release):
            known = newest.get(party)
            if known is None or (process.received_at, process.ocid) > (known.received_at, known.ocid):
                newest[party] = process
    return newest


def findings(
    rules: Iterable[Rule],
    assessment: Assessment,
    processes: Mapping[str, Process],
    releases: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> list[tuple[str, str, Finding, Rule]]:
    """(subject, department, finding, rule) for every flag of the rules' indicators."""
    by_code = {indicator_of(r): r for r in rules}
    party_process = departments_of_parties(processes, releases)
    found: list[tuple[str, str, Finding, Rule]] = []
    for group, flagged in sorted(assessment.results.items()):
        for ident, codes in sorted(flagged.items()):
            process = processes.get(ident) if group == OCID else party_process.get((group, ident))
            if process is None:
                continue
            for code, value in sorted(codes.items()):
                rule = by_code.get(code)
                # A party given 0.0 is named beside a flagged process (its winner, the runner-up),
                # not flagged itself: the process's signal is the one to follow.
                if rule is None or (group != OCID and value == 0.0):
                    continue
                values = {
                    "indicator": code,
                    "value": _shown(value),
                    "group": group,
                    "id": ident,
                    "who_zh": f"{WHO_ZH[group]} {ident}",
                    "who_en": f"{WHO_EN[group]} {ident}",
                    "ocid": process.ocid,
                    "title": process.title,
                    "buyer": process.buyer,
                    **{f"meta_{k}": v for k, v in assessment.meta.get(code, {}).items()},
                }
                finding = Finding(rule.id, rule.colour, now, values)
                found.append((f"{SUBJECT[group]}:{ident}", process.department_code, finding, rule))
    return found


def _shown(value: float) -> float | str:
    # Cardinal's ratios can be infinite or undefined (a winning bid of zero); JSON holds neither.
    return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
