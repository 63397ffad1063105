"""Loading rule packs: shipped ones by name, or a YAML file from disk (R-SIG-7)."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from jiancha.domain.errors import Rejected
from jiancha.domain.rules.pack import Pack
from jiancha.domain.validation import problems_from

DEFAULT_PACK = "default"


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
        return Pack.model_validate(doc)
    except ValidationError as e:
        raise Rejected(
            "pack_rejected", f"规则包 {source} 有错误", f"pack {source} has errors", problems_from(e)
        ) from e


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
