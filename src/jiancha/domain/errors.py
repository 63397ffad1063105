"""Problems with input: a stable code, the field, and the reason in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message_zh: str
    message_en: str
    index: int | None = None  # position in a batch, or row in a file
    sheet: str | None = None  # table or sheet of a file

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "field": self.field,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.index is not None:
            out["index"] = self.index
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out

    def at(self, index: int | None = None, sheet: str | None = None) -> Problem:
        return Problem(self.code, self.field, self.message_zh, self.message_en, index, sheet)


@dataclass
class Rejected(Exception):
    """The whole input is refused; nothing of it was written."""

    code: str
    message_zh: str
    message_en: str
    problems: list[Problem] = field(default_factory=list)
    status: int = 422

    def __str__(self) -> str:
        lines = [f"{self.code}: {self.message_en} / {self.message_zh}"]
        for p in self.problems[:50]:
            where = " ".join(
                x for x in (p.sheet and f"sheet={p.sheet}", p.index is not None and f"row={p.index}") if x
            )
            lines.append(f"  {where} field={p.field}: {p.message_en} / {p.message_zh}")
        if len(self.problems) > 50:
            lines.append(f"  ... {len(self.problems) - 50} more")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "problems": [p.as_dict() for p in self.problems],
        }


def invalid(field_name: str, code: str, zh: str, en: str) -> Problem:
    return Problem(code=code, field=field_name, message_zh=zh, message_en=en)
