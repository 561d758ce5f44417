"""``tf.variable_scope`` and ``tf.get_variable``: named, shareable variables.

Rules (TF1): ``get_variable`` names a variable by the variable scope, ignoring name
scopes. Creating an existing variable without reuse, or reusing a missing one, raises
ValueError. ``reuse=True`` is inherited and cannot be turned off inside; ``AUTO_REUSE``
creates or reuses. Each entry of a variable scope by name opens a fresh name scope
(``relu``, ``relu_1``, ...) for the other ops created inside. Default names of subscopes
(``dense``, ``dense_1``) are unique until the enclosing scope, entered by name, is left:
entering it again starts from ``dense`` (so a layer or RNN cell rebuilt there with
``reuse=True`` finds its variables).
"""
from __future__ import annotations

import enum

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, Graph, get_default_graph
from tensorflux.core.shapes import as_shape
from tensorflux.ops import init_ops
from tensorflux.ops.variables import Variable


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """A named context for get_variable: name, reuse flag and defaults."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None):
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._name_scope = name_scope
        self._dtype = dtypes.as_dtype(dtype)
        self._custom_getter = custom_getter
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    dtype = property(lambda self: self._dtype)
    custom_getter = property(lambda self: self._custom_getter)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self):
        """From now on, get_variable in this scope reuses existing variables."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def set_regularizer(self, regularizer):
        self._regularizer = regularizer

    def set_dtype(self, dtype):
        self._dtype = dtypes.as_dtype(dtype)

    def get_variable(self, name, shape=None, dtype=None, initializer=None, regularizer=None,
                     trainable=True, collections=None, validate_shape=True, **kwargs):
        return _get_variable(self, name, shape, dtype, initializer, regularizer, trainable,
                             collections, validate_shape)

    def __repr__(self):
        return f"<VariableScope name={self._name!r} reuse={self._reuse}>"


def _current(graph: Graph) -> VariableScope:
    tls = graph._tls()
    if tls.var_scope is None:
        tls.var_scope = VariableScope(False)
    return tls.var_scope


def get_variable_scope() -> VariableScope:
    return _current(get_default_graph())


class variable_scope:  # noqa: N801 - TF1 name, used as a context manager
    """Open a variable scope (and, normally, a matching name scope)."""

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True):
        if name_or_scope is None and default_name is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse not in (None, True, False, AUTO_REUSE):
            raise ValueError(f"reuse must be None, True, False or tf.AUTO_REUSE, got {reuse!r}")
        if name_or_scope is None and reuse is True:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._dtype = dtype
        self._custom_getter = custom_getter
        self._aux = auxiliary_name_scope
        self._graph = None

    def __enter__(self) -> VariableScope:
        graph = get_default_graph()
        for v in self._values or ():
            g = getattr(v, "graph", None)
            if isinstance(g, Graph):
                graph = g
                break
        self._graph = graph
        self._graph_ctx = graph.as_default()
        self._graph_ctx.__enter__()
        parent = _current(graph)
        counts = graph._variable_scope_counts
        scope = self._name_or_scope
        if isinstance(scope, VariableScope):
            new_name = scope.name
            name_scope_name = scope.original_name_scope
            reuse = True if (self._reuse is True or parent.reuse is True or scope.reuse is True) else (
                AUTO_REUSE if AUTO_REUSE in (self._reuse, parent.reuse, scope.reuse) else False)
            base = scope
            # Default names of subscopes restart inside a re-entered scope object.
            self._saved_counts = dict(counts)
            prefix = new_name + "/"
            for k in [k for k in counts if k.startswith(prefix)]:
                counts[k] = 0
        else:
            if scope is None:
                scope = self._unique_default(graph, parent, self._default_name)
            new_name = f"{parent.name}/{scope}" if parent.name else scope
            name_scope_name = None
            if parent.reuse is True or self._reuse is True:
                reuse = True
            elif AUTO_REUSE in (parent.reuse, self._reuse):
                reuse = AUTO_REUSE
            else:
                reuse = False
            base = parent
            self._saved_counts = None
        counts[new_name] = counts.get(new_name, 0) + 1
        self._new_name = new_name

        if self._aux:
            if name_scope_name is not None:
                ns = name_scope_name if name_scope_name else None
                self._name_ctx = graph.name_scope(ns)
            else:
                self._name_ctx = graph.name_scope(scope if isinstance(scope, str) else None)
            opened = self._name_ctx.__enter__()
        else:
            self._name_ctx = None
            opened = base.original_name_scope if isinstance(scope, VariableScope) else (
                graph.get_name_scope() + "/" if graph.get_name_scope() else "")
        new = VariableScope(
            reuse, new_name,
            initializer=self._initializer if self._initializer is not None else base.initializer,
            regularizer=self._regularizer if self._regularizer is not None else base.regularizer,
            name_scope=opened, dtype=self._dtype or base.dtype,
            custom_getter=self._custom_getter or base.custom_getter)
        tls = graph._tls()
        self._old_scope = tls.var_scope
        tls.var_scope = new
        return new

    @staticmethod
    def _unique_default(graph, parent, prefix):
        counts = graph._variable_scope_counts
        full = f"{parent.name}/{prefix}" if parent.name else prefix
        if not counts.get(full):
            return prefix
        i = 1
        while counts.get(f"{full}_{i}"):
            i += 1
        return f"{prefix}_{i}"

    def __exit__(self, *exc):
        graph = self._graph
        graph._tls().var_scope = self._old_scope
        counts = graph._variable_scope_counts
        if self._saved_counts is not None:
            counts.clear()
            counts.update(self._saved_counts)
        else:  # as TF1: leaving a scope by name frees its subscopes' default names
            for k in [k for k in counts if k.startswith(self._new_name + "/")]:
                counts[k] = 0
        if self._name_ctx is not None:
            self._name_ctx.__exit__(*exc)
        self._graph_ctx.__exit__(*exc)
        return False


def _default_initializer(name, dtype):
    if dtype.is_floating:
        return init_ops.GlorotUniform()
    if dtype.is_integer or dtype.is_bool or dtype.is_unsigned:
        return init_ops.Zeros()
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


def _get_variable(scope, name, shape, dtype, initializer, regularizer, trainable,
                  collections, validate_shape):
    graph = get_default_graph()
    full = f"{scope.name}/{name}" if scope.name else name
    store = graph._variable_store
    reuse = scope.reuse
    if full in store:
        if reuse is not True and reuse is not AUTO_REUSE:
            var = store[full]
            where = f" Originally defined at:\n  {var.op.location}" if var.op.location else ""
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             f"reuse=True or reuse=tf.AUTO_REUSE in VarScope?{where}")
        var = store[full]
        if shape is not None and not var.shape.is_compatible_with(as_shape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape "
                             f"{as_shape(shape)} and found shape {var.shape}.")
        if dtype is not None and dtypes.as_dtype(dtype) != var.dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype "
                             f"{dtypes.as_dtype(dtype).name} and found dtype {var.dtype.name}.")
        return var
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         f"tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")

    dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
    initializer = initializer if initializer is not None else scope.initializer
    from tensorflux.core.graph import Tensor
    import numpy as np
    if isinstance(initializer, (Tensor, np.ndarray, np.generic, int, float, list)):
        if shape is not None and isinstance(initializer, Tensor):
            raise ValueError("If initializer is a constant, do not specify shape.")
        init_value = initializer
        if isinstance(initializer, Tensor):
            dtype = initializer.dtype
        init_fn = (lambda: init_value) if isinstance(initializer, Tensor) else None
        initial = init_fn if init_fn else (lambda: _const_init(init_value, dtype))
    else:
        if shape is None or not as_shape(shape).is_fully_defined():
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             f"instead was {as_shape(shape) if shape is not None else '<unknown>'}.")
        shape = as_shape(shape).as_list()
        if initializer is None:
            initializer = _default_initializer(full, dtype)
        if isinstance(initializer, type):
            initializer = initializer(dtype=dtype)

        def initial():
            return initializer(shape, dtype=dtype)

    with graph.name_scope(None):
        var = Variable(initial_value=initial, trainable=trainable, collections=collections,
                       name=full, dtype=dtype, validate_shape=validate_shape)
    store[full] = var
    regularizer = regularizer if regularizer is not None else scope.regularizer
    if regularizer is not None:
        # outside any cond branch or loop body the variable is first created in, as TF1
        with graph.control_dependencies(None), graph.name_scope(None), \
                graph.name_scope(full + "/Regularizer/"):
            loss = regularizer(var)  # the variable itself, as TF1 (max-norm assigns to it)
        if loss is not None:
            graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


def _const_init(value, dtype):
    from tensorflux.ops.constant_op import constant
    return constant(value, dtype=dtype)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=True, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 **kwargs):
    """Get an existing variable ``<scope>/<name>`` or create a new one (see module doc)."""
    scope = get_variable_scope()
    getter = custom_getter or scope.custom_getter

    def true_getter(name, shape=None, dtype=None, initializer=None, regularizer=None,
                    trainable=True, collections=None, validate_shape=True, **kw):
        return _get_variable(scope, name, shape, dtype, initializer, regularizer, trainable,
                             collections, validate_shape)

    args = dict(shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                trainable=trainable, collections=collections, validate_shape=validate_shape)
    if getter is not None:
        return getter(true_getter, name, **args)
    return true_getter(name, **args)
