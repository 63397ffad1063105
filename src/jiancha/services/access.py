"""Users, sign-in, sessions and the integrating systems' tokens (R-SEC-1).

Passwords are kept as argon2id hashes; a session's token and a system's token only as SHA-256 (they
are random, 256 bits: a slow hash adds nothing). Wrong passwords lock an account for a while after
a few in a row. Who was made what, and every token issued or revoked, is written to the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Connection, delete, insert, select, update

from jiancha.domain.access.roles import ROLE_ZH, Capability, Role, may
from jiancha.domain.access.scope import Scope, of_department, of_region
from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import iso_local, iso_utc, utcnow
from jiancha.domain.validation import problems_from
from jiancha.settings import AccessSettings, access_settings
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import api_tokens, departments, regions, sessions, users

_hasher = PasswordHasher()  # argon2id with the library's current parameters (RFC 9106)
# Verified against when the user does not exist, so a wrong name costs what a wrong password does.
_DUMMY = _hasher.hash("jiancha-no-such-user")


@dataclass(frozen=True)
class Caller:
    """Who is asking, what they may do and over which departments."""

    role: Role | None  # None: the public (not signed in)
    name: str  # username, or the system's name; "public"
    display_name: str
    scope: Scope
    user_id: int | None = None
    token_id: int | None = None
    department_code: str | None = None
    region_code: str | None = None
    leader: bool = False
    reads_cases: bool = False
    csrf_token: str | None = None  # set for a session: unsafe requests must echo it

    def may(self, capability: Capability) -> bool:
        if self.role is None:
            return capability == Capability.public
        return may(self.role, capability, self.reads_cases)

    @property
    def label(self) -> str:
        """How the ledger names them: 张三 (zhangsan)."""
        return f"{self.display_name} ({self.name})" if self.display_name != self.name else self.name


PUBLIC = Caller(None, "public", "public", Scope(frozenset(), frozenset()))

Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")]


class UserIn(BaseModel):
    """A person given access by an administrator."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: Username
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    region_code: Annotated[str | None, Field(min_length=1, max_length=32)] = None
    department_code: Annotated[str | None, Field(pattern=CODE_PATTERN)] = None
    leader: bool = False
    reads_cases: bool = False
    password: Annotated[str, Field(min_length=10, max_length=200)]

    @model_validator(mode="after")
    def _consistent(self) -> UserIn:
        if self.role == Role.system:
            raise ValueError(
                "接入系统使用 API 令牌，不是用户 | an integrating system gets an API token, not a user"
            )
        if self.role == Role.post_user and not self.department_code:
            raise ValueError("岗位用户须属于一个部门（department_code） | a post user needs department_code")
        if self.role != Role.post_user and self.department_code:
            raise ValueError(
                "只有岗位用户属于部门 | only a post user belongs to a department (department_code)"
            )
        if self.reads_cases and self.role != Role.administrator:
            raise ValueError("reads_cases 只用于系统管理员 | reads_cases is only for an administrator")
        return self


def parse_user(raw: Any) -> UserIn:
    try:
        return UserIn.model_validate(raw)
    except ValidationError as e:
        raise Rejected("user_rejected", "用户信息无效", "the user is invalid", problems_from(e)) from e


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _organisation(conn: Connection) -> tuple[dict[str, str | None], dict[str, str]]:
    parents = {str(c): p for c, p in conn.execute(select(regions.c.code, regions.c.parent_code))}
    depts = {str(c): str(r) for c, r in conn.execute(select(departments.c.code, departments.c.region_code))}
    return parents, depts


def scope_of(conn: Connection, role: Role, region: str | None, department: str | None) -> Scope:
    parents, depts = _organisation(conn)
    if role in (Role.post_user, Role.system):
        return of_department(str(department), depts)
    return of_region(region, parents, depts)


def create_user(db: Database, user: UserIn, by: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        parents, depts = _organisation(conn)
        if user.region_code is not None and user.region_code not in parents:
            _refuse("unknown_region", "region_code", f"区划 {user.region_code} 不存在", "no such region")
        if user.department_code is not None and user.department_code not in depts:
            _refuse(
                "unknown_department",
                "department_code",
                f"部门 {user.department_code} 不存在",
                "no such department",
            )
        taken = conn.execute(select(users.c.id).where(users.c.username == user.username)).first()
        if taken is not None:
            raise Rejected(
                "taken",
                f"用户名 {user.username} 已存在",
                f"username {user.username} is taken",
                [Problem("taken", "username", "用户名已存在", "username is taken")],
                status=409,
            )
        region = user.region_code
        if user.role == Role.post_user and user.department_code:
            region = depts[user.department_code]
        values = user.model_dump(exclude={"password"}) | {"region_code": region}
        _audit(conn, f"user:{user.username}", "create", by, now, **(values | {"role": user.role.value}))
        conn.execute(
            insert(users).values(
                **values,
                password_hash=_hasher.hash(user.password),
                active=True,
                failed_logins=0,
                created_at=now,
                created_by=by,
            )
        )
    return next(u for u in list_users(db) if u["username"] == user.username)


def set_active(db: Database, username: str, active: bool, by: str, now: datetime | None = None) -> None:
    """Disable (or re-enable) a user; a disabled user's sessions end at once."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if row is None:
            raise Rejected("not_found", "用户不存在", f"user {username} not found", status=404)
        action = "enable" if active else "disable"
        _audit(conn, f"user:{username}", action, by, now)
        conn.execute(
            update(users)
            .where(users.c.id == row.id)
            .values(active=active, failed_logins=0, locked_until=None)
        )
        if not active:
            conn.execute(delete(sessions).where(sessions.c.user_id == row.id))


@dataclass(frozen=True)
class SignedIn:
    token: str  # for the cookie; never stored
    csrf_token: str
    expires_at: datetime
    caller: Caller


def sign_in(
    db: Database,
    username: str,
    password: str,
    now: datetime | None = None,
    settings: AccessSettings | None = None,
) -> SignedIn:
    """Check the password; on success open a session. The same refusal for an unknown name and a
    wrong password; an account locks after `lockout_failures` wrong passwords in a row."""
    now = now or utcnow()
    settings = settings or access_settings()
    wrong = Rejected("bad_credentials", "用户名或密码错误", "wrong username or password", status=401)
    with db.write() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None or not row.active:
            _verify(_DUMMY, password)
            raise wrong
        if row.locked_until is not None and row.locked_until > now:
            raise Rejected(
                "account_locked",
                f"密码错误次数过多，账号锁定至 {iso_local(row.locked_until)}",
                f"too many wrong passwords; the account is locked until {iso_local(row.locked_until)}",
                status=403,
            )
        if not _verify(row.password_hash, password):
            failures = row.failed_logins + 1
            locked = failures >= settings.lockout_failures
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(
                    failed_logins=0 if locked else failures,
                    locked_until=now + timedelta(minutes=settings.lockout_minutes) if locked else None,
                )
            )
            if locked:
                lock(conn)
                _audit(conn, f"user:{username}", "locked", "system", now, failures=failures)
        else:
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + timedelta(hours=settings.session_hours)
            conn.execute(
                insert(sessions).values(
                    token_hash=_sha256(token),
                    user_id=row.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                )
            )
            conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None))
            if _hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
                )
            caller = _person(conn, row, csrf)
            return SignedIn(token, csrf, expires, caller)
    raise wrong


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _person(conn: Connection, row: Any, csrf: str | None) -> Caller:
    role = Role(row.role)
    return Caller(
        role,
        row.username,
        row.display_name,
        scope_of(conn, role, row.region_code, row.department_code),
        user_id=row.id,
        department_code=row.department_code,
        region_code=row.region_code,
        leader=row.leader,
        reads_cases=row.reads_cases,
        csrf_token=csrf,
    )


def session_caller(db: Database, token: str, now: datetime | None = None) -> Caller | None:
    """The person a session token belongs to, while the session lasts and the user is active."""
    now = now or utcnow()
    with db.read() as conn:
        found = conn.execute(
            select(users, sessions.c.csrf_token, sessions.c.expires_at)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == _sha256(token))
        ).first()
        if found is None or found.expires_at <= now or not found.active:
            return None
        return _person(conn, found, found.csrf_token)


def sign_out(db: Database, token: str) -> None:
    with db.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _sha256(token)))


def issue_token(
    db: Database, name: str, department_code: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """A token for an integrating system of one department; shown once, kept only as its hash."""
    now = now or utcnow()
    token = "jct_" + secrets.token_urlsafe(32)
    with db.write() as conn:
        lock(conn)
        _, depts = _organisation(conn)
        if department_code not in depts:
            _refuse(
                "unknown_department",
                "department_code",
                f"部门 {department_code} 不存在",
                "no such department",
            )
        seq = _audit(
            conn, f"token:{name}", "issue_token", by, now, name=name, department_code=department_code
        )
        token_id = conn.execute(
            insert(api_tokens)
            .values(
                token_hash=_sha256(token),
                name=name,
                department_code=department_code,
                created_at=now,
                created_by=by,
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
    return {
        "id": token_id,
        "name": name,
        "department_code": department_code,
        "token": token,
        "ledger_seq": seq,
    }


def revoke_token(db: Database, token_id: int, by: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise Rejected("not_found", "令牌不存在", f"token {token_id} not found", status=404)
        _audit(conn, f"token:{row.name}", "revoke_token", by, now, id=token_id)
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))


def token_caller(db: Database, token: str) -> Caller | None:
    with db.read() as conn:
        row = conn.execute(
            select(api_tokens).where(
                api_tokens.c.token_hash == _sha256(token), api_tokens.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        scope = scope_of(conn, Role.system, None, row.department_code)
    return Caller(
        Role.system, row.name, row.name, scope, token_id=row.id, department_code=row.department_code
    )


def csrf_matches(caller: Caller, given: str | None) -> bool:
    return (
        caller.csrf_token is not None and given is not None and hmac.compare_digest(caller.csrf_token, given)
    )


def list_users(db: Database) -> list[dict[str, Any]]:
    """Every user with what they may do and over which part of the organisation: the report for
    the periodic review of permissions (R-SEC-1)."""
    with db.read() as conn:
        rows = conn.execute(select(users).order_by(users.c.username)).all()
        out = []
        for r in rows:
            role = Role(r.role)
            scope = scope_of(conn, role, r.region_code, r.department_code)
            out.append(
                {
                    "username": r.username,
                    "display_name": r.display_name,
                    "role": role.value,
                    "role_zh": ROLE_ZH[role],
                    "capabilities": sorted(
                        c.value
                        for c in Capability
                        if may(role, c, r.reads_cases) and c not in (Capability.public, Capability.signed_in)
                    ),
                    "region_code": r.region_code,
                    "department_code": r.department_code,
                    "scope": "全部 | everything"
                    if scope.everything
                    else f"{len(scope.departments or ())} 个部门 | departments",
                    "leader": r.leader,
                    "reads_cases": r.reads_cases,
                    "active": r.active,
                    "locked_until": iso_local(r.locked_until) if r.locked_until else None,
                    "created_at": iso_local(r.created_at),
                    "created_by": r.created_by,
                }
            )
    return out


def list_tokens(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(select(api_tokens).order_by(api_tokens.c.id)).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "department_code": r.department_code,
            "created_at": iso_local(r.created_at),
            "created_by": r.created_by,
            "revoked_at": iso_local(r.revoked_at) if r.revoked_at else None,
        }
        for r in rows
    ]


def _audit(conn: Connection, ref: str, action: str, by: str, now: datetime, **detail: Any) -> int:
    """Who was given access, locked, disabled; which tokens were issued and revoked: in the ledger."""
    record = {"v": 1, "action": action, **detail, "by": by, "at": iso_utc(now)}
    (seq,) = append(conn, [Entry("access", ref, record)], now)
    return seq


def _refuse(code: str, field: str, zh: str, en: str) -> None:
    raise Rejected(code, zh, f"{field}: {en}", [Problem(code, field, zh, en)])
