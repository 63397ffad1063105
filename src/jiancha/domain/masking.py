"""Masking personal data (R-SEC-3): names, ID numbers and phone numbers, wherever the reader does
not need them — API answers, exports and logs. Pure functions; the callers decide where."""

from __future__ import annotations

import logging
import re
from typing import Any

# A resident ID number (18 characters, the last a digit or X) and a mainland mobile number, each
# standing alone (not inside a longer number such as a case number or a amount).
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_id(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "*" * len(phone)


def shorten_case_no(case_no: str) -> str:
    """A case number as a hall screen shows it: its last six characters, enough for the applicant
    holding the receipt to recognise it and too few to look the case up (…000123)."""
    return "…" + case_no[-6:] if len(case_no) > 6 else case_no


def mask_text(text: str) -> str:
    """ID and mobile numbers inside free text masked: 330902********1234, 138****5678."""
    return _MOBILE.sub(r"\1****\2", _ID.sub(lambda m: m.group(1) + "********" + m.group(2), text))


def mask_values(value: Any) -> Any:
    """The same through nested JSON-like data (event attributes): strings masked, numbers kept."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """Masks ID and mobile numbers in every log record, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
