"""``tf.train`` input producers and batching, on queues and queue runners (TF1).

Each producer fills a queue from a QueueRunner registered in the graph's
``QUEUE_RUNNERS`` collection, and adds a summary of how full the queue is, as TF1 does;
``tf.train.start_queue_runners`` (or a MonitoredSession) starts the threads.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, Tensor, control_dependencies, name_scope
from tensorflux.core.shapes import TensorShape, as_shape
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.data_flow_ops import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue, count_up_to
from tensorflux.ops.random_ops import random_shuffle
from tensorflux.ops.shape_fns import constant_value
from tensorflux.ops.sparse_tensor import SparseTensor
from tensorflux.ops.summary_ops import scalar as summary_scalar
from tensorflux.training.queue_runner import QueueRunner, add_queue_runner


def limit_epochs(tensor, num_epochs=None, name=None):
    """``tensor``, but after ``num_epochs`` evaluations an OutOfRangeError (a local
    ``epochs`` counter variable; run ``local_variables_initializer`` first)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    from tensorflux.ops.variables import Variable
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        zero64 = np.zeros((), np.int64)
        epochs = Variable(zero64, name="epochs", trainable=False,
                          collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with control_dependencies([counter]):
            return array_ops.identity(tensor, name=scope)


def _fraction_full(queue, capacity):
    return math_ops.cast(queue.size(), dtypes.float32) * (1.0 / capacity)


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None,
                   capacity=32, shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A queue filled with the rows of ``input_tensor``, ``num_epochs`` times (forever
    when None), shuffled each epoch if ``shuffle``."""
    with name_scope(name, "input_producer", [input_tensor]) as scope:
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        rows = input_tensor.shape[1:] if input_tensor.shape.ndims else TensorShape(None)
        element_shape = rows.merge_with(as_shape(element_shape)) if element_shape is not None else rows
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or "
                             "`element_shape` must be specified")
        if shuffle:
            input_tensor = random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        queue = FIFOQueue(capacity, [input_tensor.dtype], shapes=[element_shape],
                          shared_name=shared_name, name=scope)
        enqueue = queue.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(queue, [enqueue], cancel_op=cancel_op))
        if summary_name is not None:
            summary_scalar(summary_name, _fraction_full(queue, capacity))
        return queue


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32,
                          shared_name=None, name=None, cancel_op=None):
    """A queue of the strings (usually file names) for a reader."""
    if isinstance(string_tensor, Tensor):
        known = constant_value(string_tensor)
    else:
        known = string_tensor if isinstance(string_tensor, (list, tuple, np.ndarray)) else None
    if known is not None and np.size(known) == 0:
        raise ValueError("string_input_producer requires a non-null input tensor")
    with name_scope(name, "input_producer", [string_tensor]) as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        return input_producer(string_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              f"fraction_of_{capacity}_full", scope, cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """A queue of the integers 0 .. limit-1 (int32)."""
    with name_scope(name, "input_producer", [limit]) as scope:
        return input_producer(array_ops.range(limit), [], num_epochs, shuffle, seed, capacity,
                              shared_name, f"fraction_of_{capacity}_full", scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """One row of each tensor at a time (the same row of all of them)."""
    with name_scope(name, "input_producer", tensor_list) as scope:
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        sizes = {t.shape.as_tuple()[0] for t in tensor_list if t.shape.ndims}
        if len(sizes) > 1:
            raise ValueError(f"slice_input_producer: the tensors have different first dimensions {sorted(sizes)}")
        size = array_ops.shape(tensor_list[0])[0]
        queue = range_input_producer(size, num_epochs, shuffle, seed, capacity, shared_name, scope)
        index = queue.dequeue()
        return [array_ops.gather(t, index) for t in tensor_list]


# --- batching ---------------------------------------------------------------------------------
def _flatten(tensors):
    """(list of tensors, how to rebuild the caller's structure from dequeued tensors)."""
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [tensors[k] for k in keys], lambda out: dict(zip(keys, out))
    if isinstance(tensors, (list, tuple)):
        single = len(tensors) == 1
        return list(tensors), lambda out: out[0] if single else list(out)
    return [tensors], lambda out: out[0]


def _tensors(values):
    out = []
    for v in values:
        if isinstance(v, SparseTensor):
            raise TypeError("Batching SparseTensors through queues is not supported; batch "
                            "the serialized records and parse them after batching")
        out.append(convert_to_tensor(v))
    if not out:
        raise ValueError("Expected at least one tensor to batch")
    return out


def _shapes(tensor_lists, shapes, enqueue_many, allow_unknown):
    if shapes is not None:
        return [as_shape(s) for s in shapes]
    merged = []
    for i, first in enumerate(tensor_lists[0]):
        shape = TensorShape(None)
        for tl in tensor_lists:
            s = tl[i].shape
            if enqueue_many:
                if s.ndims == 0:
                    raise ValueError(f"enqueue_many=True needs a batch dimension; tensor {tl[i].name} is a scalar")
                s = s[1:] if s.ndims is not None else s
            shape = shape.merge_with(s)
        if not allow_unknown and not shape.is_fully_defined():
            raise ValueError(f"All shapes must be fully defined: {shape} for tensor {first.name} "
                             f"(pass shapes=, or dynamic_pad=True to pad unknown dimensions)")
        merged.append(shape)
    return merged


def _kept(tensors, keep_input, enqueue_many):
    """The rows of ``tensors`` to enqueue (with a batch dimension): all of them if
    ``keep_input`` is None, else those it selects. A scalar ``keep_input`` keeps or drops
    the whole input; with ``enqueue_many`` a vector picks rows."""
    if keep_input is None:
        return tensors
    from tensorflux.ops.manip_ops import boolean_mask
    keep = convert_to_tensor(keep_input, dtype=dtypes.bool_, name="keep_input")
    rank = keep.shape.ndims
    if rank is None or rank > 1 or (rank == 1 and not enqueue_many):
        raise ValueError(f"`keep_input` must be a scalar{' or a vector' if enqueue_many else ''}"
                         f", got shape {keep.shape} ({keep.name})")
    if not enqueue_many:
        tensors = [array_ops.expand_dims(t, 0) for t in tensors]
    if rank == 0:
        keep = array_ops.fill(array_ops.shape(tensors[0])[:1], keep)
    return [boolean_mask(t, keep) for t in tensors]


def _batch(tensor_lists, structure, queue, batch_size, enqueue_many, allow_smaller_final_batch,
           name, summary, keep_input=None):
    if keep_input is not None:
        tensor_lists = [_kept(tl, keep_input, enqueue_many) for tl in tensor_lists]
        enqueue_many = True
    enqueue_ops = [(queue.enqueue_many if enqueue_many else queue.enqueue)(tl) for tl in tensor_lists]
    add_queue_runner(QueueRunner(queue, enqueue_ops))
    summary_scalar(*summary)
    dequeue = queue.dequeue_up_to if allow_smaller_final_batch else queue.dequeue_many
    out = dequeue(batch_size, name=name)
    return structure(out if isinstance(out, list) else [out])


def _join(tensors_list, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
          allow_smaller_final_batch, shared_name, name, default_name, shuffle=None,
          keep_input=None):
    flat = [_flatten(t) for t in tensors_list]
    structure = flat[0][1]
    with name_scope(name, default_name) as scope:
        lists = [_tensors(f[0]) for f in flat]
        if len({len(tl) for tl in lists}) != 1:
            raise ValueError("Every element of tensors_list must have the same number of tensors")
        types = [t.dtype for t in lists[0]]
        for tl in lists[1:]:
            if [t.dtype for t in tl] != types:
                raise TypeError(f"Every element of tensors_list must have the same dtypes: "
                                f"{[t.name for t in types]} vs {[t.dtype.name for t in tl]}")
        shapes = _shapes(lists, shapes, enqueue_many, dynamic_pad)
        if shuffle is None:
            queue = (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(
                capacity, types, shapes=shapes, shared_name=shared_name)
            summary = (f"fraction_of_{capacity}_full", _fraction_full(queue, capacity))
        else:
            min_after, seed = shuffle
            queue = RandomShuffleQueue(capacity, min_after, types, shapes=shapes, seed=seed,
                                       shared_name=shared_name)
            room = capacity - min_after
            full = math_ops.maximum(0, queue.size() - min_after)
            summary = (f"fraction_over_{min_after}_of_{room}_full",
                       math_ops.cast(full, dtypes.float32) * (1.0 / room))
        return _batch(lists, structure, queue, batch_size, enqueue_many,
                      allow_smaller_final_batch, scope, summary, keep_input)


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
          dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of ``batch_size`` of ``tensors`` (a list or dict), filled by
    ``num_threads`` threads; ``dynamic_pad`` pads dimensions of unknown size."""
    return _join([tensors] * num_threads, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                 allow_smaller_final_batch, shared_name, name, "batch")


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None,
               dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches mixing several lists of tensors, one enqueueing thread per list."""
    return _join(tensors_list, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                 allow_smaller_final_batch, shared_name, name, "batch_join")


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None,
                  enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """Batches drawn at random from a RandomShuffleQueue holding at least
    ``min_after_dequeue`` elements (until the input ends)."""
    _check_shuffle(capacity, min_after_dequeue)
    return _join([tensors] * num_threads, batch_size, capacity, enqueue_many, shapes, False,
                 allow_smaller_final_batch, shared_name, name, "shuffle_batch",
                 shuffle=(min_after_dequeue, seed))


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None,
                       enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    """shuffle_batch with one enqueueing thread per list of tensors."""
    _check_shuffle(capacity, min_after_dequeue)
    return _join(tensors_list, batch_size, capacity, enqueue_many, shapes, False,
                 allow_smaller_final_batch, shared_name, name, "shuffle_batch_join",
                 shuffle=(min_after_dequeue, seed))


def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32, enqueue_many=False,
                shapes=None, dynamic_pad=False, allow_smaller_final_batch=False,
                shared_name=None, name=None):
    """``batch`` of only the inputs ``keep_input`` selects (a bool scalar, or with
    ``enqueue_many`` a bool vector over the rows)."""
    return _join([tensors] * num_threads, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                 allow_smaller_final_batch, shared_name, name, "batch", keep_input=keep_input)


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False,
                     shapes=None, dynamic_pad=False, allow_smaller_final_batch=False,
                     shared_name=None, name=None):
    """``batch_join`` of only the inputs ``keep_input`` selects."""
    return _join(tensors_list, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                 allow_smaller_final_batch, shared_name, name, "batch_join",
                 keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input,
                        num_threads=1, seed=None, enqueue_many=False, shapes=None,
                        allow_smaller_final_batch=False, shared_name=None, name=None):
    """``shuffle_batch`` of only the inputs ``keep_input`` selects."""
    _check_shuffle(capacity, min_after_dequeue)
    return _join([tensors] * num_threads, batch_size, capacity, enqueue_many, shapes, False,
                 allow_smaller_final_batch, shared_name, name, "shuffle_batch",
                 shuffle=(min_after_dequeue, seed), keep_input=keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, keep_input,
                             seed=None, enqueue_many=False, shapes=None,
                             allow_smaller_final_batch=False, shared_name=None, name=None):
    """``shuffle_batch_join`` of only the inputs ``keep_input`` selects."""
    _check_shuffle(capacity, min_after_dequeue)
    return _join(tensors_list, batch_size, capacity, enqueue_many, shapes, False,
                 allow_smaller_final_batch, shared_name, name, "shuffle_batch_join",
                 shuffle=(min_after_dequeue, seed), keep_input=keep_input)


def _check_shuffle(capacity, min_after_dequeue):
    if min_after_dequeue >= capacity:
        raise ValueError(f"capacity ({capacity}) must be larger than min_after_dequeue "
                         f"({min_after_dequeue})")

