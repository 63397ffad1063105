"""RFC 6962 Merkle trees: the published vectors, and every proof against the RFC's own recursion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiancha.domain.integrity import merkle
from jiancha.domain.integrity.merkle import (
    EMPTY_ROOT,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    subtrees,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference inputs and tree heads (merkle_tree_test.cc of
# google/certificate-transparency, reproduced by transparency-dev/merkle and others).
CT_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, path)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_LEAVES = [leaf_hash(d) for d in CT_INPUTS]


# -- the RFC's definitions, written as plainly as the RFC states them -------------------------------
def naive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split(len(leaves))
    return node_hash(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = merkle.split(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [naive_mth(leaves)]
    k = merkle.split(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], b), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def resolve(ranges: list[tuple[int, int]], leaves: list[bytes]) -> list[bytes]:
    """Each range's hash from its complete subtrees, as the store does it."""
    return [fold([naive_mth(leaves[i << lv : (i + 1) << lv]) for lv, i in subtrees(a, b)]) for a, b in ranges]


def make_leaves(n: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


# -- published vectors ----------------------------------------------------------------------------------
def test_roots_match_the_certificate_transparency_vectors() -> None:
    assert merkle.leaf_hashes(CT_INPUTS) == CT_LEAVES
    for n, expected in enumerate(CT_ROOTS):
        assert merkle.root(CT_LEAVES[:n]).hex() == expected
        assert merkle.root_of(CT_LEAVES[:n]).hex() == expected


def test_inclusion_paths_match_the_vectors_and_verify() -> None:
    for index, size, path in CT_INCLUSION:
        proof = resolve(inclusion_ranges(index, size), CT_LEAVES[:size])
        assert [p.hex() for p in proof] == path
        root = bytes.fromhex(CT_ROOTS[size])
        assert verify_inclusion(index, size, CT_LEAVES[index], proof, root)
        assert not verify_inclusion(index, size, CT_LEAVES[index], proof, bytes.fromhex(CT_ROOTS[size - 1]))


def test_consistency_proofs_match_the_vectors_and_verify() -> None:
    for old, new, path in CT_CONSISTENCY:
        proof = resolve(consistency_ranges(old, new), CT_LEAVES[:new])
        assert [p.hex() for p in proof] == path
        old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
        assert verify_consistency(old, new, old_root, new_root, proof)
        if old != new:
            assert not verify_consistency(old, new, new_root, new_root, proof)


# -- every size, against the RFC's recursion -------------------------------------------------------------
sizes = st.integers(min_value=1, max_value=300)


@given(sizes, st.integers(min_value=0, max_value=5))
def test_streaming_root_equals_the_recursive_definition(n: int, salt: int) -> None:
    leaves = make_leaves(n, salt)
    assert merkle.root(leaves) == naive_mth(leaves)
    assert merkle.root_of(leaves) == naive_mth(leaves)  # level by level, odd nodes carried up


@given(sizes, st.data())
def test_inclusion_proof_equals_path_and_verifies(n: int, data: st.DataObject) -> None:
    leaves = make_leaves(n)
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = resolve(inclusion_ranges(m, n), leaves)
    assert proof == naive_path(m, leaves)
    root = naive_mth(leaves)
    assert verify_inclusion(m, n, leaves[m], proof, root)
    # Another leaf, another position, or any changed proof hash: refused.
    assert not verify_inclusion(m, n, leaf_hash(b"forged"), proof, root)
    if n > 1:
        assert not verify_inclusion((m + 1) % n, n, leaves[m], proof, root)
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bent = [*proof[:k], bytes([proof[k][0] ^ 1]) + proof[k][1:], *proof[k + 1 :]]
        assert not verify_inclusion(m, n, leaves[m], bent, root)
        assert not verify_inclusion(m, n, leaves[m], proof[:-1], root)
        assert not verify_inclusion(m, n, leaves[m], [*proof, proof[-1]], root)


@given(sizes, st.data())
def test_consistency_proof_equals_proof_and_verifies(n: int, data: st.DataObject) -> None:
    leaves = make_leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = resolve(consistency_ranges(m, n), leaves)
    assert proof == naive_subproof(m, leaves, True)
    old_root, new_root = naive_mth(leaves[:m]), naive_mth(leaves)
    assert verify_consistency(m, n, old_root, new_root, proof)
    if m < n:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bent = [*proof[:k], bytes([proof[k][0] ^ 1]) + proof[k][1:], *proof[k + 1 :]]
        assert not verify_consistency(m, n, old_root, new_root, bent)
        assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
        assert not verify_consistency(m, n, old_root, new_root, [])


@given(sizes, st.data())
def test_a_rewritten_past_cannot_be_proved_consistent(n: int, data: st.DataObject) -> None:
    """The witness's case: one old leaf changed, the new root is over the changed leaves; no proof
    the platform can compute links the old root to it."""
    leaves = make_leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    changed = data.draw(st.integers(min_value=0, max_value=m - 1))
    rewritten = [*leaves[:changed], leaf_hash(b"rewritten"), *leaves[changed + 1 :]]
    proof = resolve(consistency_ranges(m, n), rewritten)
    assert not verify_consistency(m, n, naive_mth(leaves[:m]), naive_mth(rewritten), proof)


def test_the_frontier_reports_each_complete_subtree_once() -> None:
    leaves = make_leaves(37)
    frontier = merkle.Frontier()
    seen = {}
    for leaf in leaves:
        for (level, index), h in frontier.append(leaf):
            assert (level, index) not in seen
            seen[(level, index)] = h
    assert seen == {
        (lv, i): naive_mth(leaves[i << lv : (i + 1) << lv]) for lv in range(1, 6) for i in range(37 >> lv)
    }
    # Whole subtrees can be pushed: the root of 32 leaves pushed as one, then five more leaves.
    again = merkle.Frontier()
    again.push(5, seen[(5, 0)])
    for leaf in leaves[32:]:
        again.append(leaf)
    assert again.size == 37 and again.root() == naive_mth(leaves)


def test_ranges_outside_a_tree_are_refused() -> None:
    with pytest.raises(ValueError):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        consistency_ranges(0, 4)
    with pytest.raises(ValueError):
        subtrees(1, 3)  # no RFC 6962 tree has a node over leaves 1 and 2
    assert not verify_consistency(5, 4, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_inclusion(0, 0, EMPTY_ROOT, [], EMPTY_ROOT)
