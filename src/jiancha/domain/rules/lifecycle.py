"""The life of a signal (R-SIG-1, R-SUP-1): who may move it where.

open → explained (the department explains) → back to open (explanation rejected)
open | explained → rectified (corrected) | fault_confirmed (过错认定) | withdrawn (摘牌, with a reason)
rectified | fault_confirmed | withdrawn → closed
"""

from __future__ import annotations

from enum import StrEnum


class SignalState(StrEnum):
    open = "open"
    explained = "explained"
    rectified = "rectified"
    fault_confirmed = "fault_confirmed"
    withdrawn = "withdrawn"
    closed = "closed"


MOVES: dict[SignalState, frozenset[SignalState]] = {
    SignalState.open: frozenset(
        {SignalState.explained, SignalState.rectified, SignalState.fault_confirmed, SignalState.withdrawn}
    ),
    SignalState.explained: frozenset(
        {SignalState.open, SignalState.rectified, SignalState.fault_confirmed, SignalState.withdrawn}
    ),
    SignalState.rectified: frozenset({SignalState.closed}),
    SignalState.fault_confirmed: frozenset({SignalState.closed}),
    SignalState.withdrawn: frozenset({SignalState.closed}),
    SignalState.closed: frozenset(),
}
# Still waiting for the department: the clock escalates these (R-SIG-2).
UNRESOLVED = frozenset({SignalState.open, SignalState.explained})
NEEDS_REASON = frozenset({SignalState.explained, SignalState.withdrawn, SignalState.fault_confirmed})


def check_move(current: SignalState, to: SignalState, reason: str) -> None:
    """Raise ValueError ("中文 | English") when the move is not allowed or lacks its reason."""
    if to not in MOVES[current]:
        allowed = ", ".join(sorted(MOVES[current])) or "none"
        raise ValueError(
            f"信号处于 {current.value}，不能转为 {to.value} | a signal in state {current.value} "
            f"cannot move to {to.value}; allowed: {allowed}"
        )
    if to in NEEDS_REASON and not reason.strip():
        raise ValueError(f"转为 {to.value} 须说明理由 | moving to {to.value} needs a reason")
