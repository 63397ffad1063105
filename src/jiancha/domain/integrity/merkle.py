"""RFC 6962 §2.1 Merkle trees (as restated by RFC 9162 §2.1), for proofs over the ledger.

    leaf hash  = SHA-256(0x00 || d)
    node hash  = SHA-256(0x01 || left || right)
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n

Every hash a proof carries is the MTH of a range D[a:b] that the recursion reaches; such a range
always starts at a multiple of the smallest power of two >= b - a, so it is the right-fold of the
complete ("perfect") subtrees of its binary decomposition. Proofs are therefore described here as
lists of ranges and each range as complete subtrees `(level, index)` — covering leaves
[index·2^level, (index+1)·2^level) — which the store looks up or computes. Nothing here reads
the database: the ranges say what to fetch, `fold` says how to combine it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) per RFC 6962

Range = tuple[int, int]  # leaves [start, end)
Subtree = tuple[int, int]  # (level, index): leaves [index << level, (index + 1) << level)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k, the largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The complete subtrees of a growing tree's left edge: one per set bit of its size, so appending
    leaves one by one gives any root in O(log n) memory and O(n) hashing overall."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing

    def append(self, leaf: bytes) -> list[tuple[Subtree, bytes]]:
        """Add a leaf hash; returns the complete subtrees above it that it completed."""
        return self.push(0, leaf)

    def push(self, level: int, h: bytes) -> list[tuple[Subtree, bytes]]:
        """Add a complete subtree of 2^level leaves (the size must be a multiple of it); returns
        the larger complete subtrees it completed, smallest first."""
        if self.size % (1 << level):
            raise ValueError(f"a subtree of level {level} cannot follow {self.size} leaves")
        self.size += 1 << level
        index = (self.size >> level) - 1
        done = []
        while self._stack and self._stack[-1][0] == level:
            h = node_hash(self._stack.pop()[1], h)
            level, index = level + 1, index >> 1
            done.append(((level, index), h))
        self._stack.append((level, h))
        return done

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return fold([h for _, h in self._stack])


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes, streaming."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes held in memory, level by level: pairing from the left and carrying an
    odd last node up unchanged builds the same tree as the RFC's split at the largest power of
    two, and costs one list comprehension per level instead of a call per leaf."""
    level = list(leaves)
    if not level:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    while len(level) > 1:
        paired = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def leaf_hashes(data: Iterable[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + d).digest() for d in data]


def fold(hashes: Sequence[bytes]) -> bytes:
    """The MTH of a range from its complete subtrees, left to right (the largest first)."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def subtrees(start: int, end: int) -> list[Subtree]:
    """The complete subtrees whose fold is MTH(D[start:end]), for a range the recursion reaches."""
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    width = end - start
    if start % (1 << (width - 1).bit_length()):
        raise ValueError(f"[{start}, {end}) is not a subtree of any RFC 6962 tree")
    out = []
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) of RFC 6962 §2.1.1, as ranges, from the leaf's sibling up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    out.reverse()
    return out


def consistency_ranges(old: int, new: int) -> list[Range]:
    """PROOF(old, D[new]) of RFC 6962 §2.1.2, as ranges, in the order the proof lists them."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    out: list[Range] = []
    start, end, whole = 0, new, True  # `whole`: the old tree is this subtree's left edge so far
    while True:
        m = old - start
        if m == end - start:
            if not whole:
                out.append((start, end))
            break
        k = split(end - start)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, whole = start + k, False
    out.reverse()
    return out


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2; equal sizes need an empty proof and equal roots."""
    if not 0 < old <= new or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
