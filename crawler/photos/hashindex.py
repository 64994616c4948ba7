"""Near-duplicate lookup over 64-bit hashes: every stored hash within Hamming distance r.

:class:`HashIndex` is multi-index hashing (Norouzi, Punjani and Fleet, 2012) in numpy. A
64-bit hash is cut into four 16-bit chunks; two hashes within distance ``r`` agree within
``r // 4`` bits on at least one chunk (pigeonhole), so a lookup visits, for each chunk, the
buckets of every 16-bit value within ``r // 4`` of the query's chunk (137 buckets per chunk
at r = 10; one bit less on the chunks a tighter pigeonhole bound allows), then checks the
full distance of those candidates only. Buckets are one sorted array with an offsets table
(CSR), so a bucket is two array reads and a whole lookup is a dozen numpy calls.

New hashes go to a small unsorted tail that lookups scan directly; the tail is folded into
the sorted arrays once it outgrows ``max(TAIL_MIN, n / TAIL_SHARE)``, so adding a hash costs
amortised microseconds and a lookup never scans more than a few thousand hashes.

Positions (0, 1, 2, ... in the order hashes were added) are what lookups return; the
caller maps them to its own keys. Pure numpy: no store, no Scrapy.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

__all__ = ["HashIndex", "brute_force_radius", "popcount"]

CHUNKS = 4
CHUNK_BITS = 16
#: The tail is folded in when it holds more than max(TAIL_MIN, size / TAIL_SHARE) hashes.
TAIL_MIN = 4096
TAIL_SHARE = 32
#: Lookups probe buckets up to this many bits per chunk, so up to radius 4 * 6 + 3 = 27;
#: a wider lookup scans everything (the buckets would cover most of the index anyway).
MAX_BUCKET_RADIUS = 6

if hasattr(np, "bitwise_count"):

    def popcount(values: np.ndarray) -> np.ndarray:
        """Set bits of each uint64."""
        return np.bitwise_count(values)

else:  # numpy < 2
    _BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount(values: np.ndarray) -> np.ndarray:
        as_bytes = np.ascontiguousarray(values).view(np.uint8).reshape(-1, 8)
        return _BYTE_BITS[as_bytes].sum(axis=1, dtype=np.uint8)


def brute_force_radius(hashes: np.ndarray, query: int, radius: int) -> np.ndarray:
    """Positions of ``hashes`` (uint64) within ``radius`` of ``query``: XOR and popcount over
    the whole array. The baseline the index is measured against, and its tail scan."""
    return np.flatnonzero(popcount(hashes ^ np.uint64(query)) <= radius)


def _masks(max_bits: int) -> list[np.ndarray]:
    """For each s <= max_bits: every 16-bit mask with at most s bits set."""
    out: list[np.ndarray] = []
    values: list[int] = []
    for s in range(max_bits + 1):
        for bits in combinations(range(CHUNK_BITS), s):
            values.append(sum(1 << b for b in bits))
        out.append(np.array(values, dtype=np.int64))
    return out


BUCKETS = 1 << CHUNK_BITS
_MASKS = _masks(MAX_BUCKET_RADIUS)
_SHIFTS = np.array([CHUNK_BITS * (CHUNKS - 1 - j) for j in range(CHUNKS)], dtype=np.uint64)


def _probes(radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a lookup of ``radius`` visits: (masks, chunk of each mask, bucket base).

    With radius = CHUNKS * s + a (0 <= a < CHUNKS), a hash within the radius is within s
    bits on one of chunks 0..a or within s - 1 bits on one of the others (else the chunks
    would add up to at least radius + 1), so chunks past ``a`` are probed one bit tighter.
    """
    s, a = divmod(radius, CHUNKS)
    masks, chunk_of = [], []
    for j in range(CHUNKS):
        bits = s if j <= a else s - 1
        if bits >= 0:
            masks.append(_MASKS[bits])
            chunk_of.append(np.full(len(_MASKS[bits]), j, dtype=np.int64))
    all_masks = np.concatenate(masks)
    chunks = np.concatenate(chunk_of)
    return all_masks, chunks, chunks * BUCKETS


_PROBES = [_probes(r) for r in range(CHUNKS * (MAX_BUCKET_RADIUS + 1))]


class HashIndex:
    """An append-only set of 64-bit hashes with exact radius lookups."""

    def __init__(self, hashes: np.ndarray | list[int] | None = None):
        self._hashes = np.zeros(1024, dtype=np.uint64)
        self._size = 0
        self._sorted = 0  # hashes[:_sorted] are in the bucket arrays
        # the four chunks' buckets side by side: chunk j's bucket b holds the positions
        # _order[_offsets[j * BUCKETS + b] : _offsets[j * BUCKETS + b + 1]]
        self._order = np.zeros(0, dtype=np.int64)
        self._offsets = np.zeros(CHUNKS * BUCKETS + 1, dtype=np.int64)
        if hashes is not None and len(hashes):
            self.extend(np.asarray(hashes, dtype=np.uint64))
            self._fold()

    def __len__(self) -> int:
        return self._size

    @property
    def hashes(self) -> np.ndarray:
        """The stored hashes, by position (a view: do not modify)."""
        return self._hashes[: self._size]

    def add(self, value: int) -> int:
        """Store one hash; returns its position."""
        self._grow(1)
        self._hashes[self._size] = np.uint64(value & 0xFFFFFFFFFFFFFFFF)
        self._size += 1
        self._maybe_fold()
        return self._size - 1

    def extend(self, values: np.ndarray) -> None:
        """Store many hashes (positions continue from ``len(self)``)."""
        values = np.asarray(values, dtype=np.uint64)
        self._grow(len(values))
        self._hashes[self._size : self._size + len(values)] = values
        self._size += len(values)
        self._maybe_fold()

    def radius(self, query: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions, distances) of every stored hash within ``radius`` of ``query``,
        nearest first (ties by position)."""
        query_u = np.uint64(query & 0xFFFFFFFFFFFFFFFF)
        if radius >= len(_PROBES) or not self._sorted:
            found = brute_force_radius(self.hashes, int(query_u), radius)
        else:
            found = self._candidates(query_u, radius)
            if len(found):
                found = np.unique(found[popcount(self._hashes[found] ^ query_u) <= radius])
            if self._size > self._sorted:
                tail = self._hashes[self._sorted : self._size]
                near = np.flatnonzero(popcount(tail ^ query_u) <= radius) + self._sorted
                found = np.concatenate([found, near]) if len(found) else near
        distances = popcount(self._hashes[found] ^ query_u).astype(np.int64)
        order = np.lexsort((found, distances))
        return found[order].astype(np.int64), distances[order]

    # ---------------------------------------------------------------- internals

    def _candidates(self, query: np.uint64, radius: int) -> np.ndarray:
        """Positions in the buckets a lookup of ``radius`` must visit (with repeats)."""
        masks, chunk_of, base = _PROBES[radius]
        chunks = ((query >> _SHIFTS) & np.uint64(0xFFFF)).astype(np.int64)
        buckets = (masks ^ chunks[chunk_of]) + base
        starts = self._offsets[buckets]
        lengths = self._offsets[buckets + 1] - starts
        keep = lengths > 0
        starts, lengths = starts[keep], lengths[keep]
        if not len(lengths):
            return np.zeros(0, dtype=np.int64)
        # the positions start_k .. start_k + length_k - 1 of every bucket k, in one array
        ends = np.cumsum(lengths)
        steps = np.ones(int(ends[-1]), dtype=np.int64)
        steps[0] = starts[0]
        steps[ends[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
        return self._order[np.cumsum(steps)]

    def _grow(self, extra: int) -> None:
        need = self._size + extra
        if need > len(self._hashes):
            bigger = np.zeros(max(need, 2 * len(self._hashes)), dtype=np.uint64)
            bigger[: self._size] = self._hashes[: self._size]
            self._hashes = bigger

    def _maybe_fold(self) -> None:
        if self._size - self._sorted > max(TAIL_MIN, self._size // TAIL_SHARE):
            self._fold()

    def _fold(self) -> None:
        """Rebuild the bucket arrays over every stored hash."""
        hashes = self.hashes
        orders, counts = [], []
        for j in range(CHUNKS):
            chunk = ((hashes >> _SHIFTS[j]) & np.uint64(0xFFFF)).astype(np.uint16)
            orders.append(np.argsort(chunk, kind="stable"))  # a radix sort for 16-bit keys
            counts.append(np.bincount(chunk, minlength=BUCKETS))
        self._order = np.concatenate(orders).astype(np.int64)
        self._offsets = np.zeros(CHUNKS * BUCKETS + 1, dtype=np.int64)
        np.cumsum(np.concatenate(counts), out=self._offsets[1:])
        self._sorted = self._size
