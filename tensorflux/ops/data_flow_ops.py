"""Queues: ``tf.FIFOQueue``, ``tf.RandomShuffleQueue``, ``tf.PaddingFIFOQueue``,
``tf.PriorityQueue``.

A queue op outputs a handle (a string scalar naming the queue); the queue itself lives in
the session that runs it, like a variable's value, and the enqueue / dequeue / close /
size ops find it by that handle. Dequeues block until enough elements arrive, the queue
is closed (OutOfRangeError once it runs dry) or the run's deadline passes. The runtime
side is ``tensorflux.backends.data_flow_kernels``.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, get_default_graph
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.random_ops import get_seed


def _scalar(dtype):
    return {"dtype_fn": lambda op: [dtype], "shape_fn": lambda op: [TensorShape(())]}


_QUEUE_ATTRS = {"component_types": (), "shapes": (), "capacity": -1, "container": "",
                "shared_name": ""}
defop("FIFOQueueV2", (), attrs=_QUEUE_ATTRS, stateful=True, **_scalar(dtypes.string),
      doc="A first-in first-out queue (its handle).")
defop("PaddingFIFOQueueV2", (), attrs=_QUEUE_ATTRS, stateful=True, **_scalar(dtypes.string),
      doc="A FIFO queue whose dequeue_many pads components of unknown dims to the largest.")
defop("RandomShuffleQueueV2", (), attrs={**_QUEUE_ATTRS, "min_after_dequeue": 0, "seed": 0,
                                         "seed2": 0},
      stateful=True, **_scalar(dtypes.string),
      doc="A queue that dequeues elements in random order, keeping min_after_dequeue.")
defop("PriorityQueueV2", (), attrs=_QUEUE_ATTRS, stateful=True, **_scalar(dtypes.string),
      doc="A queue that dequeues the element of lowest int64 priority (its first component).")


def _element_shapes(op, batch):
    shapes = [TensorShape(s) for s in op.attrs["shapes"]] or [TensorShape(None)] * len(op.attrs["component_types"])
    return [TensorShape([batch]).concatenate(s) if batch != "none" else s for s in shapes]


_DEQUEUE = {"component_types": (), "shapes": (), "timeout_ms": -1}
defop("QueueEnqueueV2", ("handle", "*components"), attrs={"timeout_ms": -1}, num_outputs=0,
      stateful=True, dtype_fn=lambda op: [], shape_fn=lambda op: [])
defop("QueueEnqueueManyV2", ("handle", "*components"), attrs={"timeout_ms": -1}, num_outputs=0,
      stateful=True, dtype_fn=lambda op: [], shape_fn=lambda op: [])
defop("QueueDequeueV2", ("handle",), attrs=_DEQUEUE, stateful=True,
      num_outputs=lambda attrs: len(attrs["component_types"]),
      dtype_fn=lambda op: list(op.attrs["component_types"]),
      shape_fn=lambda op: _element_shapes(op, "none"))
defop("QueueDequeueManyV2", ("handle",), attrs={**_DEQUEUE, "n": 1}, stateful=True,
      num_outputs=lambda attrs: len(attrs["component_types"]),
      dtype_fn=lambda op: list(op.attrs["component_types"]),
      shape_fn=lambda op: _element_shapes(op, op.attrs["n"]))
defop("QueueDequeueUpToV2", ("handle",), attrs={**_DEQUEUE, "n": 1}, stateful=True,
      num_outputs=lambda attrs: len(attrs["component_types"]),
      dtype_fn=lambda op: list(op.attrs["component_types"]),
      shape_fn=lambda op: _element_shapes(op, None))
defop("QueueCloseV2", ("handle",), attrs={"cancel_pending_enqueues": False}, num_outputs=0,
      stateful=True, dtype_fn=lambda op: [], shape_fn=lambda op: [])
defop("QueueSizeV2", ("handle",), stateful=True, **_scalar(dtypes.int32))
defop("QueueIsClosedV2", ("handle",), stateful=True, **_scalar(dtypes.bool_))
defop("CountUpTo", ("ref",), attrs={"limit": None}, stateful=True, ref_inputs=(0,),
      shape_fn=lambda op: [TensorShape(())],
      doc="Increment a scalar integer variable, returning its old value; OutOfRangeError "
          "once it has reached limit (counts epochs in tf.train.limit_epochs).")
not_differentiable("CountUpTo", "FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2",
                   "PriorityQueueV2", "QueueEnqueueV2",
                   "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
                   "QueueDequeueUpToV2", "QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2")


def count_up_to(ref, limit, name=None):
    """Increment the integer variable ``ref`` until it reaches ``limit``."""
    if not ref.dtype.is_integer:
        raise TypeError(f"count_up_to needs an integer variable, got {ref.dtype.name}")
    ref = ref._as_graph_element() if hasattr(ref, "_as_graph_element") else ref  # a Variable
    return get_default_graph().create_op("CountUpTo", [ref], {"limit": int(limit)},
                                         name=name or "CountUpTo").outputs[0]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class QueueBase:
    """The operations every queue has. ``dtypes`` per component; optional ``shapes``
    (checked on enqueue and known after dequeue) and ``names`` (dict elements)."""

    def __init__(self, dtypes_, shapes, names, queue_ref):
        self._dtypes = dtypes_
        self._shapes = shapes
        self._names = names
        self._queue_ref = queue_ref
        self._name = queue_ref.op.name.split("/")[-1]  # prefixes the names of its ops

    dtypes = property(lambda self: list(self._dtypes))
    shapes = property(lambda self: list(self._shapes))
    names = property(lambda self: self._names)
    queue_ref = property(lambda self: self._queue_ref)
    name = property(lambda self: self._queue_ref.op.name)

    def _op(self, op_type, inputs=(), attrs=None, name=None):
        return get_default_graph().create_op(op_type, [self._queue_ref, *inputs], attrs,
                                             name=name or f"{self._name}_{op_type.replace('Queue', '').replace('V2', '')}")

    def _components(self, vals, many):
        """The tensors of one element (or a batch of them), checked against the queue."""
        if self._names is not None:
            if not isinstance(vals, dict):
                raise ValueError("Queue with names requires a dictionary")
            if set(vals) != set(self._names):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue. "
                                 f"Dictionary: {sorted(vals)}, Queue: {sorted(self._names)}")
            vals = [vals[k] for k in self._names]
        vals = _as_list(vals)
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Queue {self._name} has {len(self._dtypes)} components but "
                             f"{len(vals)} values were given")
        tensors = []
        for i, (v, dtype) in enumerate(zip(vals, self._dtypes)):
            t = convert_to_tensor(v, dtype=dtype, name=f"component_{i}")
            shape = t.shape[1:] if many and t.shape.ndims is not None else t.shape
            if many and t.shape.ndims == 0:
                raise ValueError(f"enqueue_many of queue {self._name}: component {i} must have a "
                                 f"batch dimension, got a scalar")
            if self._shapes and not shape.is_compatible_with(self._shapes[i]):
                raise ValueError(f"Shapes {shape} and {self._shapes[i]} are incompatible: "
                                 f"component {i} of queue {self._name}")
            tensors.append(t)
        return tensors

    def enqueue(self, vals, name=None):
        """Add one element; blocks while the queue is full."""
        return self._op("QueueEnqueueV2", self._components(vals, False), name=name)

    def enqueue_many(self, vals, name=None):
        """Add the elements along the first dimension of each component."""
        return self._op("QueueEnqueueManyV2", self._components(vals, True), name=name)

    def _dequeued(self, op):
        outs = op.outputs
        if self._names is not None:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else outs

    def _dequeue_attrs(self, **extra):
        return {"component_types": tuple(self._dtypes),
                "shapes": tuple(s.as_tuple() for s in self._shapes), **extra}

    def dequeue(self, name=None):
        """Remove one element; blocks while the queue is empty (OutOfRangeError once it
        is closed and empty)."""
        return self._dequeued(self._op("QueueDequeueV2", (), self._dequeue_attrs(), name))

    def dequeue_many(self, n, name=None):
        """Remove ``n`` elements, concatenated along a new first dimension."""
        return self._dequeued(self._op("QueueDequeueManyV2", (), self._dequeue_attrs(n=_count(n)), name))

    def dequeue_up_to(self, n, name=None):
        """Like dequeue_many, but once the queue is closed returns the fewer left."""
        return self._dequeued(self._op("QueueDequeueUpToV2", (), self._dequeue_attrs(n=_count(n)), name))

    def close(self, cancel_pending_enqueues=False, name=None):
        """No more enqueues; with ``cancel_pending_enqueues`` blocked ones fail too."""
        return self._op("QueueCloseV2", (), {"cancel_pending_enqueues": bool(cancel_pending_enqueues)}, name)

    def is_closed(self, name=None):
        return self._op("QueueIsClosedV2", (), name=name).outputs[0]

    def size(self, name=None):
        return self._op("QueueSizeV2", (), name=name).outputs[0]


def _count(n) -> int:
    if isinstance(n, Tensor):
        from tensorflux.ops.shape_fns import constant_value
        value = constant_value(n)
        if value is None:
            raise ValueError("The number of elements to dequeue must be known when the graph is built")
        n = value
    n = int(n)
    if n < 0:
        raise ValueError(f"Cannot dequeue a negative number of elements: {n}")
    return n


def _shape_list(shapes):
    """TF1's reading of ``shapes``: one shape (a TensorShape or a list of ints / None) is
    the shape of a single component."""
    if shapes is None:
        return None
    if isinstance(shapes, TensorShape) or all(s is None or isinstance(s, int) for s in shapes):
        shapes = [shapes]
    return [as_shape(s) for s in shapes]


def _make(op_type, capacity, dtypes_, shapes, names, shared_name, name, extra=None,
          padding=False):
    dtypes_ = [dtypes.as_dtype(d) for d in _as_list(dtypes_)]
    shapes = _shape_list(shapes)
    kind = op_type.replace("V2", "")
    if shapes is None and padding:
        raise ValueError("PaddingFIFOQueue needs shapes (None for the dimensions to pad)")
    if shapes is not None:
        if len(shapes) != len(dtypes_):
            raise ValueError(f"Queue shapes must have the same length as dtypes: {len(shapes)} vs {len(dtypes_)}")
        if not padding and any(not s.is_fully_defined() for s in shapes):
            raise ValueError(f"{kind} needs fully defined shapes, got {shapes} "
                             f"(a PaddingFIFOQueue takes unknown dimensions)")
    if names is not None:
        names = list(names)
        if len(names) != len(dtypes_):
            raise ValueError("Queue names must have the same length as dtypes")
    attrs = {"component_types": tuple(dtypes_), "capacity": int(capacity),
             "shapes": tuple(s.as_tuple() for s in shapes) if shapes else (),
             "shared_name": shared_name or "", **(extra or {})}
    ref = get_default_graph().create_op(op_type, [], attrs, name=name).outputs[0]
    return dtypes_, shapes or [], names, ref


class FIFOQueue(QueueBase):
    """``FIFOQueue(capacity, dtypes, shapes=None, names=None, shared_name=None)``."""

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        super().__init__(*_make("FIFOQueueV2", capacity, dtypes, shapes, names, shared_name, name))


class PaddingFIFOQueue(QueueBase):
    """A FIFOQueue whose ``shapes`` may leave dimensions None: ``dequeue_many`` pads
    them with zeros (empty strings) to the largest element of the batch."""

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"):
        super().__init__(*_make("PaddingFIFOQueueV2", capacity, dtypes, shapes, names, shared_name,
                                name, padding=True))


class RandomShuffleQueue(QueueBase):
    """Dequeues a random element, and only while more than ``min_after_dequeue`` remain
    (until the queue is closed), so elements are well mixed."""

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None,
                 shared_name=None, name="random_shuffle_queue"):
        seed1, seed2 = get_seed(seed)
        super().__init__(*_make("RandomShuffleQueueV2", capacity, dtypes, shapes, names, shared_name,
                                name, {"min_after_dequeue": int(min_after_dequeue), "seed": seed1,
                                       "seed2": seed2}))



class PriorityQueue(QueueBase):
    """Elements are (priority, *components of ``types``): the first component is an
    int64 scalar, and dequeues take the elements of lowest priority first (in the order
    they came for equal priorities). ``names``, if given, name every component, the
    priority included."""

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None,
                 name="priority_queue"):
        types = [dtypes.int64] + _as_list(types)
        if shapes is not None:
            shapes = [()] + list(_shape_list(shapes))
        super().__init__(*_make("PriorityQueueV2", capacity, types, shapes, names, shared_name,
                                name))
