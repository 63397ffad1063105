"""Official vehicles (公务用车监控, R-MON-3): tracks, geofences, the checks and mileage."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import LOCAL
from jiancha.domain.vehicles.geofences import Fence, FenceKind, PermittedHours, read_geofences
from jiancha.domain.vehicles.rules import (
    VehicleSettings,
    ViolationKind,
    check,
    mileage,
    out_of_area,
    out_of_hours,
    special_areas,
    unregistered_parking,
)
from jiancha.domain.vehicles.tracks import (
    Fix,
    JumpKind,
    clean,
    distance_km,
    km_per_day,
    read_csv,
    read_json,
    tracks,
)
from jiancha.services.calendar import package_schedule

_schedule = package_schedule()
CHINA = WorkCalendar({d.day: d.is_workday for y in _schedule.values() for d in y}, _schedule)

WEDNESDAY = date(2026, 3, 4)  # an ordinary working day
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday, statutory holiday
ADJUSTED_SUNDAY = date(2026, 9, 20)  # a Sunday worked for the National Day holiday (调休)


def square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def feature(fence_id: str, kind: str, rings: list[Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": fence_id, "name": props.pop("name", fence_id), "kind": kind, **props},
        "geometry": {"type": "Polygon", "coordinates": rings},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# The city the vehicles may drive in, a karaoke hall inside it, the unit's car park.
CITY = feature("city", "permitted_area", [square(113.20, 23.05, 113.40, 23.20)], name="市区")
KTV = feature("ktv", "special_area", [square(113.300, 23.100, 113.310, 23.110)], name="某KTV")
CAR_PARK = feature(
    "garage", "registered_parking", [square(113.250, 23.150, 113.252, 23.152)], name="机关车库"
)
FENCES = read_geofences(collection(CITY, KTV, CAR_PARK))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=LOCAL).astimezone(UTC)


def drive(
    start: datetime,
    points: list[tuple[float, float]],
    *,
    every: timedelta = timedelta(seconds=30),
    vehicle: str = "粤A-001",
    ignition: bool | None = True,
) -> list[Fix]:
    return [Fix(vehicle, start + n * every, lat, lon, None, ignition) for n, (lat, lon) in enumerate(points)]


def east_along(lat: float, lon: float, n: int, step: float = 0.0005) -> list[tuple[float, float]]:
    """n positions heading east ~51 m apart (about 6 km/h at one fix every 30 s)."""
    return [(lat, lon + i * step) for i in range(n)]


# -- the dwell time: drift raises nothing, an excursion is one episode --------------------------


def test_two_minutes_across_the_boundary_is_drift_and_raises_nothing() -> None:
    inside, outside = (23.10, 113.395), (23.10, 113.405)
    track = drive(at(WEDNESDAY, 10), [inside] * 20 + [outside] * 5 + [inside] * 20)  # out 10:10-10:12
    assert out_of_area(track, FENCES) == []
    assert check(track, FENCES, CHINA) == []


def test_twenty_minutes_outside_the_area_is_one_episode_from_first_to_last_fix_outside() -> None:
    inside, outside = (23.10, 113.395), (23.10, 113.405)
    track = drive(at(WEDNESDAY, 10), [inside] * 20 + [outside] * 41 + [inside] * 20)  # out 10:10-10:30
    found = check(track, FENCES, CHINA)
    assert [v.kind for v in found] == [ViolationKind.out_of_area]
    (episode,) = found
    assert episode.vehicle_id == "粤A-001"
    assert episode.start == at(WEDNESDAY, 10, 10)
    assert episode.end == at(WEDNESDAY, 10, 30)
    assert episode.values["fixes"] == 41
    assert (episode.where.lat, episode.where.lon) == outside
    assert not episode.ongoing


def test_a_drift_back_inside_during_an_excursion_does_not_split_it() -> None:
    inside, outside = (23.10, 113.395), (23.10, 113.405)
    points = [inside] * 10 + [outside] * 20 + [inside] * 3 + [outside] * 20 + [inside] * 20
    found = out_of_area(drive(at(WEDNESDAY, 10), points), FENCES)
    assert [(v.start, v.end) for v in found] == [(at(WEDNESDAY, 10, 5), at(WEDNESDAY, 10, 26))]


def test_an_excursion_still_outside_at_the_last_fix_is_ongoing() -> None:
    inside, outside = (23.10, 113.395), (23.10, 113.405)
    (episode,) = out_of_area(drive(at(WEDNESDAY, 10), [inside] * 4 + [outside] * 20), FENCES)
    assert episode.ongoing and episode.start == at(WEDNESDAY, 10, 2)


def test_a_few_fixes_spread_over_a_long_time_are_not_enough() -> None:
    # Two fixes outside ten minutes apart last long enough but are fewer than min_fixes (3).
    track = drive(
        at(WEDNESDAY, 10),
        [(23.10, 113.39), (23.10, 113.41), (23.10, 113.41), (23.10, 113.39)],
        every=timedelta(minutes=5),
    )
    assert out_of_area(track, FENCES) == []
    assert len(out_of_area(track, FENCES, VehicleSettings(min_fixes=2))) == 1


def test_a_vehicle_without_a_permitted_area_is_not_checked_for_leaving_it() -> None:
    only_for_others = read_geofences(
        collection(
            feature("city", "permitted_area", [square(113.2, 23.05, 113.4, 23.2)], vehicles=["粤A-999"])
        )
    )
    track = drive(at(WEDNESDAY, 10), [(23.10, 113.5)] * 40)
    assert out_of_area(track, only_for_others) == []
    assert len(out_of_area([Fix("粤A-999", f.at, f.lat, f.lon) for f in track], only_for_others)) == 1


# -- permitted hours: working days, rest days and holidays from the calendar ---------------------


def evening_trip(day: date, hh: int, **kw: Any) -> list[Fix]:
    return drive(at(day, hh), east_along(23.12, 113.25, 31), **kw)  # 15 minutes inside the city


def test_use_at_22_on_a_working_day_is_flagged() -> None:
    found = check(evening_trip(WEDNESDAY, 22), FENCES, CHINA)
    assert [v.kind for v in found] == [ViolationKind.out_of_hours]
    assert (found[0].start, found[0].end) == (at(WEDNESDAY, 22), at(WEDNESDAY, 22, 15))
    assert found[0].values["day_type"] == "working_day"


def test_use_at_10_on_a_working_day_is_not_flagged() -> None:
    assert check(evening_trip(WEDNESDAY, 10), FENCES, CHINA) == []


def test_use_at_10_on_national_day_is_flagged_as_a_rest_day() -> None:
    assert not CHINA.is_workday(NATIONAL_DAY) and NATIONAL_DAY.weekday() == 3
    (found,) = out_of_hours(evening_trip(NATIONAL_DAY, 10), FENCES, CHINA)
    assert found.values["day_type"] == "rest_day"
    assert found.start == at(NATIONAL_DAY, 10)


def test_use_at_10_on_a_sunday_worked_in_lieu_is_not_flagged() -> None:
    assert CHINA.is_workday(ADJUSTED_SUNDAY) and ADJUSTED_SUNDAY.weekday() == 6
    assert out_of_hours(evening_trip(ADJUSTED_SUNDAY, 10), FENCES, CHINA) == []
    assert len(out_of_hours(evening_trip(date(2026, 9, 13), 10), FENCES, CHINA)) == 1  # an ordinary Sunday


def test_a_parked_car_reporting_at_night_with_ignition_off_is_not_in_use() -> None:
    assert out_of_hours(evening_trip(WEDNESDAY, 22, ignition=False), FENCES, CHINA) == []


def test_without_ignition_the_speed_between_fixes_says_whether_it_is_in_use() -> None:
    assert len(out_of_hours(evening_trip(WEDNESDAY, 22, ignition=None), FENCES, CHINA)) == 1
    standing = drive(at(WEDNESDAY, 22), [(23.12, 113.25)] * 31, ignition=None)
    assert out_of_hours(standing, FENCES, CHINA) == []


def test_an_area_calendar_gives_the_hours_of_that_area() -> None:
    round_the_clock = feature(
        "city",
        "permitted_area",
        [square(113.20, 23.05, 113.40, 23.20)],
        calendar={"working_days": ["00:00-24:00"]},
    )
    fences = read_geofences(collection(round_the_clock))
    assert out_of_hours(evening_trip(WEDNESDAY, 22), fences, CHINA) == []
    assert len(out_of_hours(evening_trip(NATIONAL_DAY, 10), fences, CHINA)) == 1
    assert len(out_of_hours(evening_trip(WEDNESDAY, 22), [], CHINA)) == 1  # default hours


# -- special areas ---------------------------------------------------------------------------------


def test_staying_in_a_special_area_is_flagged_with_the_area() -> None:
    approach = east_along(23.105, 113.290, 10, 0.001)  # west of the KTV, heading east
    parked = [(23.105, 113.305)] * 21  # ten minutes inside
    found = special_areas(drive(at(WEDNESDAY, 15), approach + parked + approach[::-1]), FENCES, CHINA)
    assert [(v.kind, v.where.fence_id, v.where.fence_name) for v in found] == [
        (ViolationKind.special_area, "ktv", "某KTV")
    ]
    assert (found[0].start, found[0].end) == (at(WEDNESDAY, 15, 5), at(WEDNESDAY, 15, 15))


def test_driving_past_a_special_area_is_not_flagged() -> None:
    through = east_along(23.105, 113.290, 40, 0.001)  # 0.01° of it inside: a minute or so
    assert special_areas(drive(at(WEDNESDAY, 15), through), FENCES, CHINA) == []


def test_a_special_area_is_permitted_within_its_own_calendar() -> None:
    museum = feature(
        "museum",
        "special_area",
        [square(113.300, 23.100, 113.310, 23.110)],
        calendar={"working_days": ["09:00-17:00"]},
    )
    track = drive(at(WEDNESDAY, 15), [(23.105, 113.305)] * 21)
    assert special_areas(track, read_geofences(collection(museum)), CHINA) == []
    assert len(special_areas(track, FENCES, CHINA)) == 1


# -- parking at unregistered places ----------------------------------------------------------------


def overnight(place: tuple[float, float]) -> list[Fix]:
    """Home at 19:30, silent all night, leaves at 07:30 the next morning."""
    arrive = drive(at(WEDNESDAY, 19, 29), [(place[0], place[1] - 0.005), place])
    leave = drive(at(WEDNESDAY + timedelta(days=1), 7, 30), [place, (place[0], place[1] + 0.005)])
    return arrive + leave


def test_overnight_parking_at_an_unregistered_place_is_flagged() -> None:
    home = (23.13, 113.28)
    (found,) = unregistered_parking(overnight(home), FENCES, CHINA)
    assert found.kind == ViolationKind.unregistered_parking
    assert (found.start, found.end) == (
        at(WEDNESDAY, 19, 29) + timedelta(seconds=30),
        at(WEDNESDAY + timedelta(days=1), 7, 30),
    )
    assert found.values["night_minutes"] == 8 * 60
    assert (found.where.lat, found.where.lon) == pytest.approx(home)


def test_overnight_parking_in_the_registered_car_park_is_not_flagged() -> None:
    assert unregistered_parking(overnight((23.151, 113.251)), FENCES, CHINA) == []


def test_a_long_stop_in_working_hours_at_a_site_is_not_flagged() -> None:
    site = drive(at(WEDNESDAY, 9), [(23.13, 113.28)] * 2, every=timedelta(hours=2))
    assert unregistered_parking(site, FENCES, CHINA) == []
    evening = drive(at(WEDNESDAY, 17), [(23.13, 113.28)] * 2, every=timedelta(hours=3))  # till 20:00
    (found,) = unregistered_parking(evening, FENCES, CHINA)
    assert found.values["minutes_outside_hours"] == 60 and found.values["night_minutes"] == 0


def test_a_short_stop_at_night_is_not_parking() -> None:
    short = drive(at(WEDNESDAY, 23), [(23.13, 113.28)] * 2, every=timedelta(minutes=20))
    assert unregistered_parking(short, FENCES, CHINA) == []


# -- distances, mileage and jumps --------------------------------------------------------------------


def test_beijing_to_shanghai_is_1067_km_within_one_percent() -> None:
    km = distance_km(39.9042, 116.4074, 31.2304, 121.4737)
    assert km == pytest.approx(1067, rel=0.01)


def north(n: int, step: float = 0.01, start: float = 23.0) -> list[tuple[float, float]]:
    return [(start + i * step, 113.3) for i in range(n)]


ONE_HUNDREDTH_DEGREE_KM = 6371.0088 * 3.141592653589793 / 180 * 0.01  # 1.112 km of meridian


def test_mileage_of_a_route_north_along_a_meridian() -> None:
    track = drive(at(WEDNESDAY, 9), north(61), every=timedelta(minutes=1))  # 67 km/h
    assert clean(track).km == pytest.approx(60 * ONE_HUNDREDTH_DEGREE_KM, rel=1e-9)
    assert clean(track).jumps == ()


def test_a_spike_fix_is_left_out_of_the_mileage_and_reported() -> None:
    points = north(61)
    points[30] = (23.5, 113.3)  # 50 km off for one fix
    cleaned = clean(drive(at(WEDNESDAY, 9), points, every=timedelta(minutes=1)))
    assert cleaned.km == pytest.approx(60 * ONE_HUNDREDTH_DEGREE_KM, rel=1e-9)
    assert [(j.kind, j.to.lat) for j in cleaned.jumps] == [(JumpKind.spike, 23.5)]
    assert len(cleaned.fixes) == 60


def test_a_step_is_left_out_of_the_mileage_and_the_track_goes_on_from_there() -> None:
    before = drive(at(WEDNESDAY, 9), north(11), every=timedelta(minutes=1))
    after = drive(
        at(WEDNESDAY, 9, 20), [(lat + 1.0, lon) for lat, lon in north(11)], every=timedelta(minutes=1)
    )
    cleaned = clean(before + after)  # 111 km in 10 minutes between them
    assert cleaned.km == pytest.approx(20 * ONE_HUNDREDTH_DEGREE_KM, rel=1e-9)
    assert [j.kind for j in cleaned.jumps] == [JumpKind.step]
    assert cleaned.jumps[0].speed_kmh > 600


def test_a_jump_does_not_count_as_leaving_the_area() -> None:
    points = [(23.12, 113.25)] * 40
    points[20] = (23.62, 113.25)  # one fix 55 km north
    assert check(drive(at(WEDNESDAY, 10), points, every=timedelta(minutes=1)), FENCES, CHINA) == []


def test_mileage_per_day_shares_a_leg_over_midnight_by_time() -> None:
    a, b = drive(at(WEDNESDAY, 23, 50), [(23.0, 113.3), (23.1, 113.3)], every=timedelta(minutes=20))
    days = km_per_day(clean([a, b]).legs)
    assert days[WEDNESDAY] == pytest.approx(10 * ONE_HUNDREDTH_DEGREE_KM / 2)
    assert days[WEDNESDAY + timedelta(days=1)] == pytest.approx(10 * ONE_HUNDREDTH_DEGREE_KM / 2)


def test_mileage_per_vehicle_and_unit_per_day_and_month() -> None:
    minute = timedelta(minutes=1)
    fixes = [
        *drive(at(WEDNESDAY, 9), north(11), every=minute, vehicle="A"),
        # Each day A sets off where it stopped the day before.
        *drive(at(date(2026, 3, 31), 9), north(6, start=23.1), every=minute, vehicle="A"),
        *drive(at(date(2026, 4, 1), 9), north(3, start=23.15), every=minute, vehicle="A"),
        *drive(at(WEDNESDAY, 9), north(21), every=minute, vehicle="B"),
        *drive(at(WEDNESDAY, 9), north(2), every=minute, vehicle="C"),
    ]
    stats = mileage(reversed(fixes), {"A": "财政局", "B": "财政局"})
    km = ONE_HUNDREDTH_DEGREE_KM
    assert stats.vehicle_day["A"] == pytest.approx(
        {WEDNESDAY: 10 * km, date(2026, 3, 31): 5 * km, date(2026, 4, 1): 2 * km}
    )
    assert stats.vehicle_month["A"] == pytest.approx({"2026-03": 15 * km, "2026-04": 2 * km})
    assert stats.unit_day["财政局"][WEDNESDAY] == pytest.approx(30 * km)
    assert stats.unit_month["财政局"] == pytest.approx({"2026-03": 35 * km, "2026-04": 2 * km})
    assert stats.unassigned == ("C",)
    assert stats.vehicle_day["C"] == pytest.approx({WEDNESDAY: km})


def test_repeated_reports_of_one_instant_count_once() -> None:
    track = drive(at(WEDNESDAY, 9), north(3), every=timedelta(minutes=1))
    (only,) = tracks([*track, *track]).values()
    assert len(only) == 3


# -- reading tracks ------------------------------------------------------------------------------------


def test_csv_fixes_are_read_with_optional_speed_and_ignition() -> None:
    data = (
        "vehicle_id,at,lat,lon,speed_kmh,ignition,driver\n"
        "粤A-001,2026-03-04T08:00:00+08:00,23.1,113.3,42.5,1,张三\n"
        "粤A-001,2026-03-04T00:01:00Z,23.11,113.3,,,\n"
    ).encode()
    fixes = read_csv(data).accepted()
    assert fixes == (
        Fix("粤A-001", at(WEDNESDAY, 8), 23.1, 113.3, 42.5, True),
        Fix("粤A-001", at(WEDNESDAY, 8, 1), 23.11, 113.3, None, None),
    )


def test_bad_csv_rows_name_their_row_and_field_in_both_languages() -> None:
    data = (
        "vehicle_id,at,lat,lon,ignition\n"
        "粤A-001,2026-03-04T08:00:00+08:00,23.1,113.3,1\n"
        "粤A-001,2026-03-04 08:01:00,23.1,113.3,1\n"
        "粤A-001,2026-03-04T08:02:00+08:00,123.1,东经,maybe\n"
    )
    read = read_csv(data)
    assert len(read.fixes) == 1
    got = {(p.index, p.field, p.code) for p in read.problems}
    assert got == {
        (3, "at", "no_offset"),
        (4, "lat", "out_of_range"),
        (4, "lon", "wrong_type"),
        (4, "ignition", "bad_flag"),
    }
    lat = next(p for p in read.problems if p.field == "lat")
    assert lat.message_zh.startswith("第 4 行 lat：") and "纬度" in lat.message_zh
    assert lat.message_en.startswith("row 4, lat:") and "latitude" in lat.message_en
    with pytest.raises(Rejected) as refused:
        read.accepted()
    assert len(refused.value.problems) == 4


def test_a_csv_without_a_required_column_is_refused_whole() -> None:
    with pytest.raises(Rejected) as refused:
        read_csv("vehicle_id,time,lat,lon\nA,2026-03-04T08:00:00+08:00,23.1,113.3\n")
    (problem,) = refused.value.problems
    assert (problem.field, problem.index) == ("at", 1)
    assert "缺少列 at" in problem.message_zh and "column at is missing" in problem.message_en


def test_json_fixes_as_an_array_and_as_a_vehicle_with_points() -> None:
    flat = [
        {"vehicle_id": "A", "at": "2026-03-04T08:00:00+08:00", "lat": 23.1, "lon": 113.3, "ignition": True}
    ]
    shaped = {
        "vehicle_id": "A",
        "points": [{"at": "2026-03-04T08:00:00+08:00", "lat": 23.1, "lon": 113.3, "ignition": True}],
    }
    assert read_json(json.dumps(flat)).accepted() == read_json(json.dumps(shaped)).accepted()
    assert read_json(json.dumps([shaped, {**shaped, "vehicle_id": "B"}])).accepted()[1].vehicle_id == "B"


def test_bad_json_points_name_their_point_and_field_in_both_languages() -> None:
    shaped = {
        "vehicle_id": "A",
        "points": [
            {"at": "2026-03-04T08:00:00+08:00", "lat": 23.1, "lon": 113.3},
            {"at": "2026-03-04T08:01:00+08:00", "lat": True, "lon": 113.3, "speed_kmh": -3},
            {"lat": 23.1, "lon": 113.3},
        ],
    }
    read = read_json(json.dumps(shaped))
    assert len(read.fixes) == 1
    assert {(p.index, p.field) for p in read.problems} == {(2, "lat"), (2, "speed_kmh"), (3, "at")}
    missing = next(p for p in read.problems if p.index == 3)
    assert missing.message_zh == "第 3 个点 at：缺少定位时间"
    assert missing.message_en == "point 3, at: the time is missing"


def test_json_of_another_shape_is_refused() -> None:
    with pytest.raises(Rejected):
        read_json(b'"fixes"')
    with pytest.raises(Rejected):
        read_json(b"[{")


# -- geofences ---------------------------------------------------------------------------------------


def test_a_point_in_a_hole_is_outside_the_fence() -> None:
    lake = square(113.30, 23.10, 113.32, 23.12)
    park = feature("park", "special_area", [square(113.28, 23.08, 113.34, 23.14), lake])
    (fence,) = read_geofences(json.dumps(collection(park)))
    assert fence.contains(23.09, 113.29)  # in the park
    assert not fence.contains(23.11, 113.31)  # on the lake
    assert not fence.contains(23.20, 113.31)  # beyond the park


def test_a_multipolygon_contains_each_of_its_parts() -> None:
    two = feature("two", "permitted_area", [])
    two["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": [[square(0, 0, 1, 1)], [square(10, 10, 11, 11)]],
    }
    (fence,) = read_geofences(collection(two))
    assert fence.contains(0.5, 0.5) and fence.contains(10.5, 10.5) and not fence.contains(5, 5)
    assert fence.kind == FenceKind.permitted_area


def test_bad_features_are_refused_naming_feature_and_field() -> None:
    open_ring = feature("a", "permitted_area", [square(0, 0, 1, 1)[:-1]])
    bad_kind = feature("b", "parking", [square(0, 0, 1, 1)])
    bad_hours = feature("c", "special_area", [square(0, 0, 1, 1)], calendar={"working_days": ["22:00-06:00"]})
    repeated = feature("a", "special_area", [square(0, 0, 1, 1)])
    with pytest.raises(Rejected) as refused:
        read_geofences(collection(open_ring, bad_kind, bad_hours, repeated))
    got = {(p.index, p.field, p.code) for p in refused.value.problems}
    assert got == {
        (1, "geometry.coordinates[0]", "not_closed"),
        (2, "properties.kind", "bad_kind"),
        (3, "properties.calendar.working_days[0]", "bad_range"),
    }
    hours = next(p for p in refused.value.problems if p.index == 3)
    assert hours.message_zh.startswith("第 3 个围栏 properties.calendar.working_days[0]：")
    assert "22:00-24:00" in hours.message_zh and "over midnight" in hours.message_en


def test_a_repeated_fence_id_is_refused() -> None:
    with pytest.raises(Rejected) as refused:
        read_geofences(collection(CITY, CITY))
    assert [(p.index, p.field, p.code) for p in refused.value.problems] == [(2, "properties.id", "repeated")]


def test_permitted_hours_follow_the_calendar() -> None:
    hours = PermittedHours(working_days=("07:00-19:00",))
    assert hours.permits(at(WEDNESDAY, 7), CHINA) and not hours.permits(at(WEDNESDAY, 19), CHINA)
    assert not hours.permits(at(NATIONAL_DAY, 10), CHINA)
    assert hours.outside(at(WEDNESDAY, 18), at(WEDNESDAY, 21), CHINA) == timedelta(hours=2)
    with pytest.raises(ValueError):
        PermittedHours(working_days=("19:00-07:00",))


def test_fence_for_some_vehicles_only() -> None:
    fence = Fence("x", "x", FenceKind.special_area, (), vehicles=frozenset({"A"}))
    assert fence.applies_to("A") and not fence.applies_to("B")
