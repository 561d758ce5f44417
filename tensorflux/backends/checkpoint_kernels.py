"""Host kernels of ``tensorflux.ops.checkpoint_ops``: reading checkpoints and vocabulary
files while a plan runs."""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, errors


def _scalar_string(value):
    value = value[()] if isinstance(value, np.ndarray) else value
    return value.decode() if isinstance(value, bytes) else str(value)


def _read(op, prefix, name):
    from tensorflux.serialization.saver import checkpoint_exists, open_checkpoint
    if not checkpoint_exists(prefix):
        raise errors.NotFoundError(None, op, f"Unsuccessful TensorSliceReader constructor: "
                                             f"Failed to find any matching files for {prefix}")
    with open_checkpoint(prefix) as reader:
        if not reader.has_tensor(name):
            raise errors.NotFoundError(None, op, f"Key {name} not found in checkpoint {prefix}")
        return reader.get_tensor(name)


def _restore_v2(op, ctx):
    wanted = op.attrs["dtypes"]

    def run(prefix, names, slices):
        if any(_scalar_string(s) for s in slices.reshape(-1)):
            raise errors.UnimplementedError(None, op, "RestoreV2 reads whole tensors only; "
                                                      "shape_and_slices must be empty strings")
        out = []
        for name, dtype in zip(names.reshape(-1), wanted):
            value = np.asarray(_read(op, _scalar_string(prefix), _scalar_string(name)))
            if dtype == dtypes.string:
                value = dtypes.as_bytes_array(value)
            elif value.dtype != dtype.np_dtype:
                raise errors.InvalidArgumentError(
                    None, op, f"tensor_name = {_scalar_string(name)}; expected dtype "
                              f"{dtype.name} does not equal original dtype {value.dtype}")
            out.append(value)
        return tuple(out)
    return run


def _vocabulary(op, path):
    try:
        with open(path, "rb") as f:
            return [line.rstrip(b"\r\n") for line in f]
    except FileNotFoundError:
        raise errors.NotFoundError(None, op, f"{path}; No such file or directory") from None


def _generate_vocab_remapping(op, ctx):
    offset, count, old_size = (op.attrs["new_vocab_offset"], op.attrs["num_new_vocab"],
                               op.attrs["old_vocab_size"])

    def run(new_file, old_file):
        new = _vocabulary(op, _scalar_string(new_file))[offset:offset + count]
        if len(new) != count:
            raise errors.InvalidArgumentError(
                None, op, f"Trying to read {count} words from line {offset} of "
                          f"{_scalar_string(new_file)}, which has only {offset + len(new)}")
        old = _vocabulary(op, _scalar_string(old_file))
        old = old if old_size == -1 else old[:old_size]
        where = {}
        for i, word in enumerate(old):
            where.setdefault(word, i)
        remapping = np.array([where.get(w, -1) for w in new], np.int64)
        return remapping, np.int32((remapping >= 0).sum())
    return run


def _load_and_remap_matrix(op, ctx):
    def run(path, name, rows, cols, init):
        old = np.asarray(_read(op, _scalar_string(path), _scalar_string(name)))
        vector = old.ndim == 1
        old = old.reshape(-1, 1) if vector else old
        if old.ndim != 2:
            raise errors.InvalidArgumentError(None, op, f"LoadAndRemapMatrix needs a 1-D or 2-D "
                                                        f"tensor, got shape {old.shape}")
        out = np.array(init, copy=True)
        shaped = out.reshape(-1, 1) if out.ndim == 1 else out
        cols = np.arange(old.shape[1]) if cols.size == 0 else cols
        if shaped.shape != (rows.size, cols.size):
            raise errors.InvalidArgumentError(
                None, op, f"initializing_values has shape {out.shape}, but the remappings ask "
                          f"for [{rows.size}, {cols.size}]")
        if rows.max(initial=-1) >= old.shape[0] or cols.max(initial=-1) >= old.shape[1]:
            raise errors.InvalidArgumentError(
                None, op, f"a remapping points past the checkpoint tensor {_scalar_string(name)}"
                          f" of shape {list(old.shape)}")
        r, c = np.nonzero((rows[:, None] >= 0) & (cols[None, :] >= 0))
        shaped[r, c] = old[rows[r], cols[c]]
        return out
    return run


KERNELS = {"RestoreV2": _restore_v2, "GenerateVocabRemapping": _generate_vocab_remapping,
           "LoadAndRemapMatrix": _load_and_remap_matrix}
