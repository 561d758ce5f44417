"""The HDF5 checkpoint format (version 1). Readable with plain h5py or h5dump.

Layout::

    /                          attrs: format="tensorflux-checkpoint", format_version=1,
                                      global_step (int64, -1 if none), tensorflux_version
    /variables/<save key>:0    one dataset per variable, e.g. /variables/dnn/hidden1/kernel:0,
                               attrs: name, dtype, shape, trainable (uint8)

Files are written with ``libver=("earliest", "v110")`` so HDF5 1.10 tools read them,
uncompressed, and atomically (see ``atomic.py``). Reading never unpickles anything.
"""
from __future__ import annotations

import os

import numpy as np

from tensorflux.core import errors
from tensorflux.serialization.atomic import atomic_path

FORMAT = "tensorflux-checkpoint"
FORMAT_VERSION = 1


def _h5py():
    import h5py  # imported lazily: `import tensorflux` stays fast
    return h5py


def dataset_path(key: str) -> str:
    return f"variables/{key}:0"


def write_checkpoint(path: str, entries, global_step=None):
    """Atomically write ``entries``: an iterable of (key, array, trainable)."""
    h5py = _h5py()
    from tensorflux import __version__
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", libver=("earliest", "v110")) as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = np.int64(FORMAT_VERSION)
            f.attrs["global_step"] = np.int64(-1 if global_step is None else global_step)
            f.attrs["tensorflux_version"] = __version__
            group = f.create_group("variables")
            for key, value, trainable in entries:
                value = np.asarray(value)
                if value.dtype == object:
                    data = group.create_dataset(key + ":0", data=value.astype(str).astype(object),
                                                dtype=h5py.string_dtype())
                else:
                    data = group.create_dataset(key + ":0", data=value)
                data.attrs["name"] = key
                data.attrs["dtype"] = "string" if value.dtype == object else value.dtype.name
                data.attrs["shape"] = np.asarray(value.shape, dtype=np.int64)
                data.attrs["trainable"] = np.uint8(bool(trainable))
            f.flush()


class CheckpointReader:
    """Reads a checkpoint without a graph (``tf.train.NewCheckpointReader``)."""

    def __init__(self, path: str):
        self.path = path
        if not os.path.exists(path):
            raise errors.NotFoundError(None, None, f"Checkpoint file {path!r} does not exist")
        h5py = _h5py()
        try:
            self._file = h5py.File(path, "r")
        except OSError as exc:
            raise errors.DataLossError(
                None, None, f"Unable to open checkpoint {path!r}: it is not a readable HDF5 "
                            f"file (truncated or corrupt?): {exc}") from None
        try:
            fmt = self._file.attrs.get("format")
            fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
            if fmt != FORMAT:
                raise errors.DataLossError(None, None, f"{path!r} is an HDF5 file but not a "
                                           f"tensorflux checkpoint (format={fmt!r})")
            version = int(self._file.attrs.get("format_version", -1))
            if version > FORMAT_VERSION:
                raise errors.DataLossError(
                    None, None, f"Checkpoint {path!r} has format version {version}; this "
                                f"tensorflux reads up to {FORMAT_VERSION}. Upgrade tensorflux.")
            self._vars = self._file.get("variables")
            if self._vars is None:
                raise errors.DataLossError(None, None, f"Checkpoint {path!r} has no /variables group")
            self._index = {}
            self._vars.visititems(self._collect)
        except errors.OpError:
            self._file.close()
            raise
        except Exception as exc:
            self._file.close()
            raise errors.DataLossError(None, None, f"Checkpoint {path!r} is corrupt: {exc}") from None

    def _collect(self, name, obj):
        if hasattr(obj, "shape") and name.endswith(":0"):
            self._index[name[:-2]] = obj

    @property
    def global_step(self):
        step = int(self._file.attrs.get("global_step", -1))
        return None if step < 0 else step

    def get_variable_to_shape_map(self):
        return {k: list(d.shape) for k, d in self._index.items()}

    def get_variable_to_dtype_map(self):
        from tensorflux.core.dtypes import as_dtype
        return {k: (as_dtype("string") if d.dtype.kind in "OS" else as_dtype(d.dtype))
                for k, d in self._index.items()}

    def has_tensor(self, key):
        return key in self._index

    def get_tensor(self, key):
        try:
            data = self._index[key]
        except KeyError:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                                   f"{self.path!r}") from None
        try:
            if data.dtype.kind in "OS":
                return np.array(data.asstr()[()], dtype=object)
            return data[()]
        except Exception as exc:
            raise errors.DataLossError(None, None, f"Cannot read {key} from checkpoint "
                                                   f"{self.path!r} (corrupt?): {exc}") from None

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def debug_string(self):
        return "\n".join(f"{k} ({d.dtype}) {list(d.shape)}" for k, d in sorted(self._index.items()))
