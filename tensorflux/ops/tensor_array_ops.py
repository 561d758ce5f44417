"""``tf.TensorArray``: a list of tensors written and read by index, usable in loops.

A TensorArray is carried through the graph as a *flow*: a variant tensor each
operation consumes and (for writes) produces again, which orders the operations and
lets a TensorArray be a loop variable. Each write returns a new Python ``TensorArray``
around the new flow, as in TF1; the static element shape is shared by all of them and
refined by writes (``infer_shape``).

Gradients follow TF1: the gradient of a flow is the flow of a gradient TensorArray of
the same size, created for each gradient computation (``source``), whose writes add up;
reading an element's gradient where none was written gives zeros.
"""
from __future__ import annotations

from tensorflux.core import dtypes, errors
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable

_flow = (lambda op: [dtypes.variant], lambda op: [TensorShape(None)])


def _element_shape(op):
    return [op.attrs["element_shape"]]


def _stacked_shape(op):
    return [TensorShape([None]).concatenate(op.attrs["element_shape"])]


defop("TensorArrayV3", ("size",),
      attrs={"dtype": None, "element_shape": TensorShape(None), "dynamic_size": False,
             "clear_after_read": True, "tensor_array_name": ""},
      dtype_fn=_flow[0], shape_fn=_flow[1], stateful=True,
      doc="A new, empty TensorArray of `size` elements (its flow).")
defop("TensorArrayWriteV3", ("flow", "index", "value"), dtype_fn=_flow[0], shape_fn=_flow[1],
      stateful=True)
defop("TensorArrayReadV3", ("flow", "index"), attrs={"dtype": None,
                                                     "element_shape": TensorShape(None)},
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=_element_shape, stateful=True)
defop("TensorArrayGatherV3", ("flow", "indices"),
      attrs={"dtype": None, "element_shape": TensorShape(None)},
      dtype_fn=lambda op: [op.attrs["dtype"]], stateful=True,
      shape_fn=lambda op: [TensorShape([op.inputs[1].shape.num_elements()]).concatenate(
          op.attrs["element_shape"])])
defop("TensorArrayStack", ("flow",), attrs={"dtype": None, "element_shape": TensorShape(None)},
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=_stacked_shape, stateful=True)
defop("TensorArrayScatterV3", ("flow", "indices", "value"), dtype_fn=_flow[0],
      shape_fn=_flow[1], stateful=True)
defop("TensorArrayUnstack", ("flow", "value"), dtype_fn=_flow[0], shape_fn=_flow[1],
      stateful=True)
defop("TensorArrayConcatV3", ("flow",), attrs={"dtype": None, "element_shape": TensorShape(None)},
      num_outputs=2, dtype_fn=lambda op: [op.attrs["dtype"], dtypes.int64], stateful=True,
      shape_fn=lambda op: [TensorShape([None]).concatenate(op.attrs["element_shape"][1:])
                           if op.attrs["element_shape"].ndims else TensorShape(None),
                           TensorShape([None])])
defop("TensorArraySplitV3", ("flow", "value", "lengths"), dtype_fn=_flow[0],
      shape_fn=_flow[1], stateful=True)
defop("TensorArraySizeV3", ("flow",), dtype_fn=lambda op: [dtypes.int32],
      shape_fn=lambda op: [TensorShape(())], stateful=True)
defop("TensorArrayGradV3", ("flow",), attrs={"source": ""}, dtype_fn=_flow[0],
      shape_fn=_flow[1], stateful=True,
      doc="The flow of the gradient TensorArray of a TensorArray for one gradient "
          "computation (`source`).")
defop("TensorArrayMergeFlows", ("*flows",), dtype_fn=_flow[0], shape_fn=_flow[1],
      stateful=True, doc="The one TensorArray several gradient flows carry, once all of "
                         "them are computed.")
defop("TensorArrayCloseV3", ("flow",), num_outputs=0, dtype_fn=lambda op: [],
      shape_fn=lambda op: [], stateful=True)
not_differentiable("TensorArrayV3", "TensorArraySizeV3", "TensorArrayGradV3",
                   "TensorArrayCloseV3")


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _grad_source() -> str:
    """Which gradient computation is being built, from its name scope ("gradients",
    "gradients_1", ...): each gets its own gradient TensorArrays, as in TF1."""
    parts = get_default_graph().get_name_scope().split("/")
    for part in parts:
        if part.startswith("gradients"):
            return part
    return parts[0]


def gradient_flow(flow, name=None):
    """The flow of ``flow``'s gradient TensorArray for the gradient being built."""
    return _op("TensorArrayGradV3", [flow], {"source": _grad_source()},
               name=name or "TensorArrayGrad")._outputs[0]


def merge_flows(flows, name=None):
    return _op("TensorArrayMergeFlows", list(flows), name=name or "MergeFlows")._outputs[0]


class TensorArray:
    """TF1's ``tf.TensorArray(dtype, size=None, dynamic_size=None, clear_after_read=None,
    tensor_array_name=None, handle=None, flow=None, infer_shape=True, element_shape=None,
    colocate_with_first_write_call=True, name=None)``.

    Reading an element twice needs ``clear_after_read=False``; writing one twice is an
    error; writing past ``size`` needs ``dynamic_size=True``.
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        # One static element shape shared by every TensorArray of this flow's lineage.
        self._shape = [as_shape(element_shape) if element_shape is not None else TensorShape(None)]
        if flow is not None or handle is not None:
            self._flow = convert_to_tensor(flow if flow is not None else handle)
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with name_scope(name, "TensorArray", []) as scope:
            size = convert_to_tensor(size, dtype=dtypes.int32)
            self._flow = _op("TensorArrayV3", [size], {
                "dtype": self._dtype, "element_shape": self._shape[0],
                "dynamic_size": self._dynamic_size, "clear_after_read": self._clear_after_read,
                "tensor_array_name": tensor_array_name or ""}, name=scope)._outputs[0]

    # --- what it is ----------------------------------------------------------------
    dtype = property(lambda self: self._dtype)
    flow = property(lambda self: self._flow)
    handle = property(lambda self: self._flow)
    dynamic_size = property(lambda self: self._dynamic_size)

    @property
    def element_shape(self) -> TensorShape:
        return self._shape[0]

    def _with_flow(self, flow):
        other = TensorArray.__new__(TensorArray)
        other.__dict__.update(self.__dict__)
        other._flow = flow
        return other

    def _flow_for_control_flow(self):
        return self._flow

    def _merge_shape(self, shape, what):
        if not self._infer_shape:
            return
        if not self._shape[0].is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected "
                             f"{self._shape[0]} (and infer_shape=True) when {what} "
                             f"TensorArray {self._flow.op.name!r}")
        self._shape[0] = self._shape[0].merge_with(shape)

    def _value(self, value, what):
        value = convert_to_tensor(value, preferred_dtype=self._dtype)
        if value.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                            f"{what} dtype {value.dtype.name}")
        return value

    def _read_attrs(self):
        return {"dtype": self._dtype, "element_shape": self._shape[0]}

    # --- operations ------------------------------------------------------------------
    def write(self, index, value, name=None):
        """A TensorArray with ``value`` written at ``index``."""
        value = self._value(value, "write")
        self._merge_shape(value.shape, "writing to")
        index = convert_to_tensor(index, dtype=dtypes.int32)
        flow = _op("TensorArrayWriteV3", [self._flow, index, value], name=name)._outputs[0]
        return self._with_flow(flow)

    def read(self, index, name=None):
        index = convert_to_tensor(index, dtype=dtypes.int32)
        return _op("TensorArrayReadV3", [self._flow, index], self._read_attrs(),
                   name=name)._outputs[0]

    def gather(self, indices, name=None):
        indices = convert_to_tensor(indices, dtype=dtypes.int32)
        return _op("TensorArrayGatherV3", [self._flow, indices], self._read_attrs(),
                   name=name)._outputs[0]

    def stack(self, name=None):
        """All elements stacked along a new first dimension."""
        return _op("TensorArrayStack", [self._flow], self._read_attrs(), name=name)._outputs[0]

    def unstack(self, value, name=None):
        """A TensorArray holding ``value``'s slices along its first dimension."""
        value = self._value(value, "unstack")
        self._merge_shape(value.shape[1:] if value.shape.ndims else TensorShape(None),
                          "unstacking into")
        flow = _op("TensorArrayUnstack", [self._flow, value], name=name)._outputs[0]
        return self._with_flow(flow)

    def scatter(self, indices, value, name=None):
        value = self._value(value, "scatter")
        self._merge_shape(value.shape[1:] if value.shape.ndims else TensorShape(None),
                          "scattering into")
        indices = convert_to_tensor(indices, dtype=dtypes.int32)
        flow = _op("TensorArrayScatterV3", [self._flow, indices, value], name=name)._outputs[0]
        return self._with_flow(flow)

    def concat(self, name=None):
        """The elements concatenated along their first dimension."""
        return _op("TensorArrayConcatV3", [self._flow], self._read_attrs(),
                   name=name)._outputs[0]

    def split(self, value, lengths, name=None):
        """A TensorArray of ``value`` split along its first dimension into ``lengths``."""
        value = self._value(value, "split")
        if value.shape.ndims:
            self._merge_shape(TensorShape([None]).concatenate(value.shape[1:]), "splitting into")
        lengths = convert_to_tensor(lengths, dtype=dtypes.int64)
        flow = _op("TensorArraySplitV3", [self._flow, value, lengths], name=name)._outputs[0]
        return self._with_flow(flow)

    def size(self, name=None):
        return _op("TensorArraySizeV3", [self._flow], name=name)._outputs[0]

    def identity(self):
        return self._with_flow(self._flow)

    def close(self, name=None):
        return _op("TensorArrayCloseV3", [self._flow], name=name)

    def grad(self, source, flow=None, name=None):
        """The gradient TensorArray of this one for the gradient computation ``source``."""
        g = _op("TensorArrayGradV3", [flow if flow is not None else self._flow],
                {"source": source}, name=name or "TensorArrayGrad")._outputs[0]
        return TensorArray(self._dtype, flow=g, element_shape=self._shape[0])

    def __repr__(self):
        return f"<tf.TensorArray dtype={self._dtype.name} flow={self._flow.name}>"


def _value_attrs(value_tensor):
    return {"dtype": value_tensor.dtype, "element_shape": TensorShape(None)}


@gradient("TensorArrayWriteV3")
def _write_grad(op, grad_flow):
    value = op.inputs[2]
    g = _op("TensorArrayReadV3", [grad_flow, op.inputs[1]],
            {"dtype": value.dtype, "element_shape": value.shape})._outputs[0]
    return [grad_flow, None, g]


@gradient("TensorArrayReadV3")
def _read_grad(op, grad):
    flow = gradient_flow(op.inputs[0])
    return [_op("TensorArrayWriteV3", [flow, op.inputs[1], grad])._outputs[0], None]


@gradient("TensorArrayGatherV3")
def _gather_grad(op, grad):
    flow = gradient_flow(op.inputs[0])
    return [_op("TensorArrayScatterV3", [flow, op.inputs[1], grad])._outputs[0], None]


@gradient("TensorArrayStack")
def _stack_grad(op, grad):
    flow = gradient_flow(op.inputs[0])
    return [_op("TensorArrayUnstack", [flow, grad])._outputs[0]]


@gradient("TensorArrayScatterV3")
def _scatter_grad(op, grad_flow):
    value = op.inputs[2]
    g = _op("TensorArrayGatherV3", [grad_flow, op.inputs[1]],
            {"dtype": value.dtype, "element_shape": value.shape[1:]
             if value.shape.ndims else TensorShape(None)})._outputs[0]
    return [grad_flow, None, g]


@gradient("TensorArrayUnstack")
def _unstack_grad(op, grad_flow):
    value = op.inputs[1]
    g = _op("TensorArrayStack", [grad_flow],
            {"dtype": value.dtype, "element_shape": value.shape[1:]
             if value.shape.ndims else TensorShape(None)})._outputs[0]
    return [grad_flow, g]


@gradient("TensorArrayConcatV3")
def _concat_grad(op, grad, unused_lengths_grad):
    flow = gradient_flow(op.inputs[0])
    return [_op("TensorArraySplitV3", [flow, grad, op.outputs[1]])._outputs[0]]


@gradient("TensorArraySplitV3")
def _split_grad(op, grad_flow):
    value = op.inputs[1]
    g = _op("TensorArrayConcatV3", [grad_flow], _value_attrs(value))._outputs[0]
    return [grad_flow, g, None]


@gradient("TensorArrayMergeFlows")
def _merge_grad(op, grad_flow):
    return [grad_flow] * len(op.inputs)
