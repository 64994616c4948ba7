"""Near-duplicate lookup: adwatch's multi-index hashing against a numpy full scan.

1,000,000 stored 64-bit hashes (uniformly random, plus clumps of near-duplicates as reposted
photos make), 1,000 queries (half a stored hash with 0-12 bits flipped, half random), every
stored hash within Hamming distance 10 of each query:

1. brute force: XOR and popcount over the whole array (``np.bitwise_count``);
2. adwatch: ``crawler.photos.hashindex.HashIndex.radius``.

Both must return exactly the same hashes for every query (checked). Prints the p50 of each
in milliseconds and, last, ``nn_lookup_speedup: R`` (brute force p50 / index p50).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.photos.hashindex import HashIndex, brute_force_radius  # noqa: E402

SIZE = 1_000_000
QUERIES = 1_000
RADIUS = 10


def flip(rng: np.random.Generator, value: int, bits: int) -> int:
    for bit in rng.choice(64, bits, replace=False):
        value ^= 1 << int(bit)
    return value


def main() -> None:
    print(f"cores: {os.cpu_count()}")
    rng = np.random.default_rng(2026)
    hashes = rng.integers(0, 2**64, size=SIZE, dtype=np.uint64, endpoint=False)
    # 2 % of the hashes are near-duplicates of others (photos reposted with edits)
    sources = rng.integers(0, SIZE, size=SIZE // 50)
    for k, source in enumerate(sources):
        hashes[SIZE - 1 - k] = flip(rng, int(hashes[source]), int(rng.integers(0, 9)))
    queries = [
        flip(rng, int(hashes[rng.integers(SIZE)]), int(rng.integers(0, 13)))
        if k % 2 == 0
        else int(rng.integers(0, 2**64, dtype=np.uint64, endpoint=False))
        for k in range(QUERIES)
    ]
    start = time.perf_counter()
    index = HashIndex(hashes)
    print(f"index of {SIZE:,} hashes built in {time.perf_counter() - start:.2f} s")

    brute_times, index_times, found = [], [], 0
    for query in queries:
        t0 = time.perf_counter()
        expected = brute_force_radius(hashes, query, RADIUS)
        t1 = time.perf_counter()
        positions, _ = index.radius(query, RADIUS)
        t2 = time.perf_counter()
        brute_times.append(t1 - t0)
        index_times.append(t2 - t1)
        if sorted(positions.tolist()) != sorted(expected.tolist()):
            raise SystemExit(f"different results for query {query:016x}")
        found += len(positions)
    brute = float(np.median(brute_times)) * 1000
    ours = float(np.median(index_times)) * 1000
    print(f"{QUERIES} queries at radius {RADIUS}: identical results, {found} hashes found")
    print(f"brute force p50: {brute:.3f} ms")
    print(f"index p50: {ours:.3f} ms (p99 {np.percentile(index_times, 99) * 1000:.3f} ms)")
    print(f"nn_lookup_speedup: {brute / ours:.1f}")


if __name__ == "__main__":
    main()
