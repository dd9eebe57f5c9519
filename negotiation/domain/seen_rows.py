"""The plans each of many settings has already been offered, tested for a whole batch of rows at once.

One setting at a time, refinement keeps a Python set of each candidate row's bytes and
asks it about every row (``refine.refined_space``): a few hundred dictionary lookups a
pass, each a Python call. Here the rows of all settings are hashed together (an
arithmetic mix of each row's 64-bit words and its setting) and looked up in one sorted
array of the hashes seen; a hash that matches is confirmed by comparing the rows
themselves, so the answer is the set's exactly (the same bytes, -0.0 differing from 0.0),
whatever the hash does.
"""

from __future__ import annotations

import numpy as np

_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(31))


def row_hashes(words: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's words (uint64) and its owner (wrapping arithmetic: only equality matters)."""
    h = owner.astype(np.uint64) * _MIX[0]
    for col in words.T:
        h ^= col
        h *= _MIX[1]
        h ^= h >> _MIX[2]
    return h


class SeenRows:
    """Rows met so far, per owner (setting), by their bytes."""

    def __init__(self, width: int):
        self.keys = np.empty(0, dtype=np.uint64)  # sorted hashes
        self.slot = np.empty(0, dtype=np.intp)  # the stored row of each key
        self.words = np.empty((64, width), dtype=np.uint64)  # stored rows' bytes as 64-bit words (grows by doubling)
        self.owner = np.empty(64, dtype=np.intp)
        self.size = 0

    def fresh(self, x: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Which rows of ``x`` (float64, distinct within an owner) the owner has not met before; all are met now."""
        words = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
        h = row_hashes(words, owner)
        if self.size:
            pos = np.minimum(np.searchsorted(self.keys, h), len(self.keys) - 1)
            hit = np.flatnonzero(self.keys[pos] == h)
            slots = self.slot[pos[hit]]
            same = (self.words[slots] == words[hit]).all(axis=1) & (self.owner[slots] == owner[hit])
            seen = np.zeros(len(x), dtype=bool)
            seen[hit[same]] = True
            for i in hit[~same].tolist():  # a hash shared by different rows: compare with every row under it
                lo, hi = np.searchsorted(self.keys, h[i], "left"), np.searchsorted(self.keys, h[i], "right")
                under = self.slot[lo:hi]
                seen[i] = bool(((self.words[under] == words[i]).all(axis=1) & (self.owner[under] == owner[i])).any())
            fresh = ~seen
        else:
            fresh = np.ones(len(x), dtype=bool)
        self._add(words[fresh], owner[fresh], h[fresh])
        return fresh

    def _add(self, words: np.ndarray, owner: np.ndarray, h: np.ndarray) -> None:
        n = len(h)
        if self.size + n > len(self.owner):
            capacity = max(2 * len(self.owner), self.size + n)
            self.words = np.concatenate([self.words[:self.size], np.empty((capacity - self.size, self.words.shape[1]),
                                                                          dtype=np.uint64)])
            self.owner = np.concatenate([self.owner[:self.size], np.empty(capacity - self.size, dtype=np.intp)])
        self.words[self.size:self.size + n] = words
        self.owner[self.size:self.size + n] = owner
        order = np.argsort(h)
        at = np.searchsorted(self.keys, h[order])
        self.keys = np.insert(self.keys, at, h[order])
        self.slot = np.insert(self.slot, at, self.size + order)
        self.size += n


class SeenBytes:
    """:class:`SeenRows` for one owner (a scenario refined alone): a set of each row's bytes, which for a few
    hundred rows a pass costs fewer numpy calls than hashing column by column. The same answers."""

    def __init__(self) -> None:
        self.rows: set[bytes] = set()

    def fresh(self, x: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """Which rows of ``x`` (float64, distinct) have not been met before; all are met now."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        keys = x.view(np.dtype((np.void, x.shape[1] * x.itemsize))).ravel().tolist()
        fresh = np.fromiter((k not in self.rows for k in keys), dtype=bool, count=len(keys))
        self.rows.update(keys)  # type: ignore[arg-type]  # a void row's tolist() is bytes
        return fresh
