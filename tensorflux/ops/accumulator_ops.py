"""Conditional accumulators (``tf.ConditionalAccumulator``,
``tf.SparseConditionalAccumulator``): gradients from several workers are summed until
enough have arrived, then taken as one average (or sum).

An accumulator has a time step (starting at 0). ``apply_grad`` drops a gradient whose
``local_step`` is older than it (a stale gradient); ``take_grad(num_required)`` blocks
until ``num_required`` gradients arrived, returns their mean, resets the accumulator and
advances the time step by one. The sparse accumulator averages each row over the
gradients that held it. Like a queue, the accumulator lives in the session that runs its
op (``tensorflux.backends.accumulator_kernels``).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable

_ATTRS = {"dtype": None, "shape": None, "container": "", "shared_name": "",
          "reduction_type": "MEAN"}
_NONE = {"num_outputs": 0, "stateful": True, "dtype_fn": lambda op: [], "shape_fn": lambda op: []}
_HANDLE = {"stateful": True, "dtype_fn": lambda op: [dtypes.string],
           "shape_fn": lambda op: [TensorShape(())]}

defop("ConditionalAccumulator", (), attrs=dict(_ATTRS), **_HANDLE,
      doc="A conditional accumulator of dense gradients (its handle).")
defop("SparseConditionalAccumulator", (), attrs=dict(_ATTRS), **_HANDLE,
      doc="A conditional accumulator of sparse (IndexedSlices) gradients (its handle).")
defop("AccumulatorApplyGradient", ("handle", "local_step", "gradient"), **_NONE)
defop("SparseAccumulatorApplyGradient", ("handle", "local_step", "gradient_indices",
                                         "gradient_values", "gradient_shape"),
      attrs={"has_known_shape": False}, **_NONE)
defop("AccumulatorTakeGradient", ("handle", "num_required"), attrs={"dtype": None, "shape": None},
      stateful=True, dtype_fn=lambda op: [op.attrs["dtype"]],
      shape_fn=lambda op: [TensorShape(op.attrs["shape"])])
defop("SparseAccumulatorTakeGradient", ("handle", "num_required"),
      attrs={"dtype": None, "shape": None}, num_outputs=3, stateful=True,
      dtype_fn=lambda op: [dtypes.int64, op.attrs["dtype"], dtypes.int64],
      shape_fn=lambda op: [TensorShape([None]),
                           TensorShape([None]).concatenate(TensorShape(op.attrs["shape"])[1:])
                           if TensorShape(op.attrs["shape"]).ndims else TensorShape(None),
                           TensorShape([TensorShape(op.attrs["shape"]).ndims])])
defop("AccumulatorNumAccumulated", ("handle",), stateful=True,
      dtype_fn=lambda op: [dtypes.int32], shape_fn=lambda op: [TensorShape(())])
defop("AccumulatorSetGlobalStep", ("handle", "new_global_step"), **_NONE)
not_differentiable("ConditionalAccumulator", "SparseConditionalAccumulator",
                   "AccumulatorApplyGradient", "SparseAccumulatorApplyGradient",
                   "AccumulatorTakeGradient", "SparseAccumulatorTakeGradient",
                   "AccumulatorNumAccumulated", "AccumulatorSetGlobalStep")


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


class ConditionalAccumulatorBase:
    """What both accumulators have: the handle, ``num_accumulated`` and
    ``set_global_step``."""

    def __init__(self, dtype, shape, accumulator_ref):
        self._dtype, self._shape, self._accumulator_ref = dtype, shape, accumulator_ref
        self._name = accumulator_ref.op.name.split("/")[-1]

    accumulator_ref = property(lambda self: self._accumulator_ref)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)

    def num_accumulated(self, name=None):
        """How many gradients were accumulated since the last take_grad."""
        return _op("AccumulatorNumAccumulated", [self._accumulator_ref],
                   name=name or f"{self._name}_NumAccumulated").outputs[0]

    def set_global_step(self, new_global_step, name=None):
        """Set the accumulator's time step (gradients older than it are dropped)."""
        step = convert_to_tensor(new_global_step, dtype=dtypes.int64, name="new_global_step")
        return _op("AccumulatorSetGlobalStep", [self._accumulator_ref, step],
                   name=name or f"{self._name}_SetGlobalStep")

    def _local_step(self, local_step):
        return convert_to_tensor(local_step, dtype=dtypes.int64, name="local_step")

    def _num_required(self, num_required):
        return convert_to_tensor(num_required, dtype=dtypes.int32, name="num_required")


def _make(op_type, dtype, shape, shared_name, name, reduction_type):
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer or dtype.is_complex):
        raise TypeError(f"{op_type}: dtype must be numeric, got {dtype.name}")
    if reduction_type not in ("MEAN", "SUM"):
        raise ValueError(f"reduction_type must be 'MEAN' or 'SUM', got {reduction_type!r}")
    shape = as_shape(shape)
    ref = _op(op_type, [], {"dtype": dtype, "shape": shape.as_tuple(),
                            "shared_name": shared_name or "", "reduction_type": reduction_type},
              name).outputs[0]
    return dtype, shape, ref


class ConditionalAccumulator(ConditionalAccumulatorBase):
    """Accumulates dense gradients of ``dtype`` and ``shape``; see the module docstring."""

    def __init__(self, dtype, shape=None, shared_name=None, name="conditional_accumulator",
                 reduction_type="MEAN"):
        super().__init__(*_make("ConditionalAccumulator", dtype, shape, shared_name, name,
                                reduction_type))

    def apply_grad(self, grad, local_step=0, name=None):
        """Add ``grad`` unless ``local_step`` is older than the accumulator's step."""
        grad = convert_to_tensor(grad, dtype=self._dtype, name="grad")
        grad.shape.assert_is_compatible_with(self._shape)
        return _op("AccumulatorApplyGradient",
                   [self._accumulator_ref, self._local_step(local_step), grad],
                   name=name or f"{self._name}_ApplyGradient")

    def take_grad(self, num_required, name=None):
        """The mean (or sum) of the gradients, once ``num_required`` have arrived."""
        out = _op("AccumulatorTakeGradient",
                  [self._accumulator_ref, self._num_required(num_required)],
                  {"dtype": self._dtype, "shape": self._shape.as_tuple()},
                  name=name or f"{self._name}_TakeGradient").outputs[0]
        return out


class SparseConditionalAccumulator(ConditionalAccumulatorBase):
    """Accumulates IndexedSlices gradients; each row of the result averages the
    gradients that held that row."""

    def __init__(self, dtype, shape=None, shared_name=None,
                 name="sparse_conditional_accumulator", reduction_type="MEAN"):
        super().__init__(*_make("SparseConditionalAccumulator", dtype, shape, shared_name,
                                name, reduction_type))

    def apply_grad(self, grad_indices, grad_values, grad_shape=None, local_step=0, name=None):
        """Add the rows ``grad_values`` at ``grad_indices`` (of dense shape
        ``grad_shape``, when given) unless ``local_step`` is stale."""
        indices = convert_to_tensor(grad_indices, dtype=dtypes.int64, name="grad_indices")
        values = convert_to_tensor(grad_values, dtype=self._dtype, name="grad_values")
        if self._shape.ndims is not None and values.shape.ndims is not None:
            values.shape[1:].assert_is_compatible_with(self._shape[1:])
        known = grad_shape is not None
        shape = convert_to_tensor(grad_shape if known else [], dtype=dtypes.int64,
                                  name="grad_shape")
        return _op("SparseAccumulatorApplyGradient",
                   [self._accumulator_ref, self._local_step(local_step), indices, values, shape],
                   {"has_known_shape": known}, name=name or f"{self._name}_ApplyGradient")

    def apply_indexed_slices_grad(self, grad, local_step=0, name=None):
        """``apply_grad`` of an IndexedSlices."""
        return self.apply_grad(grad.indices, grad.values, grad.dense_shape, local_step, name)

    def take_grad(self, num_required, name=None):
        """(indices, values, dense shape) of the averaged gradient."""
        return tuple(_op("SparseAccumulatorTakeGradient",
                         [self._accumulator_ref, self._num_required(num_required)],
                         {"dtype": self._dtype, "shape": self._shape.as_tuple()},
                         name=name or f"{self._name}_TakeGradient").outputs)

    def take_indexed_slices_grad(self, num_required, name=None):
        """The averaged gradient as an IndexedSlices."""
        from tensorflux.ops.indexed_slices import IndexedSlices
        indices, values, shape = self.take_grad(num_required, name)
        return IndexedSlices(values, indices, shape)
