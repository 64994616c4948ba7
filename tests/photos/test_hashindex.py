"""Multi-index hashing (crawler/photos/hashindex.py) returns exactly what a full scan returns."""

from __future__ import annotations

import numpy as np
import pytest

from crawler.photos.hashindex import HashIndex, brute_force_radius


def random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False)


def near(rng: np.random.Generator, value: int, bits: int) -> int:
    for bit in rng.choice(64, bits, replace=False):
        value ^= 1 << int(bit)
    return value


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    hashes = random_hashes(rng, 50_000)
    # clumps of near-duplicates, as reposted photos make
    base = [int(h) for h in hashes[:200]]
    clumps = np.array([near(rng, b, int(rng.integers(0, 12))) for b in base * 5], dtype=np.uint64)
    hashes = np.concatenate([hashes, clumps])
    queries = [near(rng, int(hashes[int(rng.integers(len(hashes)))]), k % 14) for k in range(300)]
    queries += [int(h) for h in random_hashes(rng, 50)]
    return hashes, queries


@pytest.mark.parametrize("radius", [0, 3, 8, 10, 13, 16])
def test_radius_lookup_equals_brute_force(data, radius):
    hashes, queries = data
    index = HashIndex(hashes)
    for query in queries:
        positions, distances = index.radius(query, radius)
        expected = brute_force_radius(hashes, query, radius)
        assert sorted(positions.tolist()) == sorted(expected.tolist())
        assert list(distances) == sorted(distances)
        pairs = zip(positions, distances, strict=True)
        assert all(bin(int(hashes[p]) ^ query).count("1") == d for p, d in pairs)


def test_hashes_added_one_by_one_are_found_before_and_after_folding(data):
    hashes, queries = data
    index = HashIndex(hashes[:1000])
    for k, value in enumerate(hashes[1000:]):
        assert index.add(int(value)) == 1000 + k
        if k % 9000 == 0:
            query = queries[k % len(queries)]
            found = index.radius(query, 10)[0]
            expected = brute_force_radius(index.hashes, query, 10)
            assert sorted(found.tolist()) == sorted(expected.tolist())
    assert len(index) == len(hashes)
    for query in queries[:50]:
        found = index.radius(query, 10)[0]
        assert sorted(found.tolist()) == sorted(brute_force_radius(hashes, query, 10).tolist())


def test_empty_index_and_wide_radius():
    assert len(HashIndex().radius(123, 10)[0]) == 0
    index = HashIndex(np.array([0, 2**64 - 1], dtype=np.uint64))
    assert index.radius(0, 64)[0].tolist() == [0, 1]
    assert index.radius(2**64 - 1, 0)[0].tolist() == [1]
