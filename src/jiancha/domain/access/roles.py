"""Roles and what each may do (R-SEC-1).

A capability names a kind of work, not a route: every route declares the one it needs, and a test
walks the application's route table so that no route can be added without one. Scope — which
departments' data — is separate (`scope.py`): a capability says *what*, a scope says *whose*.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    system_supervisor = "system_supervisor"  # 系统监管员: the agency's supervisors and leaders
    e_supervisor = "e_supervisor"  # 电子监察员: watches the signals, handles them day to day
    administrator = "administrator"  # 系统管理员: users, catalogue, calendar, packs; no case content
    post_user = "post_user"  # 岗位用户: an official of one department, at a post
    system = "system"  # an integrating system of one department (API token; ingestion only)


ROLE_ZH = {
    Role.system_supervisor: "系统监管员",
    Role.e_supervisor: "电子监察员",
    Role.administrator: "系统管理员",
    Role.post_user: "岗位用户",
    Role.system: "接入系统",
}


class Capability(StrEnum):
    public = "public"  # anyone, signed in or not: the power list, progress query, complaints, ratings
    read = "read"  # supervised data within one's scope: cases, signals, notices, complaints, …
    supervise = "supervise"  # the agency's work: notices, measures, decisions, patrols, samples
    answer = "answer"  # a department's work: explain, rectify, report, request an extension
    manage = "manage"  # users, catalogue, organisation, calendar, packs, subscriptions
    ingest = "ingest"  # push events, register cases, upload attachments
    signed_in = "signed_in"  # any signed-in person: who am I, sign out


GRANTS: dict[Role, frozenset[Capability]] = {
    Role.system_supervisor: frozenset({Capability.read, Capability.supervise}),
    Role.e_supervisor: frozenset({Capability.read, Capability.supervise}),
    # An administrator reads case content only when granted it (users.reads_cases).
    Role.administrator: frozenset({Capability.manage}),
    Role.post_user: frozenset({Capability.read, Capability.answer}),
    Role.system: frozenset({Capability.ingest}),
}
PEOPLE = frozenset(Role) - {Role.system}


def may(role: Role, capability: Capability, reads_cases: bool = False) -> bool:
    """Whether a caller in `role` may do work of `capability`."""
    if capability == Capability.public:
        return True
    if capability == Capability.signed_in:
        return role in PEOPLE
    if capability == Capability.read and role == Role.administrator and reads_cases:
        return True
    return capability in GRANTS[role]
