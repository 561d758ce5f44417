"""``tf.nn.rnn_cell`` / ``tf.contrib.rnn``: RNN cells with TF1's variables, names and
numbers.

A cell maps ``(inputs, state)`` to ``(output, new_state)`` for one time step. As in TF1,
a cell creates its variables lazily with ``tf.get_variable`` on its first call, in a
variable scope it captures then (``<current scope>/<cell name>``, the cell name being
the snake-cased class name: ``rnn/basic_lstm_cell/kernel``), and every later call reuses
them, so calling a cell once per step (``static_rnn``) or once inside a loop body
(``dynamic_rnn``) shares one set of weights. Kernels multiply the concatenation
``[inputs, state]``; LSTM gates are ordered i, j, f, o; kernels get the scope's or
``get_variable``'s default initializer (Glorot uniform), biases zeros (GRU gates: ones).
Cells use no Python control flow on tensor values, so they run inside loop bodies.
"""
from __future__ import annotations

import collections
import numbers
import re

from tensorflux.core import dtypes
from tensorflux.core.graph import Tensor, device, get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.core import nest
from tensorflux.ops import array_ops, init_ops, math_ops, nn_ops, random_ops
from tensorflux.ops.constant_op import constant, convert_to_tensor
from tensorflux.ops.shape_fns import constant_value
from tensorflux.ops.variable_scope import get_variable, get_variable_scope, variable_scope

_BIAS_NAME = "bias"
_KERNEL_NAME = "kernel"

_ACTIVATIONS = {"tanh": math_ops.tanh, "sigmoid": math_ops.sigmoid, "relu": nn_ops.relu,
                "elu": nn_ops.elu, "selu": nn_ops.selu, "softplus": nn_ops.softplus,
                "softsign": nn_ops.softsign, "linear": lambda x: x}


def _activation(activation):
    """A callable activation; ``None`` means tanh; strings are Keras's names."""
    if activation is None:
        return math_ops.tanh
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"Unknown activation function: {activation}")
        return _ACTIVATIONS[activation]
    return activation


def _snake_case(name):
    """TF1's layer base name: ``BasicLSTMCell`` -> ``basic_lstm_cell``."""
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name if name[0] != "_" else "private" + name


def assert_like_rnncell(cell_name, cell):
    """TypeError unless ``cell`` has what an RNN cell needs."""
    problems = [msg for ok, msg in (
        (hasattr(cell, "output_size"), "'output_size' property is missing"),
        (hasattr(cell, "state_size"), "'state_size' property is missing"),
        (hasattr(cell, "get_initial_state") or hasattr(cell, "zero_state"),
         "either 'zero_state' or 'get_initial_state' method is required"),
        (callable(cell), "is not callable")) if not ok]
    if problems:
        raise TypeError(f"The argument {cell_name!r} ({cell}) is not an RNNCell: "
                        f"{', '.join(problems)}.")


def _check_float(values):
    for t in nest.flatten(values):
        if not (t.dtype.is_floating or t.dtype.is_complex):
            raise ValueError(f"RNN cell only supports floating point inputs, but saw dtype: "
                             f"{t.dtype.name} ({t.name})")


def _zero_state(state_size, batch_size, dtype):
    """Zeros of shape [batch_size] + s for each size s in the (nested) state_size."""
    static_batch = int(batch_size) if isinstance(batch_size, numbers.Integral) else None
    if isinstance(batch_size, Tensor):
        value = constant_value(batch_size)
        static_batch = int(value) if value is not None else None
        batch = array_ops.reshape(batch_size, [1])
    else:
        batch = [int(batch_size)]

    def zeros(size):
        dims = TensorShape(size if isinstance(size, (list, TensorShape)) else [size]).as_list()
        if static_batch is not None:
            return array_ops.zeros([static_batch] + dims, dtype=dtype)
        out = array_ops.zeros(array_ops.concat([batch, dims], 0), dtype=dtype)
        out.set_shape([None] + dims)
        return out
    return nest.map_structure(zeros, state_size)


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM's state: the cell state ``c`` and the output ``h``, in that order."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype.name} vs {h.dtype.name}")
        return c.dtype


class RNNCell:
    """The cell interface: ``state_size``, ``output_size``, ``zero_state`` and
    ``__call__(inputs, state, scope=None) -> (output, new_state)``.

    Subclasses implement ``call(inputs, state)`` and may create their variables in
    ``build(inputs_shape)`` with ``add_variable`` or in ``call`` with ``tf.get_variable``;
    either way they are created on the first call and reused afterwards.
    """

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        self.trainable = trainable
        self._name = name
        self._base_name = name or _snake_case(type(self).__name__)
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._reuse = _reuse
        self._scope = None           # the variable scope captured by the first call
        self.built = False
        self._trainable_weights = []
        self._non_trainable_weights = []

    # --- what subclasses define ------------------------------------------------------------
    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def build(self, inputs_shape):
        self.built = True

    def call(self, inputs, state):
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, state)")

    # --- the layer machinery ----------------------------------------------------------------
    name = property(lambda self: self._name or self._base_name)
    dtype = property(lambda self: self._dtype)

    def __call__(self, inputs, state, scope=None):
        """One step: ``(output, new_state)``. The first call captures the variable scope
        (``scope``, else ``<current scope>/<cell name>``) and builds the variables there;
        later calls re-enter it with reuse, whatever scope they are made in."""
        graph = get_default_graph()
        if self._scope is None:
            outer = get_variable_scope().custom_getter
            with variable_scope(scope, default_name=self._base_name, reuse=self._reuse,
                                custom_getter=self._track_getter(outer)) as captured:
                self._scope = captured
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False), \
                graph.name_scope(self._scope.original_name_scope):
            flat = nest.flatten(inputs)
            if self._dtype is None and flat:
                self._dtype = convert_to_tensor(flat[0]).dtype
            if not self.built:
                first = convert_to_tensor(flat[0]) if flat else None
                self.build(first.shape if first is not None else TensorShape(None))
                self.built = True
            return self.call(inputs, state)

    def _track_getter(self, outer):
        """A custom getter that records the variables created or reused in the scope."""
        def getter(next_getter, name, *args, **kwargs):
            var = outer(next_getter, name, *args, **kwargs) if outer else next_getter(name, *args, **kwargs)
            lists = self._trainable_weights if var.trainable else self._non_trainable_weights
            if var not in lists:
                lists.append(var)
            return var
        return getter

    def add_variable(self, name, shape, dtype=None, initializer=None, trainable=None, **kwargs):
        """``tf.get_variable`` in the cell's scope, with the cell's dtype."""
        return get_variable(name, shape=shape, dtype=dtype or self._dtype, initializer=initializer,
                            trainable=self.trainable if trainable is None else trainable)

    add_weight = add_variable

    @property
    def trainable_weights(self):
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    # --- states ----------------------------------------------------------------------------
    def zero_state(self, batch_size, dtype):
        """Zero-filled state tensor(s) of shape [batch_size, s] for each s in state_size."""
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return _zero_state(self.state_size, batch_size, dtypes.as_dtype(dtype))

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs, name="inputs")
            dims = inputs.shape.as_tuple()
            if batch_size is not None and dims and dims[0] is not None and dims[0] != batch_size:
                raise ValueError(f"batch size from input tensor is different from the input "
                                 f"param. Input tensor batch: {dims[0]}, batch_size: {batch_size}")
            if dtype is not None and inputs.dtype != dtypes.as_dtype(dtype):
                raise ValueError(f"dtype from input tensor is different from the input param. "
                                 f"Input tensor dtype: {inputs.dtype.name}, dtype: {dtype}")
            batch_size = dims[0] if dims and dims[0] is not None else array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError(f"batch_size and dtype cannot be None while constructing initial "
                             f"state: batch_size={batch_size}, dtype={dtype}")
        return self.zero_state(batch_size, dtype)


class LayerRNNCell(RNNCell):
    """An RNNCell that creates its variables in ``build``."""


def _input_depth(cell, inputs_shape):
    dims = TensorShape(inputs_shape).as_tuple()
    if dims is not None and len(dims) != 2:
        raise ValueError(f"Input 0 of layer {cell.name} is incompatible with the layer: "
                         f"expected ndim=2, found ndim={len(dims)}. Full shape received: "
                         f"{list(dims)}")
    if dims is None or dims[-1] is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {TensorShape(inputs_shape)}")
    return dims[-1]


class BasicRNNCell(LayerRNNCell):
    """output = new_state = activation([inputs, state] @ kernel + bias)."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        self._kernel = self.add_variable(_KERNEL_NAME, [depth + self._num_units, self._num_units])
        self._bias = self.add_variable(_BIAS_NAME, [self._num_units],
                                       initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        _check_float([inputs, state])
        gates = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
        output = self._activation(nn_ops.bias_add(gates, self._bias))
        return output, output


class GRUCell(LayerRNNCell):
    """Gated recurrent unit (Cho et al. 2014) with TF1's layout: ``gates/kernel`` gives
    the reset and update gates r, u from [inputs, state]; ``candidate/kernel`` the
    candidate c from [inputs, r * state]; new_h = u * state + (1 - u) * c."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n, bias_init = self._num_units, self._bias_initializer
        self._gate_kernel = self.add_variable(f"gates/{_KERNEL_NAME}", [depth + n, 2 * n],
                                              initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable(
            f"gates/{_BIAS_NAME}", [2 * n],
            initializer=bias_init if bias_init is not None else init_ops.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable(f"candidate/{_KERNEL_NAME}", [depth + n, n],
                                                   initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable(
            f"candidate/{_BIAS_NAME}", [n],
            initializer=bias_init if bias_init is not None else init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        _check_float([inputs, state])
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, state], 1),
                                                self._gate_kernel), self._gate_bias)
        r, u = array_ops.split(math_ops.sigmoid(gates), 2, axis=1)
        candidate = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, r * state], 1),
                                                    self._candidate_kernel), self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


def _split_lstm_state(state, state_is_tuple, num_units, h_size):
    if state_is_tuple:
        c, h = state
        return c, h
    return (array_ops.slice(state, [0, 0], [-1, num_units]),
            array_ops.slice(state, [0, num_units], [-1, h_size]))


def _join_lstm_state(c, h, state_is_tuple):
    return LSTMStateTuple(c, h) if state_is_tuple else array_ops.concat([c, h], 1)


class BasicLSTMCell(LayerRNNCell):
    """LSTM (Zaremba et al. 2014): gates i, j, f, o from [inputs, h] @ kernel + bias;
    new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * act(j); new_h = act(new_c) * sigmoid(o)."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        self._kernel = self.add_variable(_KERNEL_NAME, [depth + n, 4 * n])
        self._bias = self.add_variable(_BIAS_NAME, [4 * n], initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        _check_float([inputs, state])
        n = self._num_units
        c, h = _split_lstm_state(state, self._state_is_tuple, n, n)
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel),
                                self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        forget_bias = constant(self._forget_bias, dtype=f.dtype)
        new_c = math_ops.add(math_ops.multiply(c, math_ops.sigmoid(math_ops.add(f, forget_bias))),
                             math_ops.multiply(math_ops.sigmoid(i), self._activation(j)))
        new_h = math_ops.multiply(self._activation(new_c), math_ops.sigmoid(o))
        return new_h, _join_lstm_state(new_c, new_h, self._state_is_tuple)


class LSTMCell(LayerRNNCell):
    """LSTM with optional peepholes (``w_f_diag``, ``w_i_diag``, ``w_o_diag``; Sak et al.
    2014), cell clipping, and a projection of the output (``projection/kernel``, with
    optional clipping). ``initializer`` initializes the kernel, peepholes and projection."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)
        h = num_proj if num_proj else num_units
        self._state_size = LSTMStateTuple(num_units, h) if state_is_tuple else num_units + h
        self._output_size = h

    state_size = property(lambda self: self._state_size)
    output_size = property(lambda self: self._output_size)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n, init = self._num_units, self._initializer
        h = self._num_proj if self._num_proj is not None else n
        self._kernel = self.add_variable(_KERNEL_NAME, [depth + h, 4 * n], initializer=init)
        self._bias = self.add_variable(_BIAS_NAME, [4 * n], initializer=init_ops.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [n], initializer=init)
            self._w_i_diag = self.add_variable("w_i_diag", [n], initializer=init)
            self._w_o_diag = self.add_variable("w_o_diag", [n], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(f"projection/{_KERNEL_NAME}",
                                                  [n, self._num_proj], initializer=init)
        self.built = True

    def call(self, inputs, state):
        _check_float([inputs, state])
        n = self._num_units
        h_size = self._num_proj if self._num_proj is not None else n
        c_prev, m_prev = _split_lstm_state(state, self._state_is_tuple, n, h_size)
        gates = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, m_prev], 1),
                                                self._kernel), self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        sigmoid, act = math_ops.sigmoid, self._activation
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev
                 + sigmoid(i + self._w_i_diag * c_prev) * act(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * act(c)
        else:
            m = sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, _join_lstm_state(c, m, self._state_is_tuple)


class MultiRNNCell(RNNCell):
    """Cells stacked in order: the output of each is the input of the next; the state is
    a tuple with one state per cell (or their concatenation, ``state_is_tuple=False``).
    Cell ``i``'s variables live under ``multi_rnn_cell/cell_<i>/``."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        if len({id(c) for c in cells}) < len(cells):
            import warnings
            warnings.warn("At least two cells provided to MultiRNNCell are the same object "
                          "and will share weights.", stacklevel=2)
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(nest.is_sequence(c.state_size) for c in cells):
            raise ValueError(f"Some cells return tuples of states, but the flag state_is_tuple "
                             f"is not set.  State sizes are: {[c.state_size for c in cells]}")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    output_size = property(lambda self: self._cells[-1].output_size)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return _zero_state(self.state_size, batch_size, dtypes.as_dtype(dtype))

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for c in self._cells for w in getattr(c, "trainable_weights", [])]

    @property
    def non_trainable_weights(self):
        weights = [w for c in self._cells for w in getattr(c, "non_trainable_weights", [])]
        if not self.trainable:
            return [w for c in self._cells for w in getattr(c, "trainable_weights", [])] + weights
        return weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def call(self, inputs, state):
        position, current, new_states = 0, inputs, []
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not nest.is_sequence(state):
                        raise ValueError(f"Expected state to be a tuple of length "
                                         f"{len(self.state_size)}, but received: {state}")
                    cell_state = state[i]
                else:
                    cell_state = array_ops.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        return current, (tuple(new_states) if self._state_is_tuple
                         else array_ops.concat(new_states, 1))


class _Wrapper(RNNCell):
    """A cell around another: same sizes and zero state; weights are the inner cell's."""

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        assert_like_rnncell("cell", cell)
        self._cell = cell

    wrapped_cell = property(lambda self: self._cell)
    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    @property
    def trainable_weights(self):
        inner = getattr(self._cell, "trainable_weights", [])
        return _unique(list(inner) + super().trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self):
        inner = getattr(self._cell, "non_trainable_weights", [])
        return _unique(list(inner) + super().non_trainable_weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights


def _unique(variables):
    """The variables in order, each once (a wrapper's scope also sees its cell's)."""
    out = []
    for v in variables:
        if v not in out:
            out.append(v)
    return out


def _default_dropout_state_filter(substate):
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)  # never drop the memory c
    return True


class DropoutWrapper(_Wrapper):
    """Dropout on a cell's inputs, outputs and (except an LSTM's c) new states.

    A keep probability that is a constant 1 adds no op. With ``variational_recurrent``,
    one mask per input, state and output component is drawn when the wrapper is built and
    used at every step (Gal & Ghahramani 2016); it needs ``dtype`` (and ``input_size``
    for input dropout). ``seed`` derives one seed per component as TF1 does.
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable")
        self._state_filter = dropout_state_filter_visitor or _default_dropout_state_filter
        with name_scope("DropoutWrapperInit"):
            for prob, attr in ((input_keep_prob, "input_keep_prob"),
                               (state_keep_prob, "state_keep_prob"),
                               (output_keep_prob, "output_keep_prob")):
                tensor = convert_to_tensor(prob)
                value = constant_value(tensor)
                if value is not None:
                    if not 0 <= value <= 1:
                        raise ValueError(f"Parameter {attr} must be between 0 and 1: {value}")
                    setattr(self, f"_{attr}", float(value))
                else:
                    setattr(self, f"_{attr}", tensor)
        self._variational = variational_recurrent
        self._seed = seed
        self._input_noise = self._state_noise = self._output_noise = None
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")

            def noise(sizes, salt):
                positions = iter(range(len(nest.flatten(sizes))))
                return nest.map_structure(
                    lambda s: random_ops.random_uniform(
                        [1] + TensorShape(s if not isinstance(s, int) else [s]).as_list(),
                        seed=self._gen_seed(salt, next(positions)), dtype=dtype), sizes)
            if not isinstance(self._input_keep_prob, float) or self._input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 "
                                     "or is unknown, input_size must be provided")
                self._input_noise = noise(input_size, "input")
            self._state_noise = noise(cell.state_size, "state")
            self._output_noise = noise(cell.output_size, "output")

    def _gen_seed(self, salt_prefix, index):
        if self._seed is None:
            return None
        import hashlib
        digest = hashlib.md5(f"{self._seed}{salt_prefix}_{index}".encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _drop(self, values, salt, noise, keep_prob, mask=None):
        """Dropout on the leaves of ``values`` where ``mask`` (same structure) is True."""
        leaves = nest.flatten(values)
        masks = nest.flatten(mask) if mask is not None else [True] * len(leaves)
        noises = nest.flatten(noise) if noise is not None else [None] * len(leaves)
        out = []
        for i, (v, m, n) in enumerate(zip(leaves, masks, noises)):
            if not m:
                out.append(v)
            elif self._variational:
                kept = math_ops.floor(keep_prob + n)
                out.append(math_ops.divide(v, keep_prob) * kept)
                out[-1].set_shape(v.shape)
            else:
                out.append(nn_ops.dropout(v, keep_prob=keep_prob, seed=self._gen_seed(salt, i)))
        return nest.pack_sequence_as(values, out)

    def _state_mask(self, state):
        """Bools shaped like ``state``: which components get dropout. As TF1, the filter
        says of each substructure whether to look inside it (True), skip it (False), or,
        as a structure of bools, which of its parts to look inside."""
        verdict = self._state_filter(state)
        if isinstance(verdict, bool):
            if not verdict or not nest.is_sequence(state):
                return nest.map_structure(lambda _: verdict, state)
            return nest.map_children(self._state_mask, state)
        return nest.map_children(
            lambda v, s: self._state_mask(s) if v else nest.map_structure(lambda _: False, s),
            verdict, state)

    def __call__(self, inputs, state, scope=None):
        def should_drop(p):
            return not isinstance(p, float) or p < 1
        if should_drop(self._input_keep_prob):
            inputs = self._drop(inputs, "input", self._input_noise, self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope=scope)
        if should_drop(self._state_keep_prob):
            new_state = self._drop(new_state, "state", self._state_noise, self._state_keep_prob,
                                   self._state_mask(new_state))
        if should_drop(self._output_keep_prob):
            output = self._drop(output, "output", self._output_noise, self._output_keep_prob)
        return output, new_state


class ResidualWrapper(_Wrapper):
    """output = inputs + cell output (or ``residual_fn(inputs, outputs)``)."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def __call__(self, inputs, state, scope=None):
        outputs, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state

        def add(x, y):
            x, y = convert_to_tensor(x), convert_to_tensor(y)
            x.shape.assert_is_compatible_with(y.shape)
            return x + y
        return nest.map_structure(add, inputs, outputs), new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell (and builds its zero state) under ``tf.device(device)``."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + "ZeroState", values=[batch_size]), device(self._device):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        with device(self._device):
            return self._cell(inputs, state, scope=scope)


def _linear(inputs, output_size):
    """inputs @ kernel + bias, with ``kernel`` and ``bias`` (zeros) in the current scope."""
    depth = inputs.shape.as_tuple()
    if depth is None or len(depth) != 2 or depth[1] is None:
        raise ValueError(f"linear expects a 2-D input of known depth, got {inputs.shape}")
    kernel = get_variable(_KERNEL_NAME, [depth[1], output_size], dtype=inputs.dtype)
    bias = get_variable(_BIAS_NAME, [output_size], dtype=inputs.dtype,
                        initializer=init_ops.constant_initializer(0.0))
    return nn_ops.bias_add(math_ops.matmul(inputs, kernel), bias)


class OutputProjectionWrapper(_Wrapper):
    """A linear projection of the cell's output to ``output_size`` (variables
    ``output_projection_wrapper/kernel`` and ``bias``; the cell's inside that scope)."""

    def __init__(self, cell, output_size, activation=None, reuse=None):
        if not isinstance(output_size, numbers.Integral) or output_size < 1:
            raise ValueError(f"Parameter output_size must be > 0: {output_size}.")
        super().__init__(cell, _reuse=reuse)
        self._output_size = output_size
        self._activation = activation

    output_size = property(lambda self: self._output_size)

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        projected = _linear(output, self._output_size)
        if self._activation:
            projected = self._activation(projected)
        return projected, new_state


class InputProjectionWrapper(_Wrapper):
    """A linear projection of the inputs to ``num_proj`` before the cell (variables
    ``input_projection_wrapper/kernel`` and ``bias``)."""

    def __init__(self, cell, num_proj, activation=None, input_size=None, reuse=None):
        super().__init__(cell, _reuse=reuse)
        self._num_proj = num_proj
        self._activation = activation

    def call(self, inputs, state):
        projected = _linear(inputs, self._num_proj)
        if self._activation:
            projected = self._activation(projected)
        return self._cell(projected, state)
