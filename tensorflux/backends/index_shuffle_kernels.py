"""Host kernel of ``RandomIndexShuffle``: a keyed Feistel network on the smallest
even-width bit domain holding [0, max_index], walked until the image falls back inside
the range (so it is a bijection of the range); the round function is SipHash-2-4 keyed
by the seed."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.string_kernels import siphash24
from tensorflux.core import errors

_MASK = (1 << 64) - 1


def _shuffle_one(index, key0, key1, max_index, rounds):
    bits = max(2, int(max_index).bit_length())
    bits += bits % 2
    half = bits // 2
    low_mask = (1 << half) - 1
    value = index
    while True:
        left, right = value >> half, value & low_mask
        for r in range(rounds):
            f = siphash24(key0, key1 ^ r, right.to_bytes(8, "little")) & low_mask
            left, right = right, left ^ f
        value = (left << half) | right
        if value <= max_index:
            return value


def _index_shuffle(op, ctx):
    rounds = op.attrs["rounds"]

    def run(index, seed, max_index):
        idx = np.asarray(index)
        seeds = np.asarray(seed, np.uint64).reshape(-1, 3)
        maxes = np.broadcast_to(np.asarray(max_index), idx.shape)
        if len(seeds) not in (1, max(idx.size, 1)):
            raise errors.InvalidArgumentError(None, op, "random_index_shuffle: seed must have one "
                                                        "row, or one per index")
        out = np.empty(idx.shape, idx.dtype)
        for n, (i, m) in enumerate(zip(idx.reshape(-1).tolist(), maxes.reshape(-1).tolist())):
            if not 0 <= i <= m:
                raise errors.InvalidArgumentError(None, op, f"random_index_shuffle: index {i} "
                                                            f"is not in [0, max_index = {m}]")
            s = seeds[n if len(seeds) > 1 else 0].tolist()
            key0 = (s[0] ^ (s[2] << 32)) & _MASK
            out.reshape(-1)[n] = _shuffle_one(i, key0, s[1], m, rounds)
        return out
    return run


KERNELS = {"RandomIndexShuffle": _index_shuffle}
