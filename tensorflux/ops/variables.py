"""``tf.Variable`` and the functions that collect and initialize variables.

A variable ``x`` is four ops, named as in TF1: ``x`` (VariableV2, the slot),
``x/initial_value`` (or ``x/Initializer/...``), ``x/Assign`` (its initializer) and
``x/read`` (the value other ops consume).
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import (GraphKeys, Tensor, get_default_graph, name_scope)
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor


class Variable:
    """A tensor whose value persists across ``Session.run`` calls, in each session."""

    def __init__(self, initial_value=None, trainable=True, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None):
        if variable_def is not None:
            self._init_from_graph(variable_def)
            return
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if not isinstance(collections, (list, tuple, set)):
            raise ValueError(f"collections argument to Variable constructor must be a list, "
                             f"tuple, or set. Got {collections!r}")
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        from_fn = callable(initial_value)
        values = [] if from_fn else [initial_value]
        # Like TF1's init_scope: a variable and its initializer never inherit the control
        # dependencies of the block they are created in.
        with get_default_graph().control_dependencies(None), \
                name_scope(name, "Variable", values) as scope_name:
            graph = get_default_graph()
            if from_fn:
                with graph.name_scope("Initializer"):
                    value = convert_to_tensor(initial_value(), name="initial_value", dtype=dtype)
            else:
                value = convert_to_tensor(initial_value, name="initial_value", dtype=dtype)
            if isinstance(initial_value, Tensor) and dtype is not None and value.dtype != dtypes.as_dtype(dtype):
                raise TypeError(f"Variable {scope_name[:-1]}: initial value has dtype "
                                f"{value.dtype.name}, not {dtypes.as_dtype(dtype).name}")
            shape = value.shape if validate_shape else TensorShape(None)
            if validate_shape and not shape.is_fully_defined():
                raise ValueError(f"initial_value of variable {scope_name[:-1]!r} must have a "
                                 f"fully defined shape when validate_shape=True, got {shape}")
            self._variable = graph.create_op(
                "VariableV2", [], {"shape": shape, "dtype": value.dtype}, name=scope_name)._outputs[0]
            self._initial_value = value
            self._initializer_op = graph.create_op(
                "Assign", [self._variable, value], {"validate_shape": validate_shape},
                name="Assign")
            self._snapshot = graph.create_op("Identity", [self._variable], name="read")._outputs[0]
        self._trainable = trainable
        self._constraint = constraint
        self._caching_device = caching_device
        self._save_slice_info = None
        for key in collections:
            graph.add_to_collection(key, self)

    def _init_from_graph(self, parts):
        """Rebuild a Variable object around existing ops (used by graph import)."""
        graph = get_default_graph()
        self._variable = graph.get_tensor_by_name(parts["variable_name"])
        self._initializer_op = graph.get_operation_by_name(parts["initializer_name"])
        self._snapshot = graph.get_tensor_by_name(parts["snapshot_name"])
        self._initial_value = (graph.get_tensor_by_name(parts["initial_value_name"])
                               if parts.get("initial_value_name") else None)
        self._trainable = parts.get("trainable", True)
        self._constraint = None
        self._caching_device = None
        self._save_slice_info = None

    # --- what it is --------------------------------------------------------------------
    name = property(lambda self: self._variable.name)
    op = property(lambda self: self._variable.op)
    dtype = property(lambda self: self._variable.dtype)
    graph = property(lambda self: self._variable.graph)
    device = property(lambda self: self._variable.device)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    constraint = property(lambda self: self._constraint)

    @property
    def shape(self) -> TensorShape:
        return self._variable.shape

    def get_shape(self) -> TensorShape:
        return self._variable.shape

    def set_shape(self, shape):
        self._variable.set_shape(shape)
        self._snapshot.set_shape(shape)

    def _as_graph_element(self):
        return self._variable

    def _as_tensor(self):
        return self._snapshot

    def value(self) -> Tensor:
        """The tensor other ops read (``<name>/read``)."""
        return self._snapshot

    def read_value(self) -> Tensor:
        return self.graph.create_op("Identity", [self._variable], name="read")._outputs[0]

    def initialized_value(self):
        """The value, running the initializer first (for initializing other variables)."""
        from tensorflux.ops.array_ops import identity
        with self.graph.control_dependencies([self._initializer_op]):
            return identity(self._variable)

    # --- updates ---------------------------------------------------------------------
    def _update(self, op_type, value, name, read_value=True):
        with self.graph.as_default():
            value = convert_to_tensor(value, dtype=self.dtype)
            attrs = {"use_locking": False} if op_type != "Assign" else None
            op = self.graph.create_op(op_type, [self._variable, value], attrs,
                                      name=name or op_type)
            return op._outputs[0] if read_value else op

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._update("Assign", value, name, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignAdd", delta, name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._update("AssignSub", delta, name, read_value)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Set the value in ``session`` (or the default one) without adding ops."""
        from tensorflux.core.session import get_default_session
        session = session or get_default_session()
        if session is None:
            raise ValueError(f"Either session argument should be provided or a default "
                             f"session should be established to load {self.name}")
        session.run(self._initializer_op, {self._initializer_op.inputs[1]: value})

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype.name}>")

    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError("Using a tf.Variable as a Python `bool` is not allowed.")

    def __iter__(self):
        raise TypeError(f"Variable {self.name} is not iterable.")


def _forward_operator(name):
    def method(self, *args):
        return getattr(self._snapshot, name)(*args)
    method.__name__ = name
    return method


for _op_name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
                 "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
                 "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
                 "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__rand__",
                 "__or__", "__ror__", "__xor__", "__rxor__", "__invert__", "__getitem__"):
    setattr(Variable, _op_name, _forward_operator(_op_name))
Variable.__array_priority__ = 100


# --- collecting and initializing ----------------------------------------------------------
def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of ``var_list``."""
    from tensorflux.ops.control_flow_ops import group, no_op
    if var_list:
        return group(*[v.initializer for v in var_list], name=name)
    return no_op(name=name)


def global_variables_initializer():
    """An op that initializes every global variable (build it after creating them)."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


def is_variable_initialized(variable):
    graph = variable.graph
    return graph.create_op("IsVariableInitialized", [variable._variable],
                           name="IsVariableInitialized")._outputs[0]


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor with the names of the variables that have no value yet."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    names = tuple(v.op.name for v in var_list)
    return get_default_graph().create_op("ReportUninitializedVariables", [],
                                         {"var_names": names}, name=name)._outputs[0]


def assert_variables_initialized(var_list=None):
    return report_uninitialized_variables(var_list)


def ref_tensor(ref, what):
    """The VariableV2 output that ``ref`` names, as TF1 accepts a ref: a tf.Variable, or
    the variable's own output tensor (``get_tensor_by_name("hidden1/kernel:0")``).
    Anything else (a value such as ``kernel/read:0``) is refused with a TypeError."""
    if isinstance(ref, Variable):
        return ref._variable
    if isinstance(ref, Tensor) and ref.op.type == "VariableV2":
        return ref
    found = f"tensor {ref.name} (op {ref.op.type})" if isinstance(ref, Tensor) else repr(ref)
    raise TypeError(f"{what} needs a variable: a tf.Variable or its ref tensor (the output "
                    f"of the variable op itself, such as 'w:0'), got {found}")


def variable_of(ref, what):
    """The tf.Variable object for a Variable or its ref tensor (looked up among the
    graph's variable collections), for APIs that need more than the ref (optimizers)."""
    if isinstance(ref, Variable):
        return ref
    tensor = ref_tensor(ref, what)
    graph = tensor.graph
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES,
                GraphKeys.TRAINABLE_VARIABLES, GraphKeys.MODEL_VARIABLES):
        for v in graph.get_collection(key):
            if isinstance(v, Variable) and v._variable is tensor:
                return v
    raise ValueError(f"{what}: the variable of ref tensor {tensor.name} is in no variable "
                     f"collection of its graph, so it cannot be found")


def _assign(op_type, ref, value, name, **attrs):
    ref = ref_tensor(ref, op_type)
    graph = ref.graph
    with graph.as_default():
        value = convert_to_tensor(value, dtype=ref.dtype)
        return graph.create_op(op_type, [ref, value], attrs or None,
                               name=name or op_type)._outputs[0]


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """An op that sets ``ref`` (a variable or its ref tensor) to ``value`` and outputs
    the new value."""
    attrs = {} if validate_shape is None else {"validate_shape": bool(validate_shape)}
    return _assign("Assign", ref, value, name, **attrs)


def assign_add(ref, value, use_locking=None, name=None):
    return _assign("AssignAdd", ref, value, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _assign("AssignSub", ref, value, name)
