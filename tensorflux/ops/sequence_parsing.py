"""Parsing ``tf.train.SequenceExample``s: ``tf.io.parse_single_sequence_example`` and
``tf.io.parse_sequence_example``.

Context features are parsed as in an Example (``FixedLenFeature`` dense,
``VarLenFeature`` sparse). Sequence features are the feature lists:
``FixedLenSequenceFeature(shape)`` gives ``[steps, *shape]`` (a batch: ``[batch,
longest, *shape]`` padded with zeros, and the steps of each in ``lengths``), and
``VarLenFeature`` a SparseTensor indexed by (step, value) (a batch: (example, step,
value)). A missing feature list is an error unless ``allow_missing``. The kernel is in
``tensorflux.backends.sequence_parsing_kernels``.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.parsing_ops import (FixedLenFeature, FixedLenSequenceFeature, VarLenFeature,
                                        _check_type, _dense_default)
from tensorflux.ops.sparse_tensor import SparseTensor

_OUTPUTS = ("context_sparse", "context_dense", "sequence_sparse", "sequence_dense")


def _counts(attrs):
    return {k: len(attrs[k]) for k in _OUTPUTS}


def _num_outputs(attrs):
    n = _counts(attrs)
    return (3 * n["context_sparse"] + n["context_dense"] + 3 * n["sequence_sparse"]
            + 2 * n["sequence_dense"])


def _dtypes(op):
    a = op.attrs
    out = []
    for sparse in (a["context_sparse"],):
        out += [dtypes.int64] * len(sparse) + [d for _, d in sparse] + [dtypes.int64] * len(sparse)
    out += [d for _, d, *_ in a["context_dense"]]
    sparse = a["sequence_sparse"]
    out += [dtypes.int64] * len(sparse) + [d for _, d in sparse] + [dtypes.int64] * len(sparse)
    out += [d for _, d, *_ in a["sequence_dense"]]
    return out + [dtypes.int64] * len(a["sequence_dense"])


def _shapes(op):
    a = op.attrs
    rank = op.inputs[0].shape.ndims
    if rank not in (None, 0, 1):
        raise ValueError(f"parse_sequence_example: serialized must be a scalar or a vector, "
                         f"got shape {op.inputs[0].shape}")
    batch = [] if rank == 0 else [op.inputs[0].shape.as_tuple()[0] if rank == 1 else None]

    def sparse(n, index_rank):
        return ([TensorShape([None, index_rank])] * n + [TensorShape([None])] * n
                + [TensorShape([index_rank])] * n)

    out = sparse(len(a["context_sparse"]), len(batch) + 1)
    out += [TensorShape(batch + list(shape)) for _, _, shape, _ in a["context_dense"]]
    out += sparse(len(a["sequence_sparse"]), len(batch) + 2)
    out += [TensorShape(batch + [None] + list(shape)) for _, _, shape, _ in a["sequence_dense"]]
    return out + [TensorShape(batch)] * len(a["sequence_dense"])


defop("ParseSequenceExample", ("serialized",),
      attrs={k: () for k in _OUTPUTS}, num_outputs=_num_outputs, dtype_fn=_dtypes,
      shape_fn=_shapes, doc="Parse serialized tf.train.SequenceExamples (a scalar or a batch).")
not_differentiable("ParseSequenceExample")


def _fixed(key, spec, sequence):
    dtype = _check_type(key, spec.dtype)
    shape = as_shape(spec.shape).as_tuple()
    if shape is None or None in shape:
        raise ValueError(f"Feature {key!r}: shape must be fully defined, got {spec.shape}")
    if sequence:
        if spec.default_value is not None:
            raise ValueError(f"Value feature_list.dense_defaults[{key}] must be None")
        return key, dtype, shape, bool(spec.allow_missing)
    return key, dtype, shape, _dense_default(key, spec, dtype, shape)


def _attrs(context_features, sequence_features):
    attrs = {k: [] for k in _OUTPUTS}
    for part, features, dense_spec in (("context", context_features, FixedLenFeature),
                                       ("sequence", sequence_features, FixedLenSequenceFeature)):
        for key in sorted(features or {}):
            spec = features[key]
            if isinstance(spec, VarLenFeature):
                attrs[f"{part}_sparse"].append((key, _check_type(key, spec.dtype)))
            elif isinstance(spec, dense_spec):
                attrs[f"{part}_dense"].append(_fixed(key, spec, part == "sequence"))
            else:
                raise ValueError(f"{part.capitalize()} feature {key!r}: unsupported spec "
                                 f"{spec!r} (use {dense_spec.__name__} or VarLenFeature)")
    return {k: tuple(v) for k, v in attrs.items()}


def _parse(serialized, context_features, sequence_features, name):
    serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
    attrs = _attrs(context_features, sequence_features)
    outs = list(get_default_graph().create_op("ParseSequenceExample", [serialized], attrs,
                                              name=name or "ParseSequenceExample").outputs)

    def take(n):
        taken = outs[:n]
        del outs[:n]
        return taken

    def sparse(specs):
        n = len(specs)
        indices, values, shapes = take(n), take(n), take(n)
        return {key: SparseTensor(i, v, s) for (key, _), i, v, s in zip(specs, indices, values, shapes)}

    context = sparse(attrs["context_sparse"])
    context.update(zip((s[0] for s in attrs["context_dense"]), take(len(attrs["context_dense"]))))
    sequence = sparse(attrs["sequence_sparse"])
    keys = [s[0] for s in attrs["sequence_dense"]]
    sequence.update(zip(keys, take(len(keys))))
    return context, sequence, dict(zip(keys, take(len(keys))))


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None,
                                  example_name=None, name=None):
    """(context, feature_lists) of one serialized SequenceExample (a string scalar)."""
    serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
    if serialized.shape.ndims not in (None, 0):
        raise ValueError(f"parse_single_sequence_example needs a scalar string, got shape "
                         f"{serialized.shape}")
    context, sequence, _ = _parse(serialized, context_features, sequence_features,
                                  name or "ParseSingleSequenceExample")
    return context, sequence


def parse_sequence_example(serialized, context_features=None, sequence_features=None,
                           example_names=None, name=None):
    """(context, feature_lists, lengths) of a batch (a string vector) of serialized
    SequenceExamples; ``lengths`` holds the steps of each FixedLenSequenceFeature."""
    serialized = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
    if serialized.shape.ndims not in (None, 1):
        raise ValueError(f"parse_sequence_example needs a vector of strings, got shape "
                         f"{serialized.shape}")
    return _parse(serialized, context_features, sequence_features, name)
