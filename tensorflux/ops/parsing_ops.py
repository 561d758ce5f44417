"""Parsing ops: ``tf.parse_example`` / ``parse_single_example`` of serialized
``tf.train.Example``s, ``tf.decode_raw`` and ``tf.decode_csv``.

Feature specs (``FixedLenFeature``, ``VarLenFeature``, ``FixedLenSequenceFeature``) become
op attrs; the kernels (``tensorflux.backends.parsing_kernels``) run on the host. A
``SparseFeature`` is parsed as VarLenFeatures of its index and value keys, then joined
into one SparseTensor.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import constant_value
from tensorflux.ops.sparse_tensor import SparseTensor

_EXAMPLE_TYPES = (dtypes.float32, dtypes.int64, dtypes.string)


class FixedLenFeature(NamedTuple):
    """A feature with exactly ``shape`` values (``default_value`` when missing;
    required when None)."""

    shape: object
    dtype: object
    default_value: object = None


class VarLenFeature(NamedTuple):
    """A feature with any number of values, parsed into a SparseTensor."""

    dtype: object


class FixedLenSequenceFeature(NamedTuple):
    """A feature with any number of items of ``shape``: dense, padded with
    ``default_value`` to the longest example of the batch."""

    shape: object
    dtype: object
    allow_missing: bool = False
    default_value: object = None


class SparseFeature(NamedTuple):
    """A SparseTensor of dense shape ``[size]`` (per example) built from two features:
    the int64 indices ``index_key`` and the values ``value_key`` (the i-th index goes
    with the i-th value). A list of index keys and sizes gives more dimensions."""

    index_key: object
    value_key: str
    dtype: object
    size: object
    already_sorted: bool = False


def _check_type(key, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _EXAMPLE_TYPES:
        raise ValueError(f"Feature {key!r}: dtype {dtype.name} is not one of float32, int64, string")
    return dtype


def _dense_default(key, spec, dtype, shape):
    """The default as an array of the feature's shape, or None (required)."""
    if spec.default_value is None:
        return None
    value = np.asarray(spec.default_value, dtype=dtype.np_dtype if dtype != dtypes.string else object)
    if dtype == dtypes.string:
        value = dtypes.as_bytes_array(value)
    if isinstance(spec, FixedLenSequenceFeature):
        return value.reshape(())  # one padding value
    try:
        return np.broadcast_to(value, shape).copy() if value.size == 1 else value.reshape(shape)
    except ValueError:
        raise ValueError(f"Feature {key!r}: default_value of shape {value.shape} does not fit "
                         f"the feature's shape {list(shape)}") from None


def _feature_attrs(features):
    dense, sparse = [], []
    for key in sorted(features):
        spec = features[key]
        if isinstance(spec, VarLenFeature):
            sparse.append((key, _check_type(key, spec.dtype)))
        elif isinstance(spec, (FixedLenFeature, FixedLenSequenceFeature)):
            dtype = _check_type(key, spec.dtype)
            shape = as_shape(spec.shape).as_tuple()
            if shape is None or None in shape:
                raise ValueError(f"Feature {key!r}: shape must be fully defined, got {spec.shape}")
            sequence = isinstance(spec, FixedLenSequenceFeature)
            dense.append((key, dtype, shape, _dense_default(key, spec, dtype, shape), sequence))
        else:
            raise ValueError(f"Feature {key!r}: unsupported feature spec {spec!r} (use "
                             f"FixedLenFeature, VarLenFeature or FixedLenSequenceFeature)")
    return {"dense": tuple(dense), "sparse": tuple(sparse)}


def _parse_dtypes(op):
    sparse, dense = op.attrs["sparse"], op.attrs["dense"]
    return ([dtypes.int64] * len(sparse) + [d for _, d in sparse] + [dtypes.int64] * len(sparse)
            + [d for _, d, *_ in dense])


def _parse_shapes(op):
    rank = op.inputs[0].shape.ndims
    if rank not in (None, 0, 1):
        raise ValueError(f"parse_example: serialized must be a scalar or a vector, got shape {op.inputs[0].shape}")
    batch = [] if rank == 0 else [op.inputs[0].shape.as_tuple()[0] if rank == 1 else None]
    n = len(op.attrs["sparse"])
    index_rank = len(batch) + 1
    out = ([TensorShape([None, index_rank])] * n + [TensorShape([None])] * n
           + [TensorShape([index_rank])] * n)
    for _, _, shape, _, sequence in op.attrs["dense"]:
        out.append(TensorShape(batch + ([None] if sequence else []) + list(shape)))
    return out


defop("ParseExample", ("serialized",), attrs={"dense": (), "sparse": ()},
      num_outputs=lambda attrs: 3 * len(attrs["sparse"]) + len(attrs["dense"]),
      dtype_fn=_parse_dtypes, shape_fn=_parse_shapes,
      doc="Parse serialized tf.train.Examples: a scalar or a batch (vector).")


def _split_sparse_features(features):
    """(features with each SparseFeature replaced by VarLenFeatures of its keys, the
    SparseFeatures by key)."""
    plain = {k: v for k, v in features.items() if not isinstance(v, SparseFeature)}
    sparse = {k: v for k, v in features.items() if isinstance(v, SparseFeature)}
    for key, spec in sparse.items():
        index_keys = spec.index_key if isinstance(spec.index_key, (list, tuple)) else [spec.index_key]
        sizes = spec.size if isinstance(spec.size, (list, tuple)) else [spec.size]
        if len(index_keys) != len(sizes):
            raise ValueError(f"SparseFeature {key!r}: {len(index_keys)} index keys but "
                             f"{len(sizes)} sizes")
        parts = [(k, VarLenFeature(dtypes.int64)) for k in index_keys]
        for part, part_spec in parts + [(spec.value_key, VarLenFeature(spec.dtype))]:
            known = plain.setdefault(part, part_spec)
            if not isinstance(known, VarLenFeature) or dtypes.as_dtype(known.dtype) != \
                    dtypes.as_dtype(part_spec.dtype):
                raise ValueError(f"SparseFeature {key!r}: feature {part!r} is also requested "
                                 f"as {known!r}")
    return plain, sparse


def _join_sparse_feature(parsed, spec):
    """The SparseTensor of a SparseFeature from its parsed index and value features."""
    from tensorflux.core.graph import control_dependencies
    from tensorflux.ops import array_ops, check_ops
    from tensorflux.ops.sparse_ops import sparse_reorder
    index_keys = spec.index_key if isinstance(spec.index_key, (list, tuple)) else [spec.index_key]
    sizes = spec.size if isinstance(spec.size, (list, tuple)) else [spec.size]
    ids = [parsed[k] for k in index_keys]
    values = parsed[spec.value_key]
    checks = [check_ops.assert_equal(array_ops.shape(i.values), array_ops.shape(values.values),
                                     message=f"SparseFeature: {k} and {spec.value_key} must "
                                             f"have as many values")
              for k, i in zip(index_keys, ids)]
    with control_dependencies(checks):
        columns = [array_ops.expand_dims(i.values, 1) for i in ids]
        indices = array_ops.concat([ids[0].indices[:, :-1]] + columns, 1)
    shape = array_ops.concat([ids[0].dense_shape[:-1],
                              np.asarray(sizes, dtype=np.int64)], 0)
    merged = SparseTensor(indices, values.values, shape)
    return merged if spec.already_sorted else sparse_reorder(merged)


def parse_example(serialized, features, name=None, example_names=None):
    """Parse a batch of serialized Examples into a dict of Tensors (dense features,
    with the batch as first dimension) and SparseTensors (VarLenFeature, SparseFeature)."""
    plain, sparse = _split_sparse_features(features)
    if not sparse:
        return _parse_example(serialized, features, name)
    parsed = _parse_example(serialized, plain, name)
    result = {k: v for k, v in parsed.items() if k in features}
    for key, spec in sparse.items():
        result[key] = _join_sparse_feature(parsed, spec)
    return result


def _parse_example(serialized, features, name):
    serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
    attrs = _feature_attrs(features)
    op = get_default_graph().create_op("ParseExample", [serialized], attrs, name=name or "ParseExample")
    outs, n = op._outputs, len(attrs["sparse"])
    result = {key: SparseTensor(outs[i], outs[n + i], outs[2 * n + i])
              for i, (key, _) in enumerate(attrs["sparse"])}
    for i, (key, *_) in enumerate(attrs["dense"]):
        result[key] = outs[3 * n + i]
    return result


def parse_single_example(serialized, features, name=None, example_names=None):
    """Parse one serialized Example (a string scalar)."""
    serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
    if serialized.shape.ndims not in (None, 0):
        raise ValueError(f"parse_single_example needs a scalar string, got shape {serialized.shape}")
    return parse_example(serialized, features, name=name or "ParseSingleExample")


# --- decode_raw -----------------------------------------------------------------------------
defop("DecodeRaw", ("bytes",), attrs={"out_type": None, "little_endian": True},
      dtype_fn=lambda op: [op.attrs["out_type"]],
      shape_fn=lambda op: [op.inputs[0].shape.concatenate([None]) if op.inputs[0].shape.ndims is not None
                           else TensorShape(None)],
      doc="Reinterpret each string's bytes as a vector of out_type numbers.")


def decode_raw(input_bytes=None, out_type=None, little_endian=True, name=None, bytes=None):  # noqa: A002
    """The bytes of each string as numbers of ``out_type`` (a new last dimension)."""
    value = input_bytes if input_bytes is not None else bytes
    value = convert_to_tensor(value, dtype=dtypes.string, name="bytes")
    out_type = dtypes.as_dtype(out_type)
    if out_type == dtypes.string or out_type.np_dtype.kind not in "biufc":
        raise TypeError(f"decode_raw: out_type must be numeric, got {out_type.name}")
    return get_default_graph().create_op("DecodeRaw", [value], {"out_type": out_type,
                                                              "little_endian": bool(little_endian)},
                                         name=name or "DecodeRaw")._outputs[0]


# --- decode_csv -------------------------------------------------------------------------------
_CSV_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


def _csv_default(i, value):
    """(dtype, default value or None when the field is required)."""
    if isinstance(value, Tensor):
        dtype, array = value.dtype, constant_value(value)
        if array is None:
            raise ValueError(f"decode_csv: record_defaults[{i}] must be a constant")
    else:
        array = np.asarray(value)
        if array.dtype.kind in "SUO":
            dtype = dtypes.string
        elif array.size == 0:
            raise ValueError(f"decode_csv: record_defaults[{i}] is empty and has no dtype; use "
                             f"tf.constant([], dtype=...) for a required field")
        else:
            dtype = dtypes.int32 if array.dtype.kind in "biu" else dtypes.float32
    if dtype not in _CSV_TYPES:
        raise ValueError(f"decode_csv: record_defaults[{i}] has unsupported dtype {dtype.name}")
    array = np.asarray(array)
    if array.size > 1:
        raise ValueError(f"decode_csv: record_defaults[{i}] must have at most one value, got {value!r}")
    if array.size == 0:
        return dtype, None
    if dtype == dtypes.string:
        return dtype, dtypes.as_bytes_array(array).reshape(())
    return dtype, array.astype(dtype.np_dtype).reshape(())


defop("DecodeCSV", ("records",), attrs={"defaults": (), "field_delim": ",", "use_quote_delim": True,
                                       "na_value": "", "select_cols": None},
      num_outputs=lambda attrs: len(attrs["defaults"]),
      dtype_fn=lambda op: [d for d, _ in op.attrs["defaults"]],
      shape_fn=lambda op: [op.inputs[0].shape] * len(op.attrs["defaults"]),
      doc="Split CSV lines into one tensor per column.")


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None):
    """One tensor per column of the CSV lines in ``records``; an empty or ``na_value``
    field takes its column's default (``[]`` as default makes the field required)."""
    records = convert_to_tensor(records, dtype=dtypes.string, name="records")
    defaults = tuple(_csv_default(i, d) for i, d in enumerate(record_defaults))
    if select_cols is not None:
        select_cols = tuple(int(c) for c in select_cols)
        if list(select_cols) != sorted(set(select_cols)) or (select_cols and select_cols[0] < 0):
            raise ValueError("decode_csv: select_cols must be non-negative and strictly increasing")
        if len(select_cols) != len(defaults):
            raise ValueError(f"decode_csv: {len(select_cols)} select_cols but "
                             f"{len(defaults)} record_defaults")
    if len(field_delim) != 1:
        raise ValueError(f"decode_csv: field_delim must be one character, got {field_delim!r}")
    op = get_default_graph().create_op(
        "DecodeCSV", [records], {"defaults": defaults, "field_delim": field_delim,
                                 "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
                                 "select_cols": select_cols}, name=name or "DecodeCSV")
    return list(op._outputs)


not_differentiable("ParseExample", "DecodeRaw", "DecodeCSV")
