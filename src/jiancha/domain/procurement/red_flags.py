"""Red flags of public resource trading (公共资源交易) over OCDS compiled releases.

The R-codes are the Open Contracting Partnership's red-flag indicators, computed exactly as OCP's
cardinal (open-contracting/cardinal-rs, MIT) computes them, so that OCP's own test cases give
OCP's own results; the docstring of each settings model says what the indicator flags. The two
JC-codes are ours, not OCP's: contract splitting just below a threshold and winner rotation.

`indicate(releases, settings)` returns cardinal's result shape: a group ("OCID", "Buyer",
"ProcuringEntity", "Tenderer") maps an identifier (`/ocid`, `/buyer/id`,
`/tender/procuringEntity/id`, a tenderer's or supplier's id) to the codes that flagged it and
their values. An indicator runs only if its settings are given (cardinal's `[R003]` section).

What every indicator leaves out, as cardinal does: a record whose `ocid` is not a string, a
cancelled contracting process (`/tender/status`), a process whose
`/tender/procurementMethodDetails` is in `excluded_procurement_method_details`, organisation
references without an `id`, and amounts in another currency than the main one (`currency`, or
else the first currency seen).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from jiancha.domain.procurement import ocds
from jiancha.domain.procurement.ocds import Release

Results = dict[str, dict[str, dict[str, float]]]

OCID = "OCID"
BUYER = "Buyer"
PROCURING_ENTITY = "ProcuringEntity"
TENDERER = "Tenderer"


def _pipe_separated(value: Any) -> Any:
    """Cardinal's settings list values as 'open|selective' (Rust's `split_terminator`: a trailing
    '|' adds no empty value, an inner '||' does)."""
    if isinstance(value, str):
        parts = value.split("|")
        if parts[-1] == "":
            parts.pop()
        return frozenset(parts)
    return value


# A set of /tender/procurementMethod or /tender/procurementMethodDetails values; also accepts
# cardinal's pipe-separated text.
PipeSeparated = Annotated[frozenset[str], BeforeValidator(_pipe_separated)]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class R003Settings(_Settings):
    """Short submission period (R003). A contracting process is flagged (1.0) if
    `/tender/tenderPeriod/endDate - startDate`, in whole days truncated toward zero, is shorter
    than the threshold: the one of its `/tender/procurementMethodDetails` if listed in
    `procurement_method_details`, else `threshold`. With `procurement_methods`, only processes
    whose `/tender/procurementMethod` is listed are considered."""

    threshold: int = 15
    procurement_methods: PipeSeparated = frozenset()
    procurement_method_details: Mapping[str, int] = Field(default_factory=dict)


class R018Settings(_Settings):
    """Single bid received (R018). A contracting process is flagged (1.0) if
    `/tender/numberOfTenderers` is the integer 1 and its `/tender/procurementMethod` is listed."""

    procurement_methods: PipeSeparated = frozenset({"open", "selective"})


class R024Settings(_Settings):
    """Price close to winning bid (R024). For each contracting process with a price comparison
    (see `SecondLowestBidRatio` in `indicate`), the difference is
    (second-lowest valid bid - winning bid) / winning bid. A process is flagged with its difference
    if the difference is at most the lower fence, Q1 - 1.5 IQR of all differences (or
    `threshold`), and only if Q1 and the fence are above zero; its winner and second-lowest
    bidder are flagged with 0.0."""

    threshold: float | None = None


class R025Settings(_Settings):
    """Excessive unsuccessful bids (R025). For each tenderer, the ratio of contracting processes
    won to processes with a valid bid of its own (processes with one complete award to one
    supplier, bids of one tenderer). A tenderer is flagged with its ratio if its number of such
    processes is at least the `percentile` of all tenderers' numbers and its ratio at most the
    lower fence, Q1 - 1.5 IQR of all ratios (or `threshold`), the fence and Q1 above zero."""

    percentile: int = Field(default=75, ge=0)
    threshold: float | None = None


class R028Settings(_Settings):
    """Identical bid prices (R028). A contracting process is flagged (1.0) if two submitted bids
    from different sets of tenderers have the same amount and currency; those tenderers are
    flagged (1.0). A tenderer repeating its own price is not a flag."""


class R030Settings(_Settings):
    """Late bid won (R030). A contracting process is flagged (1.0) if a valid bid dated after
    `/tender/tenderPeriod/endDate` (compared as text, as cardinal does) is from a supplier of an
    active award; that supplier is flagged (1.0)."""


class R035Settings(_Settings):
    """All except winning bid disqualified (R035). With all awards final, a contracting process is
    flagged if exactly one tenderer has valid bids, it is exactly the set of suppliers of the
    active awards, and at least `threshold` other tenderers have disqualified bids; the value is
    that number of other tenderers. The winner is flagged with 0.0."""

    threshold: int = Field(default=1, ge=0)


class R036Settings(_Settings):
    """Lowest bid disqualified (R036). A contracting process with an active award and a price
    comparison is flagged (1.0) if it has a valid bid with an amount and its lowest submitted bid
    (in the main currency) is disqualified."""


class R038Settings(_Settings):
    """Excessive disqualified bids (R038). The ratio of disqualified bids to submitted bids per
    buyer and per procuring entity (counted over their bids; kept if at least
    `minimum_contracting_processes` bids, as cardinal counts) and per tenderer (kept if at least
    `minimum_submitted_bids`). Within each group, an organisation is flagged with its ratio if
    the ratio is at least the upper fence, Q3 + 1.5 IQR of the group's ratios (or `threshold`),
    and the fence is above zero."""

    threshold: float | None = None
    minimum_submitted_bids: int = 2
    minimum_contracting_processes: int = 2


class R048Settings(_Settings):
    """Heterogeneous supplier (R048). For each supplier of active awards to one supplier, the
    variety is the number of distinct classification prefixes (`digits` characters of
    `/awards/items/classification/id`). Among suppliers awarded items in at least
    `minimum_contracting_processes` processes, a supplier is flagged (Tenderer group) with its
    variety if it is at least the upper fence, Q3 + 1.5 IQR of their varieties (or `threshold`)."""

    digits: int = Field(default=2, ge=0)
    threshold: int | None = None
    minimum_contracting_processes: int = 20


class R058Settings(_Settings):
    """Heavily discounted bid (R058). With the difference of R024, a contracting process is
    flagged with its difference if it is at least the upper fence, Q3 + 1.5 IQR of all
    differences (or `threshold`), and the fence is above zero; the winner is flagged with 0.0."""

    threshold: float | None = None


class SplitSettings(_Settings):
    """JC-SPLIT, contract splitting just below a threshold (拆分规避招标). Ours, not OCP's.

    Candidates are the active awards made to a single supplier, dated (`/awards/date`), valued in
    the main currency, with `threshold * (1 - margin) <= amount < threshold`, in contracting
    processes with a `/buyer/id` (and, if `procurement_methods` is set, a listed
    `/tender/procurementMethod`). For each buyer and supplier, the candidates are taken in date
    order; a run is a candidate and those dated at most `window_days` after it. A run of at least
    `minimum_awards` awards whose amounts sum above `threshold` flags its awards: each of their
    contracting processes (OCID, 1.0), and the buyer and the supplier (Buyer and Tenderer, the
    number of their flagged awards)."""

    threshold: float = Field(gt=0)
    margin: float = Field(default=0.2, gt=0, lt=1)
    window_days: int = Field(default=90, ge=0)
    minimum_awards: int = Field(default=2, ge=2)
    procurement_methods: PipeSeparated = frozenset()


class RotationSettings(_Settings):
    """JC-ROTATION, winner rotation among the same bidders (轮流坐庄). Ours, not OCP's.

    Considered are the contracting processes with all awards final, one active award to one
    supplier who submitted a bid, and at least `minimum_tenderers` tenderers with submitted bids.
    Processes with exactly the same set of tenderers form a group. A group of at least
    `minimum_contracting_processes` processes in which every tenderer of the set won at least
    once (they took turns) flags each of its processes (OCID, the number of processes in the
    group) and each tenderer of the set (Tenderer, the number of processes of flagged groups in
    which it bid)."""

    minimum_contracting_processes: int = Field(default=3, ge=2)
    minimum_tenderers: int = Field(default=2, ge=2)


class Settings(_Settings):
    """Which indicators run (those whose settings are given) and the settings all share:
    `currency` is the main currency (else the first currency seen); price comparisons leave out
    processes whose `/tender/procurementMethodDetails` is in
    `no_price_comparison_procurement_methods`, or, if `price_comparison_procurement_methods` is
    set, is not in it; every indicator leaves out `excluded_procurement_method_details`
    (cardinal's `[exclusions] procurement_method_details`)."""

    currency: str | None = None
    no_price_comparison_procurement_methods: PipeSeparated = frozenset()
    price_comparison_procurement_methods: PipeSeparated = frozenset()
    excluded_procurement_method_details: PipeSeparated = frozenset()
    R003: R003Settings | None = None
    R018: R018Settings | None = None
    R024: R024Settings | None = None
    R025: R025Settings | None = None
    R028: R028Settings | None = None
    R030: R030Settings | None = None
    R035: R035Settings | None = None
    R036: R036Settings | None = None
    R038: R038Settings | None = None
    R048: R048Settings | None = None
    R058: R058Settings | None = None
    JC_SPLIT: SplitSettings | None = None
    JC_ROTATION: RotationSettings | None = None


@dataclass(frozen=True)
class Assessment:
    """The results, and per indicator the quartiles and fences it used (`meta`, rounded to four
    decimals as cardinal's "Meta"), so a supervisor can see why a value was an outlier."""

    results: Results
    meta: dict[str, dict[str, float]]


def indicate(releases: Iterable[Mapping[str, Any]], settings: Settings) -> Results:
    """Cardinal's result of the enabled indicators over compiled releases."""
    return assess(releases, settings).results


def assess(releases: Iterable[Mapping[str, Any]], settings: Settings) -> Assessment:
    """The results with the quartiles and fences behind them."""
    run = _Run(settings)
    folds, finalizers = _plan(settings)
    for release in releases:
        if not isinstance(release, Mapping):
            continue
        ocid = ocds.ocid(release)
        if (
            ocid is None
            or ocds.is_cancelled(release)
            or not ocds.matches_procurement_method_details(
                release, frozenset(), settings.excluded_procurement_method_details
            )
        ):
            continue
        for fold in folds:
            fold(run, release, ocid)
    for finalize in finalizers:
        finalize(run)
    results = {group: ids for group, ids in run.results.items() if ids}
    meta = {code: {key: _round4(value) for key, value in notes.items()} for code, notes in run.meta.items()}
    return Assessment(results, meta)


def _round4(value: float) -> float:
    """Four decimals, halves away from zero (Rust's `round`, not Python's half-to-even)."""
    if not math.isfinite(value):
        return value
    scaled = abs(value * 10_000.0)
    whole = math.floor(scaled)
    if scaled - whole >= 0.5:
        whole += 1
    return math.copysign(whole, value) / 10_000.0


# The run: what the indicators gather over all releases before their final step.


@dataclass
class _Fraction:
    numerator: int = 0
    denominator: int = 0

    def ratio(self) -> float:
        return ocds.ieee_divide(float(self.numerator), float(self.denominator))


@dataclass
class _Classifications:
    contracting_processes: int = 0
    codes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _SplitCandidate:
    ocid: str
    buyer_id: str
    supplier_id: str
    amount: float
    date_ns: int


@dataclass
class _Run:
    settings: Settings
    results: Results = field(default_factory=dict)
    meta: dict[str, dict[str, float]] = field(default_factory=dict)
    # Cardinal's main currency, shared by the price comparison and R036 as in cardinal.
    currency: str | None = None
    second_lowest_bid_ratios: dict[str, float] = field(default_factory=dict)
    winner_and_lowest_non_winner: dict[str, tuple[str, str]] = field(default_factory=dict)
    r025_tenderer: defaultdict[str, _Fraction] = field(default_factory=lambda: defaultdict(_Fraction))
    r038_buyer: defaultdict[str, _Fraction] = field(default_factory=lambda: defaultdict(_Fraction))
    r038_procuring_entity: defaultdict[str, _Fraction] = field(default_factory=lambda: defaultdict(_Fraction))
    r038_tenderer: defaultdict[str, _Fraction] = field(default_factory=lambda: defaultdict(_Fraction))
    r048_classifications: defaultdict[str, _Classifications] = field(
        default_factory=lambda: defaultdict(_Classifications)
    )
    # Ours keep their own currency, so enabling them never changes an OCP indicator's result.
    split_currency: str | None = None
    split_candidates: dict[str, list[_SplitCandidate]] = field(default_factory=dict)
    rotation_processes: dict[str, tuple[frozenset[str], str]] = field(default_factory=dict)

    def flag(self, group: str, key: str, code: str, value: float) -> None:
        self.results.setdefault(group, {}).setdefault(key, {})[code] = float(value)

    def note(self, code: str, key: str, value: float) -> None:
        self.meta.setdefault(code, {})[key] = value

    def main_currency(self, observed: str) -> str:
        if self.currency is None:
            self.currency = self.settings.currency if self.settings.currency is not None else observed
        return self.currency


Fold = Callable[[_Run, Release, str], None]
Finalize = Callable[[_Run], None]


def _plan(settings: Settings) -> tuple[list[Fold], list[Finalize]]:
    """The steps of the enabled indicators, in cardinal's order (the order decides which currency
    is seen first)."""
    folds: list[Fold] = []
    finalizers: list[Finalize] = []
    if settings.R024 is not None or settings.R058 is not None:
        folds.append(_fold_second_lowest_bid_ratio)
    if settings.R003 is not None:
        folds.append(partial(_fold_r003, settings.R003))
    if settings.R018 is not None:
        folds.append(partial(_fold_r018, settings.R018))
    if settings.R024 is not None:
        finalizers.append(partial(_finalize_r024, settings.R024))
    if settings.R025 is not None:
        folds.append(_fold_r025)
        finalizers.append(partial(_finalize_r025, settings.R025))
    if settings.R028 is not None:
        folds.append(_fold_r028)
    if settings.R030 is not None:
        folds.append(_fold_r030)
    if settings.R035 is not None:
        folds.append(partial(_fold_r035, settings.R035))
    if settings.R036 is not None:
        folds.append(_fold_r036)
    if settings.R038 is not None:
        folds.append(_fold_r038)
        finalizers.append(partial(_finalize_r038, settings.R038))
    if settings.R048 is not None:
        folds.append(partial(_fold_r048, settings.R048))
        finalizers.append(partial(_finalize_r048, settings.R048))
    if settings.R058 is not None:
        finalizers.append(partial(_finalize_r058, settings.R058))
    if settings.JC_SPLIT is not None:
        folds.append(partial(_fold_split, settings.JC_SPLIT))
        finalizers.append(partial(_finalize_split, settings.JC_SPLIT))
    if settings.JC_ROTATION is not None:
        folds.append(partial(_fold_rotation, settings.JC_ROTATION))
        finalizers.append(partial(_finalize_rotation, settings.JC_ROTATION))
    return folds, finalizers


# Statistics as cardinal's statrs computes them.


def _quantile(data: list[float], tau: float) -> float:
    """statrs' `quantile` (approximately median-unbiased, R type 8); NaN if there is no data."""
    if tau < 0.0 or tau > 1.0 or not data:
        return math.nan
    ordered = sorted(data)
    h = (len(ordered) + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)
    if hf <= 0 or tau == 0.0:
        return ordered[0]
    if hf >= len(ordered) or tau == 1.0:
        return ordered[-1]
    a, b = ordered[hf - 1], ordered[hf]
    return a + (h - hf) * (b - a)


def _fused_multiply_add(a: float, b: float, c: float) -> float:
    """a * b + c rounded once, as Rust's `mul_add`: a fence computed with two roundings can differ
    in the last bit and move a value across it."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _lower_fence(values: list[float]) -> tuple[float, float, float]:
    """(Q1, Q3, Q1 - 1.5 IQR)."""
    q1, q3 = _quantile(values, 0.25), _quantile(values, 0.75)
    return q1, q3, _fused_multiply_add(q3 - q1, -1.5, q1)


def _upper_fence(values: list[float]) -> tuple[float, float, float]:
    """(Q1, Q3, Q3 + 1.5 IQR)."""
    q1, q3 = _quantile(values, 0.25), _quantile(values, 0.75)
    return q1, q3, _fused_multiply_add(q3 - q1, 1.5, q3)


def _is_price_compared(settings: Settings, release: Release) -> bool:
    return ocds.matches_procurement_method_details(
        release,
        settings.price_comparison_procurement_methods,
        settings.no_price_comparison_procurement_methods,
    )


# The indicators.


def _fold_second_lowest_bid_ratio(run: _Run, release: Release, ocid: str) -> None:
    """For R024 and R058: the winning bid against the lowest other valid bid, where the award
    criterion can be taken to be price only (one award, one supplier, the winner bid lowest)."""
    if not _is_price_compared(run.settings, release):
        return
    found = ocds.complete_awards_and_bids(release)
    if found is None:
        return
    awards, details = found
    supplier_id = ocds.sole_supplier_of_sole_award(awards)
    if supplier_id is None:
        return
    winner: tuple[str, float] | None = None
    lowest_other: tuple[str, float] | None = None
    for bid in ocds.priced_valid_bids(details):
        if bid.currency != run.main_currency(bid.currency):
            continue
        if bid.tenderer_id == supplier_id:
            # A winner with several bids is taken at its lowest.
            if winner is None or bid.amount < winner[1]:
                winner = (bid.tenderer_id, bid.amount)
        elif lowest_other is None or bid.amount < lowest_other[1]:
            lowest_other = (bid.tenderer_id, bid.amount)
    # If a lower bid lost, the award criteria were not price only: no comparison.
    if winner is not None and lowest_other is not None and lowest_other[1] >= winner[1]:
        run.second_lowest_bid_ratios[ocid] = ocds.ieee_divide(lowest_other[1] - winner[1], winner[1])
        run.winner_and_lowest_non_winner[ocid] = (winner[0], lowest_other[0])


def _fold_r003(setting: R003Settings, run: _Run, release: Release, ocid: str) -> None:
    tender = ocds.tender(release)
    if tender is None or not ocds.matches_procurement_method(tender, setting.procurement_methods):
        return
    period = ocds.obj(tender, "tenderPeriod")
    start, end = ocds.string(period, "startDate"), ocds.string(period, "endDate")
    if start is None or end is None:
        return
    start_ns, end_ns = ocds.parse_rfc3339_ns(start), ocds.parse_rfc3339_ns(end)
    if start_ns is None or end_ns is None:
        return
    details = ocds.string(tender, "procurementMethodDetails")
    threshold = setting.threshold
    if details is not None and details in setting.procurement_method_details:
        threshold = setting.procurement_method_details[details]
    if ocds.whole_days(start_ns, end_ns) < threshold:
        run.flag(OCID, ocid, "R003", 1.0)


def _fold_r018(setting: R018Settings, run: _Run, release: Release, ocid: str) -> None:
    tender = ocds.tender(release)
    if tender is None or not ocds.matches_procurement_method(tender, setting.procurement_methods):
        return
    count = tender.get("numberOfTenderers")
    # Only the JSON integer 1: cardinal reads the count as an unsigned integer, so 1.0 is not 1.
    if isinstance(count, int) and not isinstance(count, bool) and count == 1:
        run.flag(OCID, ocid, "R018", 1.0)


def _finalize_r024(setting: R024Settings, run: _Run) -> None:
    ratios = run.second_lowest_bid_ratios
    if setting.threshold is None:
        q1, q3, lower_fence = _lower_fence(list(ratios.values()))
        run.note("R024", "q1", q1)
        run.note("R024", "q3", q3)
    else:
        lower_fence, q1 = setting.threshold, 1.0  # q1 only has to pass the guard below
    run.note("R024", "lower_fence", lower_fence)
    # Differences are never negative: if Q1 is zero, 75% would be "outliers", so nothing is.
    if q1 > 0.0 and lower_fence > 0.0:
        for ocid, ratio in ratios.items():
            if ratio <= lower_fence:
                run.flag(OCID, ocid, "R024", ratio)
                for tenderer_id in run.winner_and_lowest_non_winner[ocid]:
                    run.flag(TENDERER, tenderer_id, "R024", 0.0)


def _fold_r025(run: _Run, release: Release, ocid: str) -> None:
    found = ocds.complete_awards_and_bids(release)
    if found is None:
        return
    awards, details = found
    supplier_id = ocds.sole_supplier_of_sole_award(awards)
    if supplier_id is None:
        return
    valid_tenderer_ids: set[str] = set()
    for bid in details:
        tenderers = ocds.array(bid, "tenderers")
        if ocds.string(bid, "status") == "valid" and len(tenderers) == 1:
            tenderer_id = ocds.string(tenderers[0], "id")
            if tenderer_id is not None:
                valid_tenderer_ids.add(tenderer_id)
    # A tenderer counts once per contracting process, however many bids it made.
    for tenderer_id in valid_tenderer_ids:
        fraction = run.r025_tenderer[tenderer_id]
        fraction.numerator += int(tenderer_id == supplier_id)
        fraction.denominator += 1


def _finalize_r025(setting: R025Settings, run: _Run) -> None:
    fractions = run.r025_tenderer
    upper_fence = _quantile([float(f.denominator) for f in fractions.values()], setting.percentile / 100.0)
    if setting.threshold is None:
        q1, q3, lower_fence = _lower_fence([f.ratio() for f in fractions.values()])
        run.note("R025", "q1", q1)
        run.note("R025", "q3", q3)
    else:
        lower_fence, q1 = setting.threshold, 1.0  # q1 only has to pass the guard below
    run.note("R025", "upper_fence", upper_fence)
    run.note("R025", "lower_fence", lower_fence)
    # If Q1 is zero, 75% of tenderers won nothing and the top tenderers would all be flagged.
    if q1 > 0.0 and lower_fence > 0.0:
        for tenderer_id, fraction in fractions.items():
            ratio = fraction.ratio()
            if fraction.denominator >= upper_fence and ratio <= lower_fence:
                run.flag(TENDERER, tenderer_id, "R025", ratio)


def _fold_r028(run: _Run, release: Release, ocid: str) -> None:
    if not _is_price_compared(run.settings, release):
        return
    prices: dict[tuple[float, str], frozenset[str]] = {}
    for bid in ocds.submitted_bids(release):
        value = ocds.obj(bid, "value")
        amount, currency = ocds.number(value, "amount"), ocds.string(value, "currency")
        tenderer_ids = frozenset(ocds.tenderer_ids(bid))
        if amount is None or currency is None or not tenderer_ids:
            continue
        price = (amount, currency)
        other = prices.get(price)
        # A tenderer may submit further bids at its own price.
        if other is not None and tenderer_ids != other:
            run.flag(OCID, ocid, "R028", 1.0)
            for tenderer_id in tenderer_ids | other:
                run.flag(TENDERER, tenderer_id, "R028", 1.0)
        prices[price] = tenderer_ids


def _fold_r030(run: _Run, release: Release, ocid: str) -> None:
    end_date = ocds.string(ocds.obj(ocds.tender(release), "tenderPeriod"), "endDate")
    awards = release.get("awards")
    details = ocds.obj(release, "bids")
    bids = details.get("details") if details is not None else None
    if end_date is None or not isinstance(awards, list) or not isinstance(bids, list):
        return
    supplier_ids = {
        supplier_id
        for award in awards
        if ocds.string(award, "status") == "active"
        for supplier in ocds.array(award, "suppliers")
        if (supplier_id := ocds.string(supplier, "id")) is not None
    }
    for bid in bids:
        bid_date = ocds.string(bid, "date")
        if (
            ocds.string(bid, "status") != "valid"
            or bid_date is None
            or not isinstance(bid.get("tenderers"), list)
        ):
            continue
        # Compared as text, as cardinal does: right for dates in the same offset and format.
        if bid_date > end_date:
            for tenderer_id in ocds.tenderer_ids(bid):
                if tenderer_id in supplier_ids:
                    run.flag(OCID, ocid, "R030", 1.0)
                    run.flag(TENDERER, tenderer_id, "R030", 1.0)


def _fold_r035(setting: R035Settings, run: _Run, release: Release, ocid: str) -> None:
    found = ocds.complete_awards_and_bids(release)
    if found is None:
        return
    awards, details = found
    supplier_ids = {
        supplier_id
        for award in awards
        for supplier in ocds.array(award, "suppliers")
        if (supplier_id := ocds.string(supplier, "id")) is not None
    }
    valid: set[str] = set()
    disqualified: set[str] = set()
    for bid in details:
        status = ocds.string(bid, "status")
        if not isinstance(bid, Mapping) or not isinstance(bid.get("tenderers"), list):
            continue
        if status == "valid":
            valid.update(ocds.tenderer_ids(bid))
        elif status == "disqualified":
            disqualified.update(ocds.tenderer_ids(bid))
    # Not for several winners: a buyer may join bids into one award and sign several contracts.
    threshold = max(setting.threshold, 1)
    others = len(disqualified - valid)
    if len(valid) == 1 and valid == supplier_ids and others >= threshold:
        run.flag(OCID, ocid, "R035", float(others))
        run.flag(TENDERER, next(iter(valid)), "R035", 0.0)


def _fold_r036(run: _Run, release: Release, ocid: str) -> None:
    if not _is_price_compared(run.settings, release):
        return
    awards = release.get("awards")
    if not isinstance(awards, list) or not any(ocds.string(award, "status") == "active" for award in awards):
        return
    lowest: float | None = None
    lowest_is_disqualified = False
    has_valid_bid_with_amount = False
    for bid in ocds.submitted_bids(release):
        status = ocds.string(bid, "status")
        value = ocds.obj(bid, "value")
        amount, currency = ocds.number(value, "amount"), ocds.string(value, "currency")
        if amount is None or currency is None or currency != run.main_currency(currency):
            continue
        if lowest is None or amount < lowest:
            lowest = amount
            lowest_is_disqualified = status == "disqualified"
        if status == "valid":
            has_valid_bid_with_amount = True
    if has_valid_bid_with_amount and lowest_is_disqualified:
        run.flag(OCID, ocid, "R036", 1.0)


def _fold_r038(run: _Run, release: Release, ocid: str) -> None:
    bids = ocds.submitted_bids(release)
    if not bids:
        return
    disqualified = 0
    for bid in bids:
        increment = int(ocds.string(bid, "status") == "disqualified")
        disqualified += increment
        for tenderer_id in ocds.tenderer_ids(bid):
            fraction = run.r038_tenderer[tenderer_id]
            fraction.numerator += increment
            fraction.denominator += 1
    # Buyers and procuring entities count bids, not processes (as cardinal does).
    buyer_id = ocds.string(ocds.obj(release, "buyer"), "id")
    if buyer_id is not None:
        fraction = run.r038_buyer[buyer_id]
        fraction.numerator += disqualified
        fraction.denominator += len(bids)
    entity_id = ocds.string(ocds.obj(ocds.tender(release), "procuringEntity"), "id")
    if entity_id is not None:
        fraction = run.r038_procuring_entity[entity_id]
        fraction.numerator += disqualified
        fraction.denominator += len(bids)


def _finalize_r038(setting: R038Settings, run: _Run) -> None:
    for group, fractions, minimum in (
        (BUYER, run.r038_buyer, setting.minimum_contracting_processes),
        (PROCURING_ENTITY, run.r038_procuring_entity, setting.minimum_contracting_processes),
        (TENDERER, run.r038_tenderer, setting.minimum_submitted_bids),
    ):
        ratios = {key: f.ratio() for key, f in fractions.items() if f.denominator >= minimum}
        if not ratios:
            continue
        if setting.threshold is None:
            q1, q3, upper_fence = _upper_fence(list(ratios.values()))
            run.note("R038", f"{group}_q1", q1)
            run.note("R038", f"{group}_q3", q3)
        else:
            upper_fence = setting.threshold
        run.note("R038", f"{group}_upper_fence", upper_fence)
        # If the fence is zero, 75% disqualified nothing and everyone else would be flagged.
        if upper_fence > 0.0:
            for key, ratio in ratios.items():
                if ratio >= upper_fence:
                    run.flag(group, key, "R038", ratio)


def _fold_r048(setting: R048Settings, run: _Run, release: Release, ocid: str) -> None:
    observed: set[str] = set()
    for award in ocds.array(release, "awards"):
        suppliers = ocds.array(award, "suppliers")
        items = award.get("items") if isinstance(award, Mapping) else None
        # Several suppliers need not all supply every item: counting them would overcount variety.
        if ocds.string(award, "status") != "active" or not isinstance(items, list) or len(suppliers) != 1:
            continue
        supplier_id = ocds.string(suppliers[0], "id")
        if supplier_id is None:
            continue
        for item in items:
            classification_id = ocds.string(ocds.obj(item, "classification"), "id")
            if classification_id is None:
                continue
            classifications = run.r048_classifications[supplier_id]
            # A supplier counts once per contracting process.
            if supplier_id not in observed:
                observed.add(supplier_id)
                classifications.contracting_processes += 1
            classifications.codes.add(classification_id[: setting.digits])


def _finalize_r048(setting: R048Settings, run: _Run) -> None:
    varieties = {
        supplier_id: float(len(c.codes))
        for supplier_id, c in run.r048_classifications.items()
        if c.contracting_processes >= setting.minimum_contracting_processes
    }
    if setting.threshold is None:
        q1, q3, upper_fence = _upper_fence(list(varieties.values()))
        run.note("R048", "q1", q1)
        run.note("R048", "q3", q3)
    else:
        upper_fence = float(setting.threshold)
    run.note("R048", "upper_fence", upper_fence)
    for supplier_id, variety in varieties.items():
        if variety >= upper_fence:
            run.flag(TENDERER, supplier_id, "R048", variety)


def _finalize_r058(setting: R058Settings, run: _Run) -> None:
    ratios = run.second_lowest_bid_ratios
    if setting.threshold is None:
        q1, q3, upper_fence = _upper_fence(list(ratios.values()))
        run.note("R058", "q1", q1)
        run.note("R058", "q3", q3)
    else:
        upper_fence = setting.threshold
    run.note("R058", "upper_fence", upper_fence)
    if upper_fence > 0.0:
        for ocid, ratio in ratios.items():
            if ratio >= upper_fence:
                run.flag(OCID, ocid, "R058", ratio)
                run.flag(TENDERER, run.winner_and_lowest_non_winner[ocid][0], "R058", 0.0)


# Ours.


def _fold_split(setting: SplitSettings, run: _Run, release: Release, ocid: str) -> None:
    buyer_id = ocds.string(ocds.obj(release, "buyer"), "id")
    if buyer_id is None or not ocds.matches_procurement_method(
        ocds.tender(release), setting.procurement_methods
    ):
        return
    floor = setting.threshold * (1.0 - setting.margin)
    candidates: list[_SplitCandidate] = []
    for award in ocds.array(release, "awards"):
        suppliers = ocds.array(award, "suppliers")
        value = ocds.obj(award, "value")
        amount, currency = ocds.number(value, "amount"), ocds.string(value, "currency")
        award_date = ocds.string(award, "date")
        date_ns = ocds.parse_rfc3339_ns(award_date) if award_date is not None else None
        supplier_id = ocds.string(suppliers[0], "id") if len(suppliers) == 1 else None
        if (
            ocds.string(award, "status") != "active"
            or supplier_id is None
            or amount is None
            or currency is None
            or date_ns is None
        ):
            continue
        if run.split_currency is None:
            run.split_currency = run.settings.currency if run.settings.currency is not None else currency
        if currency == run.split_currency and floor <= amount < setting.threshold:
            candidates.append(_SplitCandidate(ocid, buyer_id, supplier_id, amount, date_ns))
    # A contracting process repeated in the input counts once (its last record).
    run.split_candidates[ocid] = candidates


def _finalize_split(setting: SplitSettings, run: _Run) -> None:
    pairs: defaultdict[tuple[str, str], list[_SplitCandidate]] = defaultdict(list)
    for candidates in run.split_candidates.values():
        for candidate in candidates:
            pairs[(candidate.buyer_id, candidate.supplier_id)].append(candidate)
    window_ns = setting.window_days * ocds.NS_PER_DAY
    flagged: list[_SplitCandidate] = []
    for awards in pairs.values():
        awards.sort(key=lambda c: (c.date_ns, c.ocid))
        in_a_run = [False] * len(awards)
        for start in range(len(awards)):
            end = start
            while end < len(awards) and awards[end].date_ns - awards[start].date_ns <= window_ns:
                end += 1
            if (
                end - start >= setting.minimum_awards
                and sum(a.amount for a in awards[start:end]) > setting.threshold
            ):
                in_a_run[start:end] = [True] * (end - start)
        flagged.extend(award for award, flag in zip(awards, in_a_run, strict=True) if flag)
    per_buyer: defaultdict[str, int] = defaultdict(int)
    per_supplier: defaultdict[str, int] = defaultdict(int)
    for award in flagged:
        run.flag(OCID, award.ocid, "JC-SPLIT", 1.0)
        per_buyer[award.buyer_id] += 1
        per_supplier[award.supplier_id] += 1
    for buyer_id, count in per_buyer.items():
        run.flag(BUYER, buyer_id, "JC-SPLIT", float(count))
    for supplier_id, count in per_supplier.items():
        run.flag(TENDERER, supplier_id, "JC-SPLIT", float(count))


def _fold_rotation(setting: RotationSettings, run: _Run, release: Release, ocid: str) -> None:
    found = ocds.complete_awards_and_bids(release)
    if found is None:
        return
    winner = ocds.sole_supplier_of_sole_award(found[0])
    tenderers = frozenset(
        tenderer_id for bid in ocds.submitted_bids(release) for tenderer_id in ocds.tenderer_ids(bid)
    )
    if winner is None or winner not in tenderers or len(tenderers) < setting.minimum_tenderers:
        run.rotation_processes.pop(ocid, None)
        return
    # A contracting process repeated in the input counts once (its last record).
    run.rotation_processes[ocid] = (tenderers, winner)


def _finalize_rotation(setting: RotationSettings, run: _Run) -> None:
    groups: defaultdict[frozenset[str], list[tuple[str, str]]] = defaultdict(list)
    for ocid, (tenderers, winner) in run.rotation_processes.items():
        groups[tenderers].append((ocid, winner))
    per_tenderer: defaultdict[str, int] = defaultdict(int)
    for tenderers, processes in groups.items():
        winners = {winner for _, winner in processes}
        if len(processes) < setting.minimum_contracting_processes or winners != tenderers:
            continue
        for ocid, _ in processes:
            run.flag(OCID, ocid, "JC-ROTATION", float(len(processes)))
        for tenderer_id in tenderers:
            per_tenderer[tenderer_id] += len(processes)
    for tenderer_id, count in per_tenderer.items():
        run.flag(TENDERER, tenderer_id, "JC-ROTATION", float(count))
