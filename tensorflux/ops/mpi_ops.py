"""MPI collectives as graph ops, with gradients (Horovod's ``HorovodAllreduce``,
``HorovodAllgather`` and ``HorovodBroadcast``).

Each op takes a list of tensors, so one op can move every gradient (or every variable)
of a step: its kernel (``tensorflux.backends.mpi_kernels``, on the host for every
backend) packs them into one buffer per dtype and hands it to the runtime of
``tensorflux.contrib.mpi`` (tensor fusion). The ops are stateful: they must run exactly
once per step on every rank, never be folded or merged. The wrappers here need
``hvd.init()`` first, as Horovod's do.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient

COMPRESSIONS = ("none", "fp16")


def _runtime(what):
    from tensorflux.contrib.mpi import runtime
    return runtime.get(what)


def _each_dtype(op):
    return [t.dtype for t in op.inputs]


def _check(op, what, allow_bool):
    for t in op.inputs:
        if t.dtype == dtypes.string or (t.dtype == dtypes.bool_ and not allow_bool):
            raise TypeError(f"{what} cannot move {t.dtype.name} tensors ({t.name})")


def _allreduce_shapes(op):
    _check(op, "allreduce", allow_bool=False)
    if op.attrs["average"]:
        for t in op.inputs:
            if not (t.dtype.is_floating or t.dtype.is_complex):
                raise TypeError(f"allreduce(average=True) of the {t.dtype.name} tensor {t.name} "
                                f"would not be exact; use average=False for integers")
    if op.attrs["compression"] not in COMPRESSIONS:
        raise ValueError(f"unknown compression {op.attrs['compression']!r}; expected one of {COMPRESSIONS}")
    return [t.shape for t in op.inputs]


def _allgather_shape(op):
    _check(op, "allgather", allow_bool=True)
    dims = op.inputs[0].shape.as_tuple()
    if dims is None:
        return [TensorShape(None)]
    if not dims:
        raise ValueError(f"allgather concatenates along the first dimension; {op.inputs[0].name} "
                         f"is a scalar")
    return [TensorShape((None,) + dims[1:])]


def _broadcast_shapes(op):
    _check(op, "broadcast", allow_bool=True)
    return [t.shape for t in op.inputs]


_N = {"N": 1, "tensor_names": ()}
defop("MPIAllreduce", ("*tensors",),
      attrs={**_N, "average": True, "fusion_threshold": 0, "compression": "none"},
      num_outputs=lambda attrs: attrs["N"], dtype_fn=_each_dtype, shape_fn=_allreduce_shapes,
      stateful=True,
      doc="Sum (average=True: mean) of each tensor over all ranks; the tensors of one dtype "
          "travel as one buffer in pieces of at most fusion_threshold bytes (0: one per tensor).")
defop("MPIAllgather", ("tensor",), attrs={"tensor_names": ()}, shape_fn=_allgather_shape,
      stateful=True,
      doc="Every rank's tensor concatenated along the first dimension, in rank order.")
defop("MPIBroadcast", ("*tensors",), attrs={**_N, "root_rank": 0, "fusion_threshold": 0},
      num_outputs=lambda attrs: attrs["N"], dtype_fn=_each_dtype, shape_fn=_broadcast_shapes,
      stateful=True, doc="root_rank's value of each tensor, on every rank.")


@gradient("MPIAllreduce")
def _allreduce_grad(op, *grads):
    """The gradient of an allreduce is the same allreduce of the gradients."""
    return allreduce_n(grads, average=op.attrs["average"],
                       fusion_threshold=op.attrs["fusion_threshold"],
                       compression=op.attrs["compression"])


@gradient("MPIAllgather")
def _allgather_grad(op, grad):
    """This rank's rows of the sum over ranks of the gradients (as Horovod)."""
    from tensorflux.ops.array_ops import concat, reshape, shape, slice, zeros_like
    from tensorflux.ops.math_ops import reduce_sum
    x = op.inputs[0]
    summed = allreduce_n([grad], average=False)[0]
    dims = shape(x)
    rows = allgather(reshape(dims[0], [1]))
    offset = reduce_sum(rows[:_runtime("allgather gradient").rank], keepdims=True)
    return [slice(summed, concat([offset, zeros_like(dims[1:])], 0), dims)]


@gradient("MPIBroadcast")
def _broadcast_grad(op, *grads):
    """The root gets the sum over ranks of the gradients, the other ranks zeros
    (as Horovod)."""
    from tensorflux.ops.array_ops import zeros_like
    summed = allreduce_n(grads, average=False)
    if _runtime("broadcast gradient").rank != op.attrs["root_rank"]:
        return [zeros_like(g) for g in summed]
    return summed


# --- wrappers -------------------------------------------------------------------------------
def _collective(op_type, tensors, attrs, names, name):
    """One ``op_type`` op over ``tensors``; returns its outputs."""
    _runtime(op_type)
    tensors = [convert_to_tensor(t) for t in tensors]
    if not tensors:
        return []
    attrs = {"N": len(tensors), "tensor_names": tuple(names), **attrs}
    return list(get_default_graph().create_op(op_type, tensors, attrs, name=name or op_type).outputs)


def allreduce_n(tensors, average=True, fusion_threshold=0, compression="none", names=(),
                name=None):
    """One MPIAllreduce op over ``tensors``; returns its outputs."""
    return _collective("MPIAllreduce", tensors, {
        "average": bool(average), "fusion_threshold": int(fusion_threshold),
        "compression": _compression_name(compression)}, names, name)


def broadcast_n(tensors, root_rank, fusion_threshold=0, names=(), name=None):
    """One MPIBroadcast op over ``tensors``; returns its outputs."""
    return _collective("MPIBroadcast", tensors, {
        "root_rank": int(root_rank), "fusion_threshold": int(fusion_threshold)}, names, name)


def _compression_name(compression):
    value = getattr(compression, "name", compression)
    if value not in COMPRESSIONS:
        raise ValueError(f"unknown compression {compression!r}; use hvd.Compression.none or "
                         f"hvd.Compression.fp16")
    return value


def allreduce(tensor, average=True, device_dense="", device_sparse="", compression="none",
              name=None):
    """``hvd.allreduce``: the mean (``average=False``: the sum) of ``tensor`` over all
    ranks. Its gradient is the allreduce of the gradient."""
    with name_scope(name, "MPIAllreduce"):
        return allreduce_n([tensor], average=average, compression=compression)[0]


def allgather(tensor, name=None):
    """``hvd.allgather``: every rank's ``tensor`` concatenated along the first dimension
    in rank order; the first dimension may differ between ranks."""
    _runtime("allgather")
    t = convert_to_tensor(tensor)
    return get_default_graph().create_op("MPIAllgather", [t], name=name or "MPIAllgather").outputs[0]


def broadcast(tensor, root_rank, name=None):
    """``hvd.broadcast``: ``root_rank``'s value of ``tensor`` on every rank."""
    return broadcast_n([tensor], root_rank, name=name)[0]
