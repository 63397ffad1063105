"""Official vehicles (R-MON-3) on the platform: vehicles registered with their unit, the unit's
geofences, fixes through the API and as files, kept and ledgered, and the pack's checks raised as
signals on the unit — once per episode."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from jiancha.domain.timeutil import LOCAL
from jiancha.domain.vehicles.tracks import distance_km
from jiancha.services import integrity, signals, vehicles
from jiancha.store.database import Database
from jiancha.store.tables import ledger, vehicle_fixes

from .conftest import client_as, ensure_organisation, system_client

UNIT = "330900-SCJG"
OTHER_CITY = "330800-SCJG"

# The city's permitted area, a scenic spot inside it, and the unit's registered car park.
CITY = [[120.0, 30.0], [120.2, 30.0], [120.2, 30.2], [120.0, 30.2], [120.0, 30.0]]
SCENIC = [[120.15, 30.15], [120.17, 30.15], [120.17, 30.17], [120.15, 30.17], [120.15, 30.15]]
CAR_PARK = [[120.05, 30.05], [120.06, 30.05], [120.06, 30.06], [120.05, 30.06], [120.05, 30.05]]
OFFICE = (30.055, 120.055)  # (lat, lon), in the car park
HOME = (30.10, 120.10)


def fences(department: str | None = None) -> dict[str, Any]:
    def feature(fid: str, kind: str, ring: list[list[float]], **props: Any) -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {"id": fid, "name": props.pop("name", fid), "kind": kind, **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            feature("city", "permitted_area", CITY, name="示范市市区"),
            feature("scenic", "special_area", SCENIC, name="示范山景区"),
            feature("office", "registered_parking", CAR_PARK, name="市监局机关停车场"),
        ],
    }
    return {**doc, "department_code": department} if department else doc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL)


def drive(
    vehicle: str, start: str, a: tuple[float, float], b: tuple[float, float], minutes: int
) -> list[dict[str, Any]]:
    """A fix a minute from a to b, ignition on."""
    t0 = at(start)
    out = []
    for k in range(minutes + 1):
        s = k / minutes
        out.append(
            {
                "vehicle_id": vehicle,
                "at": (t0 + timedelta(minutes=k)).isoformat(),
                "lat": round(a[0] + (b[0] - a[0]) * s, 6),
                "lon": round(a[1] + (b[1] - a[1]) * s, 6),
                "ignition": True,
            }
        )
    return out


def parked(
    vehicle: str, start: str, where: tuple[float, float], hours: float, every: int = 30
) -> list[dict[str, Any]]:
    t0 = at(start)
    return [
        {
            "vehicle_id": vehicle,
            "at": (t0 + timedelta(minutes=m)).isoformat(),
            "lat": where[0],
            "lon": where[1],
            "ignition": False,
        }
        for m in range(0, int(hours * 60) + 1, every)
    ]


def week() -> list[dict[str, Any]]:
    """Each vehicle does one thing worth a signal — or, V-DRIFT, nothing."""
    fixes: list[dict[str, Any]] = []
    # A trip at 22:00 on a working day (Tuesday 15 September 2026).
    fixes += drive("V-NIGHT", "2026-09-15T22:00", OFFICE, HOME, 20)
    # A trip on a holiday (National Day).
    fixes += drive("V-HOLIDAY", "2026-10-01T10:00", OFFICE, HOME, 30)
    # A visit to the scenic spot in working hours: in and around it for 20 minutes.
    fixes += drive("V-SPECIAL", "2026-09-15T14:00", OFFICE, (30.151, 120.151), 20)
    fixes += drive("V-SPECIAL", "2026-09-15T14:21", (30.152, 120.152), (30.168, 120.168), 20)
    fixes += drive("V-SPECIAL", "2026-09-15T14:42", (30.149, 120.149), OFFICE, 20)
    # A night parked at home, after driving there before 19:00, and back to the office by 08:00.
    fixes += drive("V-HOME", "2026-09-15T18:30", OFFICE, HOME, 20)
    fixes += parked("V-HOME", "2026-09-15T18:51", HOME, 12.5)
    fixes += drive("V-HOME", "2026-09-16T07:25", HOME, OFFICE, 20)
    # GPS drift across the city's boundary while parked by it in working hours: two fixes out.
    edge = (30.1, 120.1995)
    drift = parked("V-DRIFT", "2026-09-15T10:00", edge, 0.5, every=1)
    for k in (10, 11):
        drift[k]["lon"] = 120.2015
    fixes += drift
    return fixes


def setup_unit(db: Database) -> Any:
    ensure_organisation(db)
    sender = system_client(db, UNIT)
    registered = sender.post(
        "/api/v1/vehicles",
        json=[
            {"vehicle_id": v, "plate": f"浙K·{n:05d}", "name": "公务用车"}
            for n, v in enumerate(["V-NIGHT", "V-HOLIDAY", "V-SPECIAL", "V-HOME", "V-DRIFT"])
        ],
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["registered"] == 5
    put = sender.put(f"/api/v1/vehicles/geofences/{UNIT}", json=fences())
    assert put.status_code == 200, put.text
    assert put.json() == {"department_code": UNIT, "version": 1, "fences": 3, "unchanged": False}
    return sender


def raised(db: Database) -> dict[str, str]:
    _, rows = signals.list_signals(db, signals.SignalFilter(), limit=1000)
    return {
        str(r["subject"]): str(r["rule_id"]) for r in rows if str(r["subject"] or "").startswith("vehicle:")
    }


def count_fixes(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(vehicle_fixes)).scalar_one())


def test_a_week_of_tracks_raises_each_episode_once_on_the_unit(db: Database) -> None:
    sender = setup_unit(db)
    fixes = week()
    answer = sender.post("/api/v1/vehicles/fixes", json=fixes)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["accepted"] == len(fixes) and body["vehicles"] == 5
    found = raised(db)
    assert sorted((s.split("@")[0], rule) for s, rule in found.items()) == [
        ("vehicle:V-HOLIDAY/out_of_hours/-", "VU-HOURS"),
        ("vehicle:V-HOME/unregistered_parking/-", "VU-PARKING"),
        ("vehicle:V-NIGHT/out_of_hours/-", "VU-HOURS"),
        ("vehicle:V-SPECIAL/special_area/scenic", "VU-SPECIAL"),
    ]
    assert "vehicle:V-NIGHT/out_of_hours/-@2026-09-15T22:00:00+08:00" in found
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id="VU-SPECIAL"))
    (special,) = rows
    assert special["department_code"] == UNIT and special["colour"] == "red"
    assert "浙K·00002" in special["message_zh"] and "示范山景区" in special["message_zh"]
    assert "official vehicle" in special["message_en"]
    assert body["signals_raised"] == 4
    # The same fixes again: nothing kept, nothing raised.
    again = sender.post("/api/v1/vehicles/fixes", json=fixes).json()
    assert again["accepted"] == 0 and again["repeated"] == len(fixes) and again["signals_raised"] == 0
    # The night trip going on in a later batch is the same episode: its signal stays the one.
    more = drive("V-NIGHT", "2026-09-15T22:21", HOME, OFFICE, 15)
    later = sender.post("/api/v1/vehicles/fixes", json=more).json()
    assert later["accepted"] == len(more) and later["signals_raised"] == 0
    assert raised(db) == found
    shown = sender.get("/api/v1/vehicles/V-NIGHT")
    assert shown.status_code == 403  # a system sends; people read
    reader = client_as(db, "e_supervisor", region="330900")
    night = reader.get("/api/v1/vehicles/V-NIGHT").json()
    (episode,) = night["episodes"]
    assert episode["end"] == "2026-09-15T22:36:00+08:00" and episode["signals"][0]["rule_id"] == "VU-HOURS"
    assert integrity.check(db).ok


def test_drift_across_the_boundary_raises_nothing(db: Database) -> None:
    sender = setup_unit(db)
    drift = [f for f in week() if f["vehicle_id"] == "V-DRIFT"]
    assert sender.post("/api/v1/vehicles/fixes", json=drift).json()["signals_raised"] == 0
    assert raised(db) == {}


def test_bad_rows_are_refused_whole_naming_row_and_field_in_both_languages(db: Database) -> None:
    sender = setup_unit(db)
    other = system_client(db, OTHER_CITY)
    head = _head(db)
    csv = (
        "vehicle_id,at,lat,lon\n"
        "V-NIGHT,2026-09-15T22:00:00+08:00,30.1,120.1\n"
        "V-NIGHT,2026-09-15T22:01:00,30.1,120.1\n"
        "V-NIGHT,2026-09-15T22:02:00+08:00,,120.1\n"
    )
    answer = sender.post("/api/v1/vehicles/fixes", content=csv, headers={"content-type": "text/csv"})
    assert answer.status_code == 422, answer.text
    problems = answer.json()["error"]["problems"]
    assert [(p["index"], p["field"]) for p in problems] == [(3, "at"), (4, "lat")]
    assert "第 3 行" in problems[0]["message_zh"] and "row 3" in problems[0]["message_en"]
    # A vehicle not of the sender's unit refuses the batch too.
    foreign = [
        *drive("V-NIGHT", "2026-09-15T09:00", OFFICE, HOME, 2),
        {**week()[0], "vehicle_id": "V-NOBODY"},
    ]
    refused = sender.post("/api/v1/vehicles/fixes", json=foreign)
    assert refused.status_code == 422
    (problem,) = refused.json()["error"]["problems"]
    assert problem["field"] == "vehicle_id" and problem["index"] == 4 and "V-NOBODY" in problem["message_zh"]
    # A bad fence names its feature and field.
    bad = fences()
    bad["features"][1]["properties"]["kind"] = "casino"
    put = sender.put(f"/api/v1/vehicles/geofences/{UNIT}", json=bad)
    assert put.status_code == 422
    assert put.json()["error"]["problems"][0]["field"] == "properties.kind"
    assert "第 2 个围栏" in put.json()["error"]["problems"][0]["message_zh"]
    # Another unit's system may not register, fence or report for this one.
    assert (
        other.post("/api/v1/vehicles", json={"vehicle_id": "V-X", "department_code": UNIT}).status_code == 403
    )
    assert other.put(f"/api/v1/vehicles/geofences/{UNIT}", json=fences()).status_code == 403
    assert other.post("/api/v1/vehicles/fixes", json=week()[:3]).status_code == 422
    assert count_fixes(db) == 0 and _head(db) == head


def _head(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(ledger.c.seq), 0))).scalar_one())


def test_mileage_per_vehicle_and_unit_and_each_agency_sees_its_own(db: Database) -> None:
    sender = setup_unit(db)
    other = system_client(db, OTHER_CITY)
    assert other.post("/api/v1/vehicles", json={"vehicle_id": "V-OTHER"}).status_code == 201
    trips = drive("V-NIGHT", "2026-09-15T09:00", OFFICE, HOME, 30) + drive(
        "V-HOME", "2026-09-16T09:00", HOME, OFFICE, 10
    )
    sender.post("/api/v1/vehicles/fixes", json=trips)
    other.post("/api/v1/vehicles/fixes", json=drive("V-OTHER", "2026-09-15T09:00", OFFICE, HOME, 30))

    def km(fixes: list[dict[str, Any]]) -> float:
        return sum(distance_km(a["lat"], a["lon"], b["lat"], b["lon"]) for a, b in pairwise(fixes))

    city = client_as(db, "e_supervisor", region="330900")
    got = city.get("/api/v1/vehicles/mileage", params={"month": "2026-09"}).json()
    by_vehicle = {v["vehicle_id"]: v for v in got["vehicles"]}
    assert set(by_vehicle) == {"V-NIGHT", "V-HOME"}
    night = km(drive("V-NIGHT", "2026-09-15T09:00", OFFICE, HOME, 30))
    home = km(drive("V-HOME", "2026-09-16T09:00", HOME, OFFICE, 10))
    assert abs(by_vehicle["V-NIGHT"]["km"] - night) < 0.002
    assert by_vehicle["V-NIGHT"]["days"] == {"2026-09-15": round(night, 3)}
    (unit,) = got["units"]
    assert unit["department_code"] == UNIT and abs(unit["km"] - (night + home)) < 0.003
    assert set(unit["days"]) == {"2026-09-15", "2026-09-16"}
    assert city.get("/api/v1/vehicles/mileage", params={"month": "2026-08"}).json()["vehicles"] == []
    # Another city's supervisor sees neither the vehicles nor their kilometres.
    sibling = client_as(db, "e_supervisor", region="330800")
    listed = sibling.get("/api/v1/vehicles").json()
    assert [v["vehicle_id"] for v in listed["vehicles"]] == ["V-OTHER"]
    assert sibling.get("/api/v1/vehicles/V-NIGHT").status_code == 404
    assert UNIT not in sibling.get("/api/v1/vehicles/mileage", params={"month": "2026-09"}).text
    assert {v["vehicle_id"] for v in city.get("/api/v1/vehicles").json()["vehicles"]} == {
        "V-NIGHT",
        "V-HOLIDAY",
        "V-SPECIAL",
        "V-HOME",
        "V-DRIFT",
    }


def test_integrity_finds_a_fix_changed_or_removed_behind_the_ledger(db: Database) -> None:
    sender = setup_unit(db)
    sender.post("/api/v1/vehicles/fixes", json=week())
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(vehicle_fixes.update().where(vehicle_fixes.c.vehicle_id == "V-HOME").values(lat=30.2))
    report = integrity.check(db)
    assert not report.ok and "ledger entry" in str(report.mismatch)


def test_integrity_finds_a_fix_removed(db: Database) -> None:
    sender = setup_unit(db)
    sender.post("/api/v1/vehicles/fixes", json=week()[:50])
    with db.write() as conn:
        first = conn.execute(select(func.min(vehicle_fixes.c.id))).scalar_one()
        conn.execute(vehicle_fixes.delete().where(vehicle_fixes.c.id == first))
    assert not integrity.check(db).ok


def test_tracks_and_geofences_are_imported_from_files(database_url: str, tmp_path: Path) -> None:
    from .test_cli import organisation_file, run

    run(database_url, "db", "upgrade")
    run(database_url, "import", str(organisation_file(tmp_path)))
    db = Database(database_url)
    vehicles.register(
        db, vehicles.parse_vehicles([{"vehicle_id": "V-NIGHT", "department_code": UNIT}]), "test", None
    )
    geo = tmp_path / "fences.geojson"
    geo.write_bytes(orjson.dumps(fences(UNIT)))
    done = orjson.loads(run(database_url, "import", str(geo)).stdout)
    assert done["kind"] == "geofences" and done["fences"] == 3
    rows = drive("V-NIGHT", "2026-09-15T22:00", OFFICE, HOME, 20)
    lines = ["vehicle_id,at,lat,lon,ignition"] + [
        f"{r['vehicle_id']},{r['at']},{r['lat']},{r['lon']},1" for r in rows
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:3], "V-NIGHT,2026-09-15T22:02:00+08:00,91,120.1,1", *lines[3:]]))
    refused = run(database_url, "import", str(bad), check=False)
    assert refused.returncode != 0 and "row=4 field=lat" in refused.stderr
    good = tmp_path / "track.csv"
    good.write_text("\n".join(lines))
    imported = orjson.loads(run(database_url, "import", str(good)).stdout)
    assert imported["kind"] == "vehicles" and imported["accepted"] == len(rows)
    assert imported["signals_raised"] == 1
    as_json = tmp_path / "track.json"
    as_json.write_bytes(
        orjson.dumps(
            {
                "vehicle_id": "V-NIGHT",
                "points": [{k: v for k, v in r.items() if k != "vehicle_id"} for r in rows],
            }
        )
    )
    again = orjson.loads(run(database_url, "import", str(as_json)).stdout)
    assert again["kind"] == "vehicles" and again["accepted"] == 0 and again["signals_raised"] == 0


def test_a_rule_may_wait_for_an_episode_to_end_or_the_vehicle_to_fall_silent(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiancha.services import packs

    default = packs.load("default")
    waiting = default.model_copy(
        update={
            "rules": tuple(
                r.model_copy(update={"params": {**r.params, "raise_ongoing": False}})
                if r.id == "VU-HOURS"
                else r
                for r in default.rules
            )
        }
    )
    monkeypatch.setattr(vehicles.packs, "for_departments", lambda conn, codes: dict.fromkeys(codes, waiting))
    sender = setup_unit(db)
    trip = drive("V-NIGHT", "2026-09-15T22:00", OFFICE, HOME, 20)
    assert sender.post("/api/v1/vehicles/fixes", json=trip).json()["signals_raised"] == 0
    # Parked for ten minutes at home: the trip ended, its signal is raised.
    ended = parked("V-NIGHT", "2026-09-15T22:21", HOME, 10 / 60, every=1)
    assert sender.post("/api/v1/vehicles/fixes", json=ended).json()["signals_raised"] == 1
    # The holiday trip stops reporting while going on: the clock raises it once the gap has passed.
    holiday = drive("V-HOLIDAY", "2026-10-01T10:00", OFFICE, HOME, 30)
    assert sender.post("/api/v1/vehicles/fixes", json=holiday).json()["signals_raised"] == 0
    assert vehicles.watch(db, at("2026-10-01T10:40")) == 0  # silent for 10 minutes only
    assert vehicles.watch(db, at("2026-10-01T11:31")) == 1
    assert vehicles.watch(db, at("2026-10-01T12:00")) == 0
    assert sorted(s.split("@")[0] for s in raised(db)) == [
        "vehicle:V-HOLIDAY/out_of_hours/-",
        "vehicle:V-NIGHT/out_of_hours/-",
    ]
