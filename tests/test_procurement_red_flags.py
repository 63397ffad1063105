"""Red flags of public resource trading (R-MON-2): OCP's indicators give exactly the results of
OCP's own test cases (cardinal's fixtures, settings in the file name), and behave as cardinal's
documentation demonstrates; our two, contract splitting and winner rotation, do what they say."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jiancha.domain.procurement.red_flags import (
    R024Settings,
    R025Settings,
    R035Settings,
    R036Settings,
    R038Settings,
    R048Settings,
    R058Settings,
    RotationSettings,
    Settings,
    SplitSettings,
    indicate,
)

# OCP's own test cases (cardinal-rs, MIT; tests/data/procurement-red-flags/README.md), copied from
# ../shared/data so that a clone anywhere has them; JIANCHA_SHARED_DATA points at another copy.
SHARED_DATA = Path(os.environ.get("JIANCHA_SHARED_DATA", Path(__file__).parent / "data"))
FIXTURES = SHARED_DATA / "procurement-red-flags"


def _fixture_names() -> list[str]:
    # Missing fixtures fail the run rather than skip it: a green run must mean OCP's cases passed.
    if not FIXTURES.is_dir():
        raise RuntimeError(f"OCP's red-flag fixtures are not at {FIXTURES}: set JIANCHA_SHARED_DATA")
    return sorted(path.stem for path in FIXTURES.glob("*.jsonl"))


def _settings_of(name: str) -> Settings:
    """Settings from a fixture's name, as cardinal's build.rs reads them: `R003` alone is the
    defaults, `R003-threshold-10` one setting (`+` separates list values), and
    `R003-procurement_method_details-x-5-y-10` a mapping. Cardinal's harness also sets 'NPC' as a
    procurement method without price comparison and excludes 'EXC', which the fixtures test."""
    code, *parts = name.replace("+", "|").split("-")
    setting: dict[str, Any] = {}
    if len(parts) == 2:
        field, value = parts
        setting[field] = int(value) if value.isdigit() else value
    elif len(parts) > 2:
        field, *pairs = parts
        setting[field] = {key: int(value) for key, value in zip(pairs[::2], pairs[1::2], strict=True)}
    return Settings.model_validate(
        {
            code: setting,
            "no_price_comparison_procurement_methods": "NPC",
            "excluded_procurement_method_details": "EXC",
        }
    )


def _releases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", _fixture_names())
def test_each_ocp_fixture_gives_exactly_the_expected_result(name: str) -> None:
    result = indicate(_releases(FIXTURES / f"{name}.jsonl"), _settings_of(name))
    expected = json.loads((FIXTURES / f"{name}.expected").read_text(encoding="utf-8"))
    assert result == expected


def test_fixture_names_give_cardinals_settings() -> None:
    assert {name.split("-")[0] for name in _fixture_names()} >= {"R003", "R018", "R024", "R028", "R030"}
    by_details = _settings_of("R003-procurement_method_details-x-5-y-10").R003
    assert by_details is not None
    assert dict(by_details.procurement_method_details) == {"x": 5, "y": 10}
    by_method = _settings_of("R003-procurement_methods-open+selective").R003
    assert by_method is not None
    assert by_method.procurement_methods == {"open", "selective"}


def test_pipe_separated_settings_read_as_cardinal_splits_them() -> None:
    # Rust's split_terminator: a trailing '|' adds nothing, an inner '||' an empty value.
    settings = Settings.model_validate(
        {"no_price_comparison_procurement_methods": "a|b|", "price_comparison_procurement_methods": "a||b"}
    )
    assert settings.no_price_comparison_procurement_methods == {"a", "b"}
    assert settings.price_comparison_procurement_methods == {"a", "", "b"}
    assert (
        Settings.model_validate(
            {"excluded_procurement_method_details": ""}
        ).excluded_procurement_method_details
        == set()
    )


# Cardinal's documentation examples (docs/cli/indicators/R/*.md, docs/examples/R/*.jsonl).


def _bid(tenderer: str, status: str = "valid", amount: float | None = None) -> dict[str, Any]:
    bid: dict[str, Any] = {"status": status, "tenderers": [{"id": tenderer}]}
    if amount is not None:
        bid["value"] = {"amount": amount, "currency": "USD"}
    return bid


def _process(ocid: str, bids: list[dict[str, Any]], winner: str | None = None, **more: Any) -> dict[str, Any]:
    release: dict[str, Any] = {"ocid": ocid, "bids": {"details": bids}, **more}
    if winner is not None:
        release["awards"] = [{"status": "active", "suppliers": [{"id": winner}]}]
    return release


def test_r025_flags_the_top_tenderer_that_rarely_wins() -> None:
    # F bids in all six processes and wins one; the others bid once and win.
    releases = [_process("0", [_bid("F")], "F")] + [
        _process(str(i), [_bid("F"), _bid(str(i))], str(i)) for i in range(1, 6)
    ]
    assert indicate(releases, Settings(R025=R025Settings())) == {"Tenderer": {"F": {"R025": 1 / 6}}}


def test_r035_flags_the_process_where_all_but_the_winner_were_disqualified() -> None:
    releases = [_process("F", [_bid("D", "disqualified"), _bid("V")], "V")]
    assert indicate(releases, Settings(R035=R035Settings())) == {
        "OCID": {"F": {"R035": 1.0}},
        "Tenderer": {"V": {"R035": 0.0}},
    }


def test_r035_threshold_asks_for_more_disqualified_tenderers() -> None:
    releases = [_process("F", [_bid("D", "disqualified"), _bid("V")], "V")]
    assert indicate(releases, Settings(R035=R035Settings(threshold=2))) == {}


def test_r035_is_not_for_a_pending_award() -> None:
    release = _process("F", [_bid("D", "disqualified"), _bid("V")], "V")
    release["awards"].append({"status": "pending"})
    assert indicate([release], Settings(R035=R035Settings())) == {}


def test_r036_flags_the_disqualified_lowest_bid() -> None:
    release = {
        "ocid": "F",
        "bids": {
            "details": [
                {"status": "disqualified", "value": {"amount": 1, "currency": "USD"}},
                {"status": "valid", "value": {"amount": 2, "currency": "USD"}},
            ]
        },
        "awards": [{"status": "active"}],
    }
    assert indicate([release], Settings(R036=R036Settings())) == {"OCID": {"F": {"R036": 1.0}}}


@pytest.mark.parametrize(
    ("details", "include", "exclude", "flagged"),
    [
        ("X", False, False, True),
        ("X", True, False, False),
        ("X", False, True, True),
        ("Y", False, False, True),
        ("Y", True, False, True),
        ("Y", False, True, True),
        ("N", False, False, True),
        ("N", True, False, False),
        ("N", False, True, False),
    ],
)
def test_r036_compares_prices_only_where_the_procurement_method_allows(
    details: str, include: bool, exclude: bool, flagged: bool
) -> None:
    # Cardinal's own unit test of price_comparison / no_price_comparison_procurement_methods.
    release = {
        "ocid": "F",
        "bids": {
            "details": [
                {"status": "disqualified", "value": {"amount": 1, "currency": "USD"}},
                {"status": "valid", "value": {"amount": 2, "currency": "USD"}},
            ]
        },
        "awards": [{"status": "active"}],
        "tender": {"procurementMethodDetails": details},
    }
    settings = Settings(
        R036=R036Settings(),
        price_comparison_procurement_methods=frozenset({"Y"}) if include else frozenset(),
        no_price_comparison_procurement_methods=frozenset({"N"}) if exclude else frozenset(),
    )
    assert indicate([release], settings) == ({"OCID": {"F": {"R036": 1.0}}} if flagged else {})


def test_r036_ignores_bids_in_another_currency_than_the_main_one() -> None:
    release = {
        "ocid": "F",
        "bids": {
            "details": [
                {"status": "disqualified", "value": {"amount": 1, "currency": "CAD"}},
                {"status": "valid", "value": {"amount": 2, "currency": "USD"}},
            ]
        },
        "awards": [{"status": "active"}],
    }
    assert indicate([release], Settings(R036=R036Settings(), currency="USD")) == {}


def test_r038_flags_the_buyer_that_disqualifies_many_bids() -> None:
    releases = [
        {"ocid": "0", "bids": {"details": [_bid("W1"), _bid("D", "disqualified")]}, "buyer": {"id": "B"}},
        *(
            {"ocid": str(i), "bids": {"details": [_bid(f"W{i + 1}")]}, "buyer": {"id": str(i)}}
            for i in range(1, 5)
        ),
    ]
    assert indicate(releases, Settings(R038=R038Settings())) == {"Buyer": {"B": {"R038": 0.5}}}


def test_r038_flags_tenderers_and_procuring_entities_above_a_set_fence() -> None:
    releases = [
        {
            "ocid": str(i),
            "bids": {"details": [_bid("M", "disqualified"), _bid("G")]},
            "tender": {"procuringEntity": {"id": "P"}},
        }
        for i in range(2)
    ]
    assert indicate(releases, Settings(R038=R038Settings(threshold=0.5))) == {
        "ProcuringEntity": {"P": {"R038": 0.5}},
        "Tenderer": {"M": {"R038": 1.0}},
    }


def test_r048_flags_the_supplier_of_many_kinds_of_items() -> None:
    def award(ocid: str, supplier: str, *codes: str) -> dict[str, Any]:
        items = [{"classification": {"id": code}} for code in codes]
        return {
            "ocid": ocid,
            "awards": [{"status": "active", "suppliers": [{"id": supplier}], "items": items}],
        }

    releases = [award("F", "F", "10000000", "11000000")] + [
        award(str(i), str(i), "10000000") for i in range(1, 5)
    ]
    assert indicate(releases, Settings(R048=R048Settings(minimum_contracting_processes=1))) == {
        "Tenderer": {"F": {"R048": 2.0}}
    }
    # By default only suppliers awarded in 20 processes make the fence.
    assert indicate(releases, Settings(R048=R048Settings())) == {}


def test_r058_flags_the_heavily_discounted_winning_bid() -> None:
    releases = [_process("F", [_bid("W", amount=1), _bid("L", amount=100)], "W")] + [
        _process(str(i), [_bid("W", amount=1), _bid("L", amount=2)], "W") for i in range(1, 5)
    ]
    assert indicate(releases, Settings(R058=R058Settings())) == {
        "OCID": {"F": {"R058": 99.0}},
        "Tenderer": {"W": {"R058": 0.0}},
    }


def test_r024_with_a_threshold_flags_the_close_second_bid() -> None:
    releases = [
        _process("F", [_bid("W", amount=100), _bid("L", amount=101)], "W"),
        _process("1", [_bid("W", amount=100), _bid("L", amount=150)], "W"),
    ]
    assert indicate(releases, Settings(R024=R024Settings(threshold=0.05))) == {
        "OCID": {"F": {"R024": 0.01}},
        "Tenderer": {"W": {"R024": 0.0}, "L": {"R024": 0.0}},
    }


# Ours: contract splitting just below a threshold (JC-SPLIT).


def _award(ocid: str, amount: float, day: str, buyer: str = "B", supplier: str = "S") -> dict[str, Any]:
    return {
        "ocid": ocid,
        "buyer": {"id": buyer},
        "awards": [
            {
                "status": "active",
                "date": f"{day}T00:00:00Z",
                "suppliers": [{"id": supplier}],
                "value": {"amount": amount, "currency": "CNY"},
            }
        ],
    }


SPLIT = Settings(JC_SPLIT=SplitSettings(threshold=1_000_000))


def test_split_flags_awards_just_below_the_threshold_that_sum_above_it() -> None:
    releases = [_award("a", 950_000, "2024-03-01"), _award("b", 900_000, "2024-04-15")]
    assert indicate(releases, SPLIT) == {
        "OCID": {"a": {"JC-SPLIT": 1.0}, "b": {"JC-SPLIT": 1.0}},
        "Buyer": {"B": {"JC-SPLIT": 2.0}},
        "Tenderer": {"S": {"JC-SPLIT": 2.0}},
    }


def test_split_leaves_awards_outside_the_window_alone() -> None:
    releases = [_award("a", 950_000, "2024-01-01"), _award("b", 900_000, "2024-06-01")]
    assert indicate(releases, SPLIT) == {}


def test_split_leaves_small_awards_and_awards_above_the_threshold_alone() -> None:
    # 700,000 is not "just below" (the margin is 20%); 1,000,000 is the threshold itself.
    releases = [_award("a", 700_000, "2024-03-01"), _award("b", 700_000, "2024-03-02")]
    assert indicate(releases, SPLIT) == {}
    releases = [_award("a", 1_000_000, "2024-03-01"), _award("b", 950_000, "2024-03-02")]
    assert indicate(releases, SPLIT) == {}


def test_split_is_per_buyer_and_supplier() -> None:
    releases = [
        _award("a", 950_000, "2024-03-01", supplier="S"),
        _award("b", 900_000, "2024-03-02", supplier="T"),
    ]
    assert indicate(releases, SPLIT) == {}
    releases = [_award("a", 950_000, "2024-03-01", buyer="B"), _award("b", 900_000, "2024-03-02", buyer="C")]
    assert indicate(releases, SPLIT) == {}


def test_split_counts_only_the_main_currency() -> None:
    other = _award("b", 900_000, "2024-03-02")
    other["awards"][0]["value"]["currency"] = "USD"
    assert indicate([_award("a", 950_000, "2024-03-01"), other], SPLIT) == {}


def test_split_with_three_awards_flags_only_those_in_a_run() -> None:
    releases = [
        _award("a", 850_000, "2024-01-01"),
        _award("b", 850_000, "2024-01-20"),
        _award("c", 850_000, "2024-09-01"),
    ]
    assert indicate(releases, SPLIT)["OCID"] == {"a": {"JC-SPLIT": 1.0}, "b": {"JC-SPLIT": 1.0}}


# Ours: winner rotation among the same bidders (JC-ROTATION).

ROTATION = Settings(JC_ROTATION=RotationSettings())


def _round(ocid: str, winner: str, bidders: tuple[str, ...] = ("A", "B", "C")) -> dict[str, Any]:
    return _process(ocid, [_bid(bidder) for bidder in bidders], winner)


def test_rotation_flags_the_same_bidders_taking_turns_to_win() -> None:
    releases = [_round("1", "A"), _round("2", "B"), _round("3", "C")]
    assert indicate(releases, ROTATION) == {
        "OCID": {"1": {"JC-ROTATION": 3.0}, "2": {"JC-ROTATION": 3.0}, "3": {"JC-ROTATION": 3.0}},
        "Tenderer": {"A": {"JC-ROTATION": 3.0}, "B": {"JC-ROTATION": 3.0}, "C": {"JC-ROTATION": 3.0}},
    }


def test_rotation_needs_every_bidder_to_have_won() -> None:
    releases = [_round("1", "A"), _round("2", "B"), _round("3", "A")]
    assert indicate(releases, ROTATION) == {}


def test_rotation_needs_exactly_the_same_bidders() -> None:
    releases = [_round("1", "A"), _round("2", "B"), _round("3", "C", ("A", "B", "C", "D"))]
    assert indicate(releases, ROTATION) == {}


def test_rotation_needs_enough_processes() -> None:
    releases = [_round("1", "A", ("A", "B")), _round("2", "B", ("A", "B"))]
    assert indicate(releases, ROTATION) == {}
    settings = Settings(JC_ROTATION=RotationSettings(minimum_contracting_processes=2))
    assert indicate(releases, settings)["OCID"] == {"1": {"JC-ROTATION": 2.0}, "2": {"JC-ROTATION": 2.0}}


def test_rotation_leaves_cancelled_and_pending_processes_out() -> None:
    cancelled = _round("3", "C")
    cancelled["tender"] = {"status": "cancelled"}
    pending = _round("4", "C")
    pending["awards"].append({"status": "pending"})
    assert indicate([_round("1", "A"), _round("2", "B"), cancelled, pending], ROTATION) == {}
