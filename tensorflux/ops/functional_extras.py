"""``tf.switch_case``, ``tf.vectorized_map`` and ``tf.py_function``: TF1's later
additions on top of ``tf.case``, ``tf.map_fn`` and ``tf.py_func``."""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import Graph, name_scope
from tensorflux.ops.constant_op import convert_to_tensor


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Run ``branch_fns[branch_index]`` (a list of functions, a list of ``(int,
    function)`` pairs or a dict); an index with no branch runs ``default`` (the last
    branch when None). Only the chosen branch's ops run."""
    from tensorflux.ops.cond import case
    from tensorflux.ops.math_ops import equal
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
    else:
        items = [f if isinstance(f, (tuple, list)) else (i, f) for i, f in enumerate(branch_fns)]
    if not items:
        raise ValueError("Must provide at least one item in branch_fns")
    for key, fn in items:
        if not isinstance(key, (int, np.integer)) or not callable(fn):
            raise TypeError(f"branch_fns must map ints to callables, got {key!r}: {fn!r}")
    with name_scope(name, "switch_case", [branch_index]) as scope:
        index = convert_to_tensor(branch_index, name="branch_index")
        if index.dtype != dtypes.int32 or index.shape.ndims not in (None, 0):
            raise TypeError(f"branch_index must be an int32 scalar, got {index.dtype.name} of "
                            f"shape {index.shape} ({index.name})")
        pairs = [(equal(index, int(key)), fn) for key, fn in items]
        return case(pairs, default=default if default is not None else items[-1][1],
                    name=scope)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """``fn`` applied to each slice of ``elems`` along the first dimension, stacked: the
    numbers of ``tf.map_fn`` (the loop tensorflux runs), with the output structure found
    by tracing ``fn`` once on placeholders of one slice."""
    from tensorflux.ops.array_ops import placeholder
    from tensorflux.ops.functional_ops import map_fn
    flat = [convert_to_tensor(t) for t in nest.flatten(elems)]
    with Graph().as_default():
        slices = [placeholder(t.dtype, t.shape[1:] if t.shape.ndims else None) for t in flat]
        traced = fn(nest.pack_sequence_as(elems, slices))
        out_dtypes = nest.map_structure(lambda t: convert_to_tensor(t).dtype, traced)
    return map_fn(fn, nest.pack_sequence_as(elems, flat), dtype=out_dtypes,
                  name="vectorized_map")


class _EagerValue(np.ndarray):
    """What ``py_function`` hands ``func``: an array that also has TF2's ``.numpy()``."""

    def numpy(self):
        return np.asarray(self)


def py_function(func, inp, Tout, name=None):  # noqa: N803 - TF1's argument name
    """``tf.py_func`` for functions written for eager tensors: ``func`` receives arrays
    with a ``.numpy()`` method and may return such values. (Like py_func, and unlike
    TensorFlow's py_function, it has no gradient.)"""
    from tensorflux.ops.script_ops import py_func

    def call(*arrays):
        result = func(*[np.asarray(a).view(_EagerValue) for a in arrays])
        unwrap = lambda v: v.numpy() if hasattr(v, "numpy") else v  # noqa: E731
        return [unwrap(v) for v in result] if isinstance(result, (list, tuple)) else unwrap(result)
    return py_func(call, inp, Tout if Tout is not None else [], name=name or "EagerPyFunc")
