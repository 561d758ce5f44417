"""More string ops: the fast and legacy hash buckets, ``tf.fingerprint`` and splitting
into a SparseTensor (``tf.strings.split``, ``tf.string_split``), with TF1's hashes
(FarmHash Fingerprint64 and TF's Hash64, ``backends/hashing.py``) so that buckets match
TF1's bucket for bucket. Kernels: ``backends/string_extra_kernels.py`` (host)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import same_shape
from tensorflux.ops.sparse_tensor import SparseTensor


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _strings(x, what):
    t = convert_to_tensor(x, name="input")
    if t.dtype != dtypes.string:
        raise TypeError(f"{what} needs a string tensor, got {t.dtype.name} ({t.name})")
    return t


for _name, _doc in (("StringToHashBucketFast", "FarmHash Fingerprint64 of each string, modulo "
                                                "num_buckets"),
                    ("StringToHashBucket", "TF's Hash64 of each string, modulo num_buckets")):
    defop(_name, ("input",), attrs={"num_buckets": 1}, shape_fn=same_shape,
          dtype_fn=lambda op: [dtypes.int64], doc=_doc)


def _fingerprint_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is not None and len(dims) < 1:
        raise ValueError(f"tf.fingerprint needs an input of rank >= 1, got a scalar "
                         f"({op.inputs[0].name})")
    return [TensorShape([dims[0] if dims else None, 8])]


defop("Fingerprint", ("data", "method"), shape_fn=_fingerprint_shape,
      dtype_fn=lambda op: [dtypes.uint8],
      doc="The 8-byte FarmHash fingerprint of each row of data (along the first dimension).")
defop("StringSplitV2", ("input", "sep"), attrs={"maxsplit": -1}, num_outputs=3,
      dtype_fn=lambda op: [dtypes.int64, dtypes.string, dtypes.int64],
      shape_fn=lambda op: [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])],
      doc="Each string split at sep (at runs of whitespace when sep is empty), at most "
          "maxsplit times, as a SparseTensor's parts.")
defop("StringSplit", ("input", "delimiter"), attrs={"skip_empty": True}, num_outputs=3,
      dtype_fn=lambda op: [dtypes.int64, dtypes.string, dtypes.int64],
      shape_fn=lambda op: [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])],
      doc="Each string split at any of the delimiter's characters (into characters when "
          "empty), as a SparseTensor's parts.")
not_differentiable("StringToHashBucketFast", "StringToHashBucket", "Fingerprint",
                   "StringSplitV2", "StringSplit")


def _buckets(num_buckets):
    if int(num_buckets) < 1:
        raise ValueError(f"num_buckets must be >= 1, got {num_buckets}")
    return {"num_buckets": int(num_buckets)}


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """FarmHash Fingerprint64 of each string modulo ``num_buckets`` (TF1's buckets)."""
    return _op("StringToHashBucketFast", [_strings(input, "to_hash_bucket_fast")],
               _buckets(num_buckets), name).outputs[0]


def to_hash_bucket(string_tensor, num_buckets, name=None, input=None):  # noqa: A002
    """TF1's legacy hash (TF's Hash64) of each string modulo ``num_buckets``."""
    t = _strings(string_tensor if string_tensor is not None else input, "to_hash_bucket")
    return _op("StringToHashBucket", [t], _buckets(num_buckets), name).outputs[0]


def fingerprint(data, method="farmhash64", name=None):
    """An 8-byte fingerprint (uint8 [rows, 8]) of each row of ``data``: FarmHash
    Fingerprint64 of the row's bytes in little-endian order; for strings, of the
    fingerprints of the row's strings (one string: its own fingerprint)."""
    if method != "farmhash64":
        raise ValueError(f"Unsupported fingerprint method: {method!r} (only 'farmhash64')")
    t = convert_to_tensor(data, name="data")
    return _op("Fingerprint", [t, convert_to_tensor(method, name="method")],
               name=name).outputs[0]


def _vector(t, what):
    if t.shape.ndims not in (None, 1):
        raise ValueError(f"{what} needs a vector of strings, got shape {t.shape}")
    return t


def split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None,  # noqa: A002
          name=None):
    """Split each string of a vector at ``sep`` (at runs of whitespace when None), at
    most ``maxsplit`` times: a SparseTensor [rows, longest split] of the parts, or a
    RaggedTensor with ``result_type="RaggedTensor"``."""
    _check_result_type(result_type)
    t = _vector(_strings(input if input is not None else source, "tf.strings.split"),
                "tf.strings.split")
    sep_t = convert_to_tensor(sep if sep is not None else "", dtype=dtypes.string, name="sep")
    indices, values, shape = _op("StringSplitV2", [t, sep_t], {"maxsplit": int(maxsplit)},
                                 name or "StringSplit").outputs
    return _as(result_type, SparseTensor(indices, values, shape))


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor",
                 name=None):
    """TF1's legacy split: each string of a vector split at any character of ``sep``
    (default a space; into characters when empty), empty parts dropped with
    ``skip_empty``; a SparseTensor."""
    _check_result_type(result_type)
    delimiter = sep if sep is not None else (delimiter if delimiter is not None else " ")
    t = _vector(_strings(source, "tf.string_split"), "tf.string_split")
    d = convert_to_tensor(delimiter, dtype=dtypes.string, name="delimiter")
    indices, values, shape = _op("StringSplit", [t, d], {"skip_empty": bool(skip_empty)},
                                 name or "StringSplit").outputs
    return _as(result_type, SparseTensor(indices, values, shape))


def _check_result_type(result_type):
    if result_type not in ("SparseTensor", "RaggedTensor"):
        raise ValueError(f"result_type must be 'SparseTensor' or 'RaggedTensor', got "
                         f"{result_type!r}")


def _as(result_type, sparse):
    if result_type == "SparseTensor":
        return sparse
    from tensorflux.ops.ragged_tensor import RaggedTensor
    return RaggedTensor.from_sparse(sparse)
