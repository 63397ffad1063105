"""Rebuild the Chinese font the monthly report embeds (src/jiancha/fonts/), from Debian's
WenQuanYi Micro Hei (Apache-2.0; `apt-get install fonts-wqy-microhei`), keeping what a report
writes: ASCII and Latin-1, general punctuation, CJK symbols and punctuation, full-width forms,
a few signs, and every Han character of GB 2312 (6,763: names of places and departments included).

Needs fonttools, which the platform itself does not (`pip install fonttools`):

    .venv/bin/python scripts/font_subset.py [/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TARGET = Path(__file__).resolve().parent.parent / "src/jiancha/fonts/wqy-microhei-gb2312.ttf"


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    found: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def wanted() -> set[int]:
    ranges = [
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1
        (0x2000, 0x206F),  # general punctuation: — ‘’ “” … ‰
        (0x2100, 0x215F),  # letterlike: № ℃
        (0x2190, 0x21FF),  # arrows
        (0x2460, 0x24FF),  # enclosed numbers ①
        (0x2500, 0x25FF),  # box drawing, shapes ■ ▲ ●
        (0x3000, 0x303F),  # CJK symbols and punctuation 、。《》【】
        (0xFF00, 0xFFEF),  # full-width forms （）：；％
    ]
    codes = {c for lo, hi in ranges for c in range(lo, hi + 1)}
    return codes | gb2312()


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    font = TTCollection(source).fonts[0]  # 文泉驿微米黑 (face 1 is the monospaced one)
    options = subset.Options()
    options.layout_features = []  # no shaping tables: the report sets text as it is
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # PDF viewers do not use TrueType hinting at print sizes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs")


if __name__ == "__main__":
    main()
