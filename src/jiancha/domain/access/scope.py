"""Scope (数据权限, R-SEC-1): which departments' data a caller sees. A supervision agency sees its
region and every region below it; a department's users and systems see their department. The
scope becomes a condition in SQL (`restrict`), never a filter applied afterwards, so lists,
counts, pages and exports stay right."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.elements import ColumnElement as Element


@dataclass(frozen=True)
class Scope:
    """`departments` None: every department (the top-level agency); otherwise exactly these.
    `regions` likewise, for what belongs to a region rather than a department (patrols)."""

    departments: frozenset[str] | None
    regions: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.departments is None

    def restrict(self, column: ColumnClause[str] | Element[str]) -> ColumnElement[bool]:
        """The SQL condition keeping rows whose department (`column`) is in scope."""
        if self.departments is None:
            return true()
        if not self.departments:
            return false()
        return column.in_(sorted(self.departments))

    def restrict_region(self, column: ColumnClause[str] | Element[str]) -> ColumnElement[bool]:
        if self.regions is None:
            return true()
        if not self.regions:
            return false()
        return column.in_(sorted(self.regions))

    def has_department(self, code: str) -> bool:
        return self.departments is None or code in self.departments


EVERYTHING = Scope(None, None)
NOTHING = Scope(frozenset(), frozenset())


def subtree(region: str, parents: Mapping[str, str | None]) -> frozenset[str]:
    """`region` and every region below it."""
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found, todo = set(), [region]
    while todo:
        code = todo.pop()
        if code in found:
            continue
        found.add(code)
        todo.extend(children.get(code, ()))
    return frozenset(found)


def of_region(region: str | None, parents: Mapping[str, str | None], departments: Mapping[str, str]) -> Scope:
    """An agency's scope: its region's subtree and the departments in it; no region: everything."""
    if region is None:
        return EVERYTHING
    regions = subtree(region, parents) if region in parents else frozenset()
    return Scope(frozenset(d for d, r in departments.items() if r in regions), regions)


def of_department(code: str, departments: Mapping[str, str]) -> Scope:
    region = departments.get(code)
    return Scope(frozenset({code}), frozenset({region}) if region else frozenset())
