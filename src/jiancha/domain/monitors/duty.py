"""On-duty check-in of key site personnel (监理等关键岗位人员上岗签到, R-MON-10).

Quangang's supervision centre shows on its big screen "whether the supervising engineers and
other key managers of resettlement housing and municipal works check in on time" (安置小区和市政
工程监理等主要管理人员是否准时上岗签到, seed 001). Here the housing and construction bureau (or
another supervising department) sends:

- `duty`: a posting (岗位登记) — a person (id and name) in a role (总监理工程师, 监理工程师, 项目经理,
  安全员…) at a project's site (its position and the radius within which a check-in counts), from
  `starts_on` to `ends_on`, at most 366 days. The monitor reads records of the last 400 days, so a
  longer posting is sent as consecutive duties (e.g. one a year).
- `check_in`: a check-in (签到) of a duty: when (`at`, ISO 8601; without an offset it is local
  time) and where (latitude and longitude, WGS-84).

Checks: absence — in a calendar month, working days of a duty without a check-in inside the site's
radius, more than allowed; a check-in outside the site's radius; and a check-in for a duty the
platform does not know, or outside its duty's period. Absence is judged on the days up to
yesterday (today is not over), so the clock runs it daily: the signal of a month is raised on the
day the absences pass the limit, and that month raises nothing more.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from jiancha.domain.monitors.base import (
    Check,
    Hit,
    Kind,
    Monitor,
    Name,
    Record,
    RecordId,
    RecordIn,
    Records,
    Settings,
    Today,
)
from jiancha.domain.timeutil import LOCAL, PlausibleDay, plausible_instant, to_utc
from jiancha.domain.vehicles.tracks import distance_km

WINDOW_DAYS = 400  # how far back the monitor reads records
MAX_DUTY_DAYS = 366  # a duty covers at most 366 days (first and last included)
# A check-in whose duty is not found is judged only while its duty, had it been sent, would still
# be read: a duty starts at most MAX_DUTY_DAYS - 1 days before any of its check-ins.
UNKNOWN_JUDGED_DAYS = WINDOW_DAYS - MAX_DUTY_DAYS + 1

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Instant = Annotated[datetime, AfterValidator(plausible_instant)]


class Duty(RecordIn):
    """A person's posting to a project's site."""

    project: Annotated[Name, Field(title="项目名称", description="project")]
    person_id: Annotated[RecordId, Field(title="人员编号", description="person's id")]
    person_name: Annotated[Name, Field(title="姓名", description="person's name")]
    # 总监理工程师, 监理工程师, 项目经理, 安全员…
    role: Annotated[Name, Field(title="岗位", description="role on the site")]
    lat: Annotated[Latitude, Field(title="现场纬度", description="site latitude")]
    lon: Annotated[Longitude, Field(title="现场经度", description="site longitude")]
    radius_m: Annotated[
        float, Field(gt=0, le=20_000, title="签到半径（米）", description="check-in radius, metres")
    ]
    starts_on: Annotated[PlausibleDay, Field(title="在岗起始日", description="first day of the duty")]
    ends_on: Annotated[PlausibleDay, Field(title="在岗截止日", description="last day of the duty")]

    @field_validator("ends_on")
    @classmethod
    def _within_a_year(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError("不能早于 starts_on | must not precede starts_on")
        if starts_on is not None and (ends_on - starts_on).days >= MAX_DUTY_DAYS:
            raise ValueError(
                f"一次岗位登记最长 {MAX_DUTY_DAYS} 天，更长的请分段登记 | a duty covers at most "
                f"{MAX_DUTY_DAYS} days: send a longer posting as consecutive duties"
            )
        return ends_on


class CheckIn(RecordIn):
    """A check-in of a duty."""

    duty: Annotated[RecordId, Field(title="岗位登记编号", description="id of the duty")]
    at: Annotated[Instant, Field(title="签到时间", description="time of the check-in")]
    lat: Annotated[Latitude, Field(title="签到纬度", description="latitude checked in at")]
    lon: Annotated[Longitude, Field(title="签到经度", description="longitude checked in at")]


# -- helpers ---------------------------------------------------------------------------------------


def _distance_m(duty: Record, check_in: Record) -> float:
    d, c = duty.data, check_in.data
    return 1000 * distance_km(d["lat"], d["lon"], c["lat"], c["lon"])


def _local_time(check_in: Record) -> str:
    return to_utc(datetime.fromisoformat(check_in.data["at"])).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _in_period(duty: Record, day: date) -> bool:
    return duty.day <= day <= date.fromisoformat(duty.data["ends_on"])


def _duty_values(duty: Record) -> dict[str, Any]:
    d = duty.data
    return {
        "duty": duty.record_id,
        "project": d["project"],
        "person_id": d["person_id"],
        "person_name": d["person_name"],
        "role": d["role"],
    }


# -- checks ----------------------------------------------------------------------------------------


class Absence(Settings):
    # No national figure: 《建设工程质量管理条例》第三十七条 has the supervising engineers stationed
    # on site (进驻施工现场), and local rules on key personnel's presence (关键岗位人员到岗履职) set
    # their own limits. Two working days a month is our default for the yellow signal.
    max_absent_days: Annotated[int, Field(ge=0, le=31)] = 2


def absence(s: Absence, records: Records, today: Today) -> list[Hit]:
    """For each duty and calendar month: the working days within the duty's period, up to
    yesterday, with no check-in of the duty inside the site's radius — more than
    `max_absent_days` of them. The signal's day is the day the absences passed the limit."""
    present: dict[str, set[date]] = defaultdict(set)
    for c in records.of("check_in"):
        duty = records.get("duty", c.data["duty"])
        if duty is not None and _distance_m(duty, c) <= duty.data["radius_m"]:
            present[duty.record_id].add(c.day)
    yesterday = today.day - timedelta(days=1)
    hits = []
    for duty in records.of("duty"):
        months: dict[str, list[date]] = defaultdict(list)
        day, last = duty.day, min(date.fromisoformat(duty.data["ends_on"]), yesterday)
        while day <= last:
            if today.calendar.is_workday(day):
                months[f"{day.year:04d}-{day.month:02d}"].append(day)
            day += timedelta(days=1)
        for month, workdays in months.items():
            absent = [d for d in workdays if d not in present[duty.record_id]]
            if len(absent) > s.max_absent_days:
                hits.append(
                    Hit(
                        f"duty/{duty.record_id}@{month}",
                        duty.department_code,
                        absent[s.max_absent_days],
                        {
                            **_duty_values(duty),
                            "month": month,
                            "absent": len(absent),
                            "working_days": len(workdays),
                            "through": workdays[-1].isoformat(),
                            "absent_days": [d.isoformat() for d in absent],
                            "limit": s.max_absent_days,
                        },
                        (duty.ref,),
                    )
                )
    return hits


class OutOfRadius(Settings):
    """No settings: the radius is each duty's own."""


def out_of_radius(s: OutOfRadius, records: Records, today: Today) -> list[Hit]:
    """A check-in within its duty's period, farther from the site than the duty's radius."""
    hits = []
    for c in records.of("check_in"):
        duty = records.get("duty", c.data["duty"])
        if duty is None or not _in_period(duty, c.day):
            continue  # the unrostered check's
        distance = _distance_m(duty, c)
        if distance > duty.data["radius_m"]:
            hits.append(
                Hit(
                    f"check_in/{c.record_id}",
                    c.department_code,
                    c.day,
                    {
                        **_duty_values(duty),
                        "id": c.record_id,
                        "at": _local_time(c),
                        "distance_m": round(distance),
                        "radius_m": duty.data["radius_m"],
                    },
                    (c.ref, duty.ref),
                )
            )
    return hits


class Unrostered(Settings):
    # A check-in may arrive before its duty (two systems, two feeds): it is judged `grace_days`
    # days after its day. Our default.
    grace_days: Annotated[int, Field(ge=0, le=30)] = 2


def unrostered(s: Unrostered, records: Records, today: Today) -> list[Hit]:
    """A check-in, `grace_days` after its day, whose duty is unknown, or whose day lies outside
    its duty's period. An unknown duty is judged up to 35 days after the check-in: later, its
    duty might have been sent and left the records read."""
    hits = []
    for c in records.of("check_in"):
        age = (today.day - c.day).days
        duty = records.get("duty", c.data["duty"])
        if age < s.grace_days or (duty is None and age > UNKNOWN_JUDGED_DAYS):
            continue
        if duty is None:
            reason_zh, reason_en = "岗位未登记", "the duty is not registered"
        elif not _in_period(duty, c.day):
            period = f"{duty.day.isoformat()} – {duty.data['ends_on']}"
            reason_zh, reason_en = f"不在岗位期间 {period}", f"outside the duty's period {period}"
        else:
            continue
        hits.append(
            Hit(
                f"check_in/{c.record_id}",
                c.department_code,
                c.day,
                {
                    "id": c.record_id,
                    "duty": c.data["duty"],
                    "person_name": duty.data["person_name"] if duty is not None else "",
                    "at": _local_time(c),
                    "reason_zh": reason_zh,
                    "reason_en": reason_en,
                },
                (c.ref, duty.ref) if duty is not None else (c.ref,),
            )
        )
    return hits


MONITOR = Monitor(
    "on_duty",
    "关键岗位人员上岗签到",
    "On-duty check-in of key site personnel",
    "R-MON-10",
    {
        "duty": Kind(Duty, "岗位登记", "duty", "starts_on"),
        "check_in": Kind(CheckIn, "上岗签到", "check-in", "at"),
    },
    {
        "absence": Check(
            Absence, absence, "缺勤超过限额", "absent from the site more than allowed", timed=True
        ),
        "out_of_radius": Check(OutOfRadius, out_of_radius, "签到位置不在现场", "check-in away from the site"),
        "unrostered": Check(
            Unrostered, unrostered, "签到无对应岗位", "check-in without a matching duty", timed=True
        ),
    },
    window_days=WINDOW_DAYS,
)


# -- demo ------------------------------------------------------------------------------------------


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The housing and construction bureau's two projects from the first day of last month: the
    chief supervising engineer checks in daily but once 2 km away; the project manager daily; the
    safety officer stops checking in on the 6th of last month; a supervising engineer starts on
    the 10th but checked in the day before; and a check-in three days ago names an unknown duty."""
    dept = departments.get("ZJ") or next(iter(departments.values()))
    rng = random.Random(f"duty-{today.isoformat()}")
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    yesterday = today - timedelta(days=1)
    housing, avenue = (29.9852, 122.2071), (29.9921, 122.1835)
    duties = [
        # (id, project, site, person id, name, role, starts on)
        ("ZJ-DUTY-001", "示范市安置小区一期", housing, "P-1001", "陈某某", "总监理工程师", start),
        ("ZJ-DUTY-002", "示范市安置小区一期", housing, "P-2013", "林某某", "项目经理", start),
        ("ZJ-DUTY-003", "示范市安置小区一期", housing, "P-2047", "黄某某", "安全员", start),
        ("ZJ-DUTY-004", "示范大道改造工程", avenue, "P-1022", "王某某", "监理工程师", start.replace(day=10)),
    ]
    out: list[tuple[str, dict[str, Any]]] = []

    def check_in(cid: str, duty: str, day: date, lat: float, lon: float) -> None:
        at = f"{day.isoformat()}T08:{rng.randint(0, 29):02d}:00+08:00"
        out.append(
            (
                "check_in",
                {"id": cid, "department_code": dept, "duty": duty, "at": at, "lat": lat, "lon": lon},
            )
        )

    away = max(start, today - timedelta(days=4))
    for did, project, (lat, lon), person, name, role, starts in duties:
        out.append(
            (
                "duty",
                {
                    "id": did,
                    "department_code": dept,
                    "project": project,
                    "person_id": person,
                    "person_name": name,
                    "role": role,
                    "lat": lat,
                    "lon": lon,
                    "radius_m": 300,
                    "starts_on": starts.isoformat(),
                    "ends_on": (starts + timedelta(days=364)).isoformat(),
                },
            )
        )
        day = starts
        while day <= yesterday:
            skipped = did == "ZJ-DUTY-003" and day.month == start.month and day.day >= 6
            if not skipped:
                far = 0.02 if did == "ZJ-DUTY-001" and day == away else 0.0
                check_in(
                    f"CI-{did[-3:]}-{day:%Y%m%d}",
                    did,
                    day,
                    round(lat + far + rng.uniform(-0.0004, 0.0004), 6),
                    round(lon + rng.uniform(-0.0004, 0.0004), 6),
                )
            day += timedelta(days=1)
    check_in("CI-004-EARLY", "ZJ-DUTY-004", start.replace(day=9), *avenue)
    check_in("CI-009-001", "ZJ-DUTY-009", today - timedelta(days=3), *housing)
    return out
