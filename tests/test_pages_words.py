"""Every word the pages show exists in Chinese and in English (issue 7: Chinese by default, English
switchable). Read from the scripts themselves: a key used with `t("…")` that no `addWords` defines
would show the key to the user; an English word with Chinese in it was never translated."""

from __future__ import annotations

import re
from pathlib import Path

import jiancha.interfaces.web as web

STATIC = Path(web.__file__).parent / "static"
STRING = r'"((?:[^"\\]|\\.)*)"'
ENTRY = re.compile(rf'(?:"([^"]+)"|([A-Za-z_][\w.]*))\s*:\s*\[\s*{STRING}\s*,\s*{STRING}\s*,?\s*\]')
USED = re.compile(r'\bt\(\s*"([^"]+)"')
CJK = re.compile(r"[\u4e00-\u9fff]")


IMPORT = re.compile(r'from "/static/([\w.]+)"')
# English words that name Chinese on purpose: the switch back to 中文 is labelled in Chinese, and the
# calendar's loading hint quotes the file's own marker for a day off (休).
CHINESE_ON_PURPOSE = {"switch_lang", "switch_lang_label", "a.load_hint"}
PAGES = sorted(p.stem for p in (STATIC.parent / "pages").glob("*.html"))


def modules(page: str) -> list[Path]:
    """The scripts a page loads: its own and, transitively, what they import."""
    seen: list[Path] = []
    todo = [STATIC / f"{page}.js"]
    while todo:
        script = todo.pop()
        if script in seen:
            continue
        seen.append(script)
        todo.extend(STATIC / name for name in IMPORT.findall(script.read_text("utf-8")))
    return seen


def words(scripts: list[Path]) -> dict[str, tuple[str, str]]:
    """The words the scripts define; one key with two meanings on one page would show one of them."""
    found: dict[str, tuple[str, str]] = {}
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        for block in re.findall(r"addWords\(\{(.*?)\n\}\);", text, flags=re.S):
            for quoted, bare, zh, en in ENTRY.findall(block):
                key = quoted or bare
                assert found.get(key, (zh, en)) == (zh, en), (
                    f"{script.name}: {key} defined twice, differently"
                )
                found[key] = (zh, en)
    return found


def test_every_word_used_is_defined_in_both_languages() -> None:
    assert PAGES == ["console", "index", "portal", "screen", "workbench"]
    for page in PAGES:
        scripts = modules(page)
        defined = words(scripts)
        assert len(defined) > 20, page
        used = {(s.name, key) for s in scripts for key in USED.findall(s.read_text("utf-8"))}
        missing = sorted(f"{name}: {key}" for name, key in used if key not in defined)
        assert not missing, (page, missing)
        untranslated = sorted(k for k, (zh, en) in defined.items() if not zh.strip() or not en.strip())
        assert not untranslated, (page, untranslated)
        chinese_in_english = sorted(
            k for k, (_, en) in defined.items() if CJK.search(en) and k not in CHINESE_ON_PURPOSE
        )
        assert not chinese_in_english, (page, chinese_in_english)
