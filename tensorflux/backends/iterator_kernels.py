"""The host kernels of the tf.data ops (``tensorflux.ops.dataset_ops``).

An iterator is a session resource, like a queue: the first run of its ``IteratorV2`` /
``OneShotIterator`` op creates it in that session, and ``MakeIterator`` (re)starts it
with a runtime pipeline built from the dataset's values of that run. Building a kernel
compiles the dataset's functions into sub-plans of the session, once per plan. The
kernels take and return host arrays wherever the ops are placed; the plan moves
``get_next()``'s values to the device of the ops that use them.
"""
from __future__ import annotations

import threading

import numpy as np

from tensorflux.backends.data_flow_kernels import _resource_handle, resource_kernel, resource_lookup
from tensorflux.core import errors


class IteratorResource:
    """The iterator of one session: the current pass over its pipeline."""

    def __init__(self, op):
        self.name = op.name
        self.types = tuple(op.attrs["output_types"])
        self.lock = threading.Lock()
        self.iterator = None

    def reset(self, iterator):
        old = self.iterator
        if old is not None:
            old.close()  # wakes a get_next waiting on the old pass
        with self.lock:
            self.iterator = iterator

    def get_next(self, op):
        with self.lock:
            iterator = self.iterator
            if iterator is None:
                raise errors.FailedPreconditionError(
                    None, op, "GetNext() failed because the iterator has not been initialized. "
                              "Ensure that you have run the initializer operation for this "
                              "iterator before getting the next element.")
            try:
                return next(iterator)
            except StopIteration:
                raise errors.OutOfRangeError(None, op, "End of sequence") from None

    def cancel(self):
        """The session is closing: stop the pass's threads."""
        iterator, self.iterator = self.iterator, None
        if iterator is not None:
            iterator.close()


def _env(op, ctx, dataset):
    from tensorflux.data.function import FunctionEnv, all_functions
    return FunctionEnv(ctx.session, op, all_functions(dataset), dataset.options())


def _start(dataset, env, values):
    return dataset._instantiate(iter(values), env)


def _make_iterator(op, ctx):
    dataset = op.attrs["dataset"]
    env = _env(op, ctx, dataset)
    find = resource_lookup(op, ctx)

    def run(handle, *values):
        resource = find(handle)
        resource.reset(_start(dataset, env, values).iterator())
    return run


def _one_shot_iterator(op, ctx):
    """Creates the iterator the first time it runs in a session: the dataset's tensors
    are computed then by a plan of their own (no feeds)."""
    from tensorflux.core.executor import compile_plan
    dataset = op.attrs["dataset"]
    env = _env(op, ctx, dataset)
    captures = dataset._captures()
    plan = compile_plan(ctx.session, captures, []) if captures else None
    key = op.attrs["shared_name"] or op.name
    handle = _resource_handle(key)
    resources, variables, lock = ctx.resources, ctx.session._variables, threading.Lock()

    def run():
        if key not in resources:
            with lock:
                if key not in resources:
                    values = plan.fn(variables) if plan is not None else ()
                    resource = IteratorResource(op)
                    resource.reset(_start(dataset, env, values).iterator())
                    resources.setdefault(key, resource)
        return handle
    run.plans = (plan,)  # alive while the kernel is: errors find it
    return run


def _shape_check(dims):
    """A test of an array's shape against a static shape tuple (None: unknown)."""
    if dims is None:
        return None
    if None not in dims:
        return lambda shape: shape == dims
    rank, rest = len(dims), dims[1:]
    if None not in rest:  # a batch: only the first dimension is unknown
        return lambda shape: len(shape) == rank and shape[1:] == rest
    return lambda shape: len(shape) == len(dims) and all(
        d is None or d == s for d, s in zip(dims, shape))


def _get_next(op, ctx):
    find = resource_lookup(op, ctx)
    types = tuple(op.attrs["output_types"])
    shapes = op.attrs["output_shapes"]
    checks = [(i, shapes[i], check) for i, check in enumerate(map(_shape_check, shapes))
              if check is not None]

    def run(handle):
        resource = find(handle)
        if resource.types != types:
            raise errors.InvalidArgumentError(
                None, op, f"The iterator {resource.name!r} produces elements of types "
                          f"{[t.name for t in resource.types]}, but {op.name!r} expects "
                          f"{[t.name for t in types]}")
        element = resource.get_next(op)
        element = tuple(v if type(v) is np.ndarray else np.asarray(v) for v in element)
        for i, dims, check in checks:
            if not check(element[i].shape):
                raise errors.InvalidArgumentError(
                    None, op, f"An element of shape {list(element[i].shape)} in component {i} "
                              f"does not match the iterator's shape "
                              f"{[-1 if d is None else d for d in dims]}")
        return element
    return run


def _to_string_handle(op, ctx):
    return lambda handle: handle


def _from_string_handle(op, ctx):
    find = resource_lookup(op, ctx)

    def run(handle):
        if not isinstance(find(handle), IteratorResource):
            raise errors.InvalidArgumentError(None, op, f"{handle[()]!r} is not an iterator handle")
        return handle
    return run


def _consume(op, ctx, finish, state_inputs=0):
    """A kernel that runs a whole pass over its dataset attr and returns ``finish``'s
    result of (runtime dataset, state values, the inputs after the dataset's)."""
    dataset = op.attrs["dataset"]
    f = op.attrs.get("f")
    functions = [f] if f is not None else []
    from tensorflux.data.function import FunctionEnv, all_functions
    env = FunctionEnv(ctx.session, op, all_functions(dataset) + functions, dataset.options())
    count = len(dataset._captures())

    def run(*inputs):
        state, rest = inputs[:state_inputs], inputs[state_inputs:]
        runtime = _start(dataset, env, rest[:count])
        return finish(op, env, runtime, state, rest[count:])
    return run


def _single_element(op, env, runtime, state, extra):
    iterator = runtime.iterator()
    try:
        try:
            element = next(iterator)
        except StopIteration:
            raise errors.InvalidArgumentError(None, op, "Dataset was empty.") from None
        try:
            next(iterator)
        except StopIteration:
            return element
        raise errors.InvalidArgumentError(None, op, "Dataset had more than one element.")
    finally:
        iterator.close()


def _reduce(op, env, runtime, state, extra):
    fn = env.bind(op.attrs["f"], extra)
    iterator = runtime.iterator()
    try:
        for element in iterator:
            state = fn(*state, *element)
    finally:
        iterator.close()
    return tuple(state)


def _cardinality(op, env, runtime, state, extra):
    return np.array(runtime.cardinality(), dtype=np.int64)


KERNELS = {
    "IteratorV2": resource_kernel(lambda op, ctx: IteratorResource(op)),
    "OneShotIterator": _one_shot_iterator,
    "MakeIterator": _make_iterator,
    "IteratorGetNext": _get_next,
    "IteratorToStringHandle": _to_string_handle,
    "IteratorFromStringHandleV2": _from_string_handle,
    "DatasetToSingleElement": lambda op, ctx: _consume(op, ctx, _single_element),
    "ReduceDataset": lambda op, ctx: _consume(op, ctx, _reduce,
                                              len(op.attrs["output_types"])),
    "DatasetCardinality": lambda op, ctx: _consume(op, ctx, _cardinality),
}
