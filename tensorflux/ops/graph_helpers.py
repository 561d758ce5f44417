"""Smaller top-level names of TF1: scopes, seeds, static values, enums and the table and
local-variable initializers."""
from __future__ import annotations

import contextlib
import enum

import numpy as np

from tensorflux.core.graph import (GraphKeys, Tensor, device, get_collection,
                                   get_default_graph, name_scope)
from tensorflux.core.shapes import Dimension, as_shape
from tensorflux.ops.random_ops import DEFAULT_GRAPH_SEED
from tensorflux.ops.shape_fns import constant_value

_MAXINT32 = 2 ** 31 - 1


def get_seed(op_seed):
    """TF1's (graph seed, op seed) for an op given ``op_seed``: (None, None) when neither
    the graph nor the op has a seed; never (0, 0), which would mean "random"."""
    graph_seed = get_default_graph().seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = get_default_graph()._last_id
        seeds = (int(graph_seed) % (_MAXINT32 + 1), int(op_seed) % (_MAXINT32 + 1))
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed) % (_MAXINT32 + 1))
    else:
        return None, None
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


def no_regularizer(_):
    """A regularizer that adds nothing (use it to turn off a scope's default)."""
    return None


@contextlib.contextmanager
def init_scope():
    """Create ops outside the enclosing control dependencies (as variable initializers
    are), like TF1's init_scope in graph mode."""
    with get_default_graph().control_dependencies(None):
        yield


@contextlib.contextmanager
def container(container_name):
    """Accepted for TF1 code: each Session keeps its own state, so resource containers
    have nothing to separate."""
    yield container_name


@contextlib.contextmanager
def colocate_with(op, ignore_existing=False):
    """Create ops on the device of ``op`` (a Tensor, Operation or Variable)."""
    target = getattr(op, "op", op)
    spec = getattr(target, "device", "") or None
    if ignore_existing or spec:
        with device(spec):
            yield
    else:
        yield


def op_scope(values, name, default_name=None):
    """TF1's deprecated spelling of ``name_scope(name, default_name, values)``."""
    return name_scope(name, default_name, values)


def variable_op_scope(values, name_or_scope, default_name=None, initializer=None,
                      regularizer=None, caching_device=None, partitioner=None,
                      custom_getter=None, reuse=None, dtype=None, use_resource=None,
                      constraint=None):
    """TF1's deprecated spelling of ``variable_scope(name_or_scope, default_name, values)``."""
    from tensorflux.ops.variable_scope import variable_scope
    return variable_scope(name_or_scope, default_name, values, initializer=initializer,
                          regularizer=regularizer, caching_device=caching_device,
                          partitioner=partitioner, custom_getter=custom_getter, reuse=reuse,
                          dtype=dtype, use_resource=use_resource, constraint=constraint)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None, partitioner=None,
                       validate_shape=True, use_resource=None, custom_getter=None,
                       constraint=None):
    """``get_variable`` for a non-trainable variable in LOCAL_VARIABLES."""
    from tensorflux.ops.variable_scope import get_variable
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, False, collections,
                        caching_device, partitioner, validate_shape, use_resource,
                        custom_getter, constraint)


def moving_average_variables(scope=None):
    """The variables an ExponentialMovingAverage maintains averages for."""
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def tables_initializer(name="init_all_tables"):
    """One op running every initializer in the TABLE_INITIALIZERS collection."""
    from tensorflux.ops.control_flow_ops import group, no_op
    initializers = get_collection(GraphKeys.TABLE_INITIALIZERS)
    return group(*initializers, name=name) if initializers else no_op(name=name)


def is_tensor(x):
    """Whether ``x`` is a Tensor or tensor-like (a Variable)."""
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def is_symbolic_tensor(tensor):
    """Whether ``tensor`` is a graph tensor (every Tensor is, there being no eager ones)."""
    return is_tensor(tensor)


def get_static_value(tensor, partial=False):
    """The value of ``tensor`` when it is known while building the graph, else None;
    non-tensors are returned as they are."""
    if not is_tensor(tensor):
        return tensor
    value = constant_value(tensor._as_tensor() if hasattr(tensor, "_as_tensor") else tensor)
    return None if value is None else np.array(value)


def dimension_at_index(shape, index):
    """The Dimension at ``index`` of a shape (unknown when the rank is unknown)."""
    shape = as_shape(shape)
    if shape.ndims is None:
        return Dimension(None)
    return Dimension(shape.as_tuple()[index])


class AggregationMethod:
    """How tf.gradients sums the gradients reaching one tensor (tensorflux adds them)."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class VariableSynchronization(enum.Enum):
    """Accepted by Variable and get_variable; one process has nothing to synchronize."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """Accepted by Variable and get_variable; one process has no replicas to aggregate."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


def assert_global_step(global_step_tensor):
    """Raise TypeError unless ``global_step_tensor`` is an integer scalar Variable or
    Tensor (TF1's checks and messages)."""
    if not is_tensor(global_step_tensor):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: '
                        f"{global_step_tensor}.")
    if not global_step_tensor.dtype.is_integer:
        raise TypeError(f'Existing "global_step" does not have integer type: '
                        f"{global_step_tensor.dtype}")
    shape = global_step_tensor.shape
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')
