"""Loading rule packs: shipped ones by name, or a YAML file from disk (R-SIG-7)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Connection, select

from jiancha.domain.errors import Rejected
from jiancha.domain.rules.families.procurement import FAMILY as procurement_family
from jiancha.domain.rules.pack import Pack
from jiancha.domain.validation import problems_from
from jiancha.store.database import Database
from jiancha.store.tables import departments, regions

DEFAULT_PACK = "default"
log = logging.getLogger(__name__)


def shipped() -> list[str]:
    return sorted(
        p.name.removesuffix(".yaml")
        for p in resources.files("jiancha.packs").iterdir()
        if p.name.endswith(".yaml")
    )


def parse(text: str, source: str) -> Pack:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise Rejected(
            "pack_rejected", f"规则包 {source} 不是有效的 YAML", f"pack {source} is not valid YAML: {e}"
        ) from e
    try:
        return Pack.model_validate(_with_included(doc, source))
    except ValidationError as e:
        raise Rejected(
            "pack_rejected", f"规则包 {source} 有错误", f"pack {source} has errors", problems_from(e)
        ) from e


def _with_included(doc: Any, source: str) -> Any:
    """The pack's document with the rules of the families it includes from other shipped packs
    (and, for public resource trading, their shared settings unless it has its own). An included
    pack may include nothing itself, so includes never go round in a circle."""
    if isinstance(doc, dict) and "included" in doc:
        zh, en = "included 由系统填写，请用 include", "included is filled in by the loader; write include"
        raise Rejected("pack_rejected", f"规则包 {source}：{zh}", f"pack {source}: {en}")
    if not isinstance(doc, dict) or not isinstance(doc.get("include"), list):
        return doc
    taken: list[dict[str, Any]] = []
    shared = doc.get("procurement")
    for entry in doc["include"]:
        if not isinstance(entry, dict) or entry.get("pack") not in shipped():
            zh = f"规则包 {source} 只能引入随平台提供的规则包（{', '.join(shipped())}）"
            en = f"pack {source} may include only a shipped pack ({', '.join(shipped())})"
            raise Rejected("pack_rejected", zh, en)
        base = load(str(entry["pack"]))
        if base.include:
            zh = f"被引入的规则包 {base.pack} 自身不能再引入其他规则包"
            en = f"the included pack {base.pack} includes others itself"
            raise Rejected("pack_rejected", f"规则包 {source}：{zh}", f"pack {source}: {en}")
        families = set(entry.get("families") or [])
        taken += [r.model_dump() for r in base.rules if r.family in families]
        if procurement_family in families and not shared:
            shared = dict(base.procurement)
    return {**doc, "included": taken, **({"procurement": shared} if shared else {})}


@lru_cache(maxsize=32)
def load(name_or_path: str) -> Pack:
    """A shipped pack by name (default, qitaihe, ...) or a pack file by path."""
    if name_or_path in shipped():
        text = resources.files("jiancha.packs").joinpath(f"{name_or_path}.yaml").read_text(encoding="utf-8")
        return parse(text, name_or_path)
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return parse(path.read_text(encoding="utf-8"), str(path))
    raise Rejected(
        "unknown_pack",
        f"没有名为 {name_or_path} 的规则包",
        f"no pack named {name_or_path}; shipped: {', '.join(shipped())}",
        status=404,
    )


def active() -> Pack:
    """The pack in force: `JIANCHA_PACK` (a shipped name or a file), else `default`."""
    return load(os.environ.get("JIANCHA_PACK", "").strip() or DEFAULT_PACK)


def names() -> list[str]:
    """The packs a region may be given: the shipped ones and the platform's own."""
    return sorted({*shipped(), active().pack})


def by_name(name: str) -> Pack:
    """A pack by the name signals and regions record; one no longer to be found (a pack file since
    replaced) gives way to the platform's, with a warning."""
    default = active()
    if name == default.pack:
        return default
    if name in shipped():
        return load(name)
    log.warning("pack %s is no longer available; the platform's pack %s stands in", name, default.pack)
    return default


def for_departments(conn: Connection, codes: Iterable[str]) -> dict[str, Pack]:
    """The pack each department is judged by (R-SIG-7): its region's, else the nearest ancestor
    region's, else the platform's. A department the organisation does not know gets the platform's."""
    wanted = sorted(set(codes))
    homes = dict(
        conn.execute(
            select(departments.c.code, departments.c.region_code).where(departments.c.code.in_(wanted))
        ).all()
    )
    by_region = for_regions(conn, set(homes.values()))
    default = active()
    return {code: by_region.get(homes.get(code, ""), default) for code in wanted}


def for_regions(conn: Connection, codes: Iterable[str]) -> dict[str, Pack]:
    """The pack of each region: its own, else the nearest ancestor's, else the platform's."""
    default = active()
    tree = {
        r.code: (r.parent_code, r.pack)
        for r in conn.execute(select(regions.c.code, regions.c.parent_code, regions.c.pack))
    }
    out = {}
    for code in set(codes):
        region, name = code, None
        while region is not None and name is None:
            region, name = tree.get(region, (None, None))
        out[code] = by_name(name) if name else default
    return out


def of_regions(db: Database) -> dict[str, str]:
    """The regions given a pack of their own; the others follow their parent, then the platform."""
    with db.read() as conn:
        return {
            str(code): str(pack)
            for code, pack in conn.execute(
                select(regions.c.code, regions.c.pack)
                .where(regions.c.pack.is_not(None))
                .order_by(regions.c.code)
            )
        }
