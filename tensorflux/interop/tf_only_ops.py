"""Ops that only graphs imported from TensorFlow need: ``BroadcastGradientArgs`` and
``ReduceDynamic`` (a reduction over axes computed at run time), which TensorFlow's own
gradient subgraphs use. Their kernels run on the host for every backend: they read
shapes and flags, or reduce over axes only known at run time (rare, training graphs
imported from TensorFlow), and are never on a model's hot path.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.op_def import defop, not_differentiable

REDUCTIONS = ("Sum", "Mean", "Max", "Min", "Prod", "All", "Any")

defop("BroadcastGradientArgs", ("s0", "s1"), num_outputs=2,
      dtype_fn=lambda op: [op.inputs[0].dtype] * 2,
      shape_fn=lambda op: [TensorShape([None])] * 2,
      doc="The axes to sum a gradient over, for each of two shapes broadcast together.")


def _reduce_dtype(op):
    kind = op.attrs["reduction"]
    return [dtypes.bool_ if kind in ("All", "Any") else op.inputs[0].dtype]


def _reduce_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is not None and op.attrs["keep_dims"]:
        return [TensorShape([None] * len(dims))]
    return [TensorShape(None)]


defop("ReduceDynamic", ("input", "axes"), attrs={"reduction": "Sum", "keep_dims": False},
      dtype_fn=_reduce_dtype, shape_fn=_reduce_shape,
      doc="A reduction (attr `reduction`: Sum, Mean, Max, Min, Prod, All or Any) over axes "
          "given as a tensor, as TensorFlow's reductions take them.")
not_differentiable("BroadcastGradientArgs", "ReduceDynamic")


# --- host kernels -----------------------------------------------------------------------------
def _broadcast_gradient_args(op, ctx):
    def run(s0, s1):
        s0, s1 = [int(d) for d in np.ravel(s0)], [int(d) for d in np.ravel(s1)]
        rank = max(len(s0), len(s1))
        a, b = [1] * (rank - len(s0)) + s0, [1] * (rank - len(s1)) + s1
        r0, r1 = [], []
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise errors.InvalidArgumentError(None, op, f"Incompatible shapes: {s0} vs. {s1}")
            if x == 1 and y != 1 or (x == 1 and y == 1 and i < rank - len(s0)):
                r0.append(i)
            if y == 1 and x != 1 or (x == 1 and y == 1 and i < rank - len(s1)):
                r1.append(i)
        dtype = op.outputs[0].dtype.np_dtype
        return np.array(r0, dtype=dtype), np.array(r1, dtype=dtype)
    return run


_NUMPY_REDUCTIONS = {"Sum": np.sum, "Mean": np.mean, "Max": np.max, "Min": np.min,
                     "Prod": np.prod, "All": np.all, "Any": np.any}


def _reduce_dynamic(op, ctx):
    fn, keep = _NUMPY_REDUCTIONS[op.attrs["reduction"]], op.attrs["keep_dims"]
    out_dtype = op.outputs[0].dtype.np_dtype

    def run(x, axes):
        rank = x.ndim
        axes = [int(a) for a in np.ravel(axes)]
        if any(not -rank <= a < max(rank, 1) for a in axes):
            raise errors.InvalidArgumentError(None, op, f"Invalid reduction axes {axes} for "
                                                        f"an input of rank {rank}")
        axis = tuple(sorted({a % rank for a in axes})) if rank else None
        return np.asarray(fn(x, axis=axis, keepdims=keep)).astype(out_dtype, copy=False)
    return run


KERNELS = {"BroadcastGradientArgs": _broadcast_gradient_args,
           "ReduceDynamic": _reduce_dynamic}
