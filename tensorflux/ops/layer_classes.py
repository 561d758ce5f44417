"""``tf.layers``' object API: ``Layer``, ``InputSpec`` and the ``Dense``, ``Dropout``,
``BatchNormalization`` and ``Flatten`` classes.

A layer object owns one variable scope (``dense``, ``dense_1``, ... or its name), made on
its first call; later calls reuse its variables, as in TF1. The built-in classes apply
the functional layers of ``tensorflux.ops.layers`` inside that scope, so both APIs
create the same variables with the same names.
"""
from __future__ import annotations

import contextlib
import re

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops import init_ops, layers as functional
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.variable_scope import get_variable, variable_scope


def _snake(name):
    """TF1's layer names: Dense -> dense, Conv2DTranspose -> conv2d_transpose."""
    words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()


class InputSpec:
    """What a layer accepts: ``ndim`` / ``min_ndim`` / ``max_ndim``, a ``shape`` (None
    entries free), ``axes`` ({axis: size}) and a ``dtype``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None):
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                         ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                         ("min_ndim", self.min_ndim), ("axes", self.axes or None))
                 if v is not None]
        return f"InputSpec({', '.join(parts)})"

    def check(self, tensor, layer_name, index=0):
        """Raise ValueError (TF1's message) when ``tensor`` does not fit."""
        dims = tensor.shape.as_tuple()
        where = f"Input {index} of layer {layer_name} is incompatible with the layer"
        if dims is None:
            if self.ndim is not None or self.min_ndim is not None:
                raise ValueError(f"{where}: its rank is undefined, but the layer requires a "
                                 f"defined rank.")
            return
        rank = len(dims)
        for bound, ok, word in ((self.ndim, lambda b: rank == b, "ndim"),
                                (self.min_ndim, lambda b: rank >= b, "min_ndim"),
                                (self.max_ndim, lambda b: rank <= b, "max_ndim")):
            if bound is not None and not ok(bound):
                raise ValueError(f"{where}: expected {word}={bound}, found ndim={rank}. Full "
                                 f"shape received: {list(dims)}")
        if self.dtype is not None and tensor.dtype != self.dtype:
            raise ValueError(f"{where}: expected dtype={self.dtype.name}, found dtype="
                             f"{tensor.dtype.name}")
        for axis, size in self.axes.items():
            got = dims[axis] if -rank <= axis < rank else None
            if size is not None and got not in (size, None):
                raise ValueError(f"{where}: expected axis {axis} of input shape to have value "
                                 f"{size} but received input with shape {list(dims)}")
        if self.shape is not None:
            for want, got in zip(self.shape, dims):
                if want is not None and got is not None and want != got:
                    raise ValueError(f"{where}: expected shape={list(self.shape)}, found "
                                     f"shape={list(dims)}")


class Layer:
    """Base class: subclasses create variables in ``build(input_shape)`` with
    ``add_weight`` and compute in ``call(inputs)``; calling the layer runs both (build
    once) inside the layer's variable scope."""

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        self.trainable = trainable
        self._base_name = name
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._reuse = _reuse
        self.built = False
        self.input_spec = None
        self._scope = None
        self._called = False

    @property
    def name(self):
        if self._scope is not None:
            return self._scope.name
        return self._base_name or _snake(type(self).__name__)

    @property
    def scope_name(self):
        return self._scope.name if self._scope is not None else None

    @contextlib.contextmanager
    def _variable_scope(self):
        if self._scope is None:
            with variable_scope(self._base_name, default_name=_snake(type(self).__name__),
                                reuse=self._reuse) as scope:
                self._scope = scope
                yield
        else:
            with variable_scope(self._scope, reuse=True if self._called else self._reuse):
                yield

    def __call__(self, inputs, *args, **kwargs):
        with self._variable_scope():
            if not self.built:
                if self.input_spec is not None:
                    specs = self.input_spec if isinstance(self.input_spec, list) else [self.input_spec]
                    tensors = inputs if isinstance(inputs, (list, tuple)) else [inputs]
                    for i, (spec, t) in enumerate(zip(specs, tensors)):
                        spec.check(convert_to_tensor(t), self.name, i)
                shape = (convert_to_tensor(inputs).shape if not isinstance(inputs, (list, tuple))
                         else [convert_to_tensor(t).shape for t in inputs])
                self.build(shape)
                self.built = True
            outputs = self.call(inputs, *args, **kwargs)
            self._called = True
            return outputs

    apply = __call__

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        raise NotImplementedError(f"{type(self).__name__} does not define "
                                  f"compute_output_shape")

    def add_weight(self, name, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, **kwargs):
        """A variable of this layer (``tf.get_variable`` in its scope); trainable only if
        the layer is."""
        trainable = self.trainable if trainable is None else (trainable and self.trainable)
        return get_variable(name, shape, dtype or self.dtype or dtypes.float32, initializer,
                            regularizer, trainable=trainable, constraint=constraint)

    add_variable = add_weight

    # --- what it owns -----------------------------------------------------------------
    def _owned(self):
        if self._scope is None:
            return []
        prefix = self._scope.name + "/"
        store = get_default_graph()._variable_store
        return [v for key, v in store.items() if key.startswith(prefix)]

    @property
    def weights(self):
        return self._owned()

    variables = weights

    @property
    def trainable_weights(self):
        return [v for v in self._owned() if v.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        return [v for v in self._owned() if not (v.trainable and self.trainable)]

    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        """The regularization losses of this layer's variables and outputs."""
        if self._scope is None:
            return []
        return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES,
                                                  self._scope.name + "/")

    @property
    def updates(self):
        """The ops in UPDATE_OPS this layer added (batch normalization's moving averages)."""
        if self._scope is None:
            return []
        return get_default_graph().get_collection(GraphKeys.UPDATE_OPS,
                                                  self._scope.original_name_scope)

    def _reuse_flag(self):
        """For the built-in layers: create variables on the first call, reuse after."""
        return True if self._called else None


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` (variables ``<name>/kernel``, ``/bias``)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation, self.use_bias = activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.input_spec = InputSpec(min_ndim=2)

    def call(self, inputs):
        return functional.dense(inputs, self.units, self.activation, self.use_bias,
                                self.kernel_initializer, self.bias_initializer,
                                self.kernel_regularizer, self.bias_regularizer,
                                self.activity_regularizer, trainable=self.trainable,
                                name=self._scope, reuse=self._reuse_flag())

    kernel = property(lambda self: _find(self, "kernel"))
    bias = property(lambda self: _find(self, "bias"))

    def compute_output_shape(self, input_shape):
        return TensorShape(TensorShape(input_shape).as_list()[:-1] + [self.units])


class Dropout(Layer):
    """Zero inputs with probability ``rate`` (scaling the rest) while ``training``."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        return functional.dropout(inputs, self.rate, self.noise_shape, self.seed, training)

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)


class Flatten(Layer):
    """Keep the batch dimension, flatten the rest."""

    def call(self, inputs):
        return functional.flatten(inputs)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        rest = dims[1:]
        size = None if None in rest else int(np.prod(rest, dtype=np.int64))
        return TensorShape([dims[0], size])


class BatchNormalization(Layer):
    """Batch normalization (Ioffe & Szegedy, 2015) with moving statistics updated by ops
    in UPDATE_OPS (also in ``layer.updates``)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=init_ops.zeros_initializer(),
                 gamma_initializer=init_ops.ones_initializer(),
                 moving_mean_initializer=init_ops.zeros_initializer(),
                 moving_variance_initializer=init_ops.ones_initializer(),
                 beta_regularizer=None, gamma_regularizer=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.center, self.scale = center, scale
        self.initializers = (beta_initializer, gamma_initializer, moving_mean_initializer,
                             moving_variance_initializer)
        self.regularizers = (beta_regularizer, gamma_regularizer)

    def call(self, inputs, training=False):
        beta, gamma, mean, variance = self.initializers
        return functional.batch_normalization(
            inputs, self.axis, self.momentum, self.epsilon, self.center, self.scale, beta,
            gamma, mean, variance, *self.regularizers, training=training,
            trainable=self.trainable, name=self._scope, reuse=self._reuse_flag())

    beta = property(lambda self: _find(self, "beta"))
    gamma = property(lambda self: _find(self, "gamma"))
    moving_mean = property(lambda self: _find(self, "moving_mean"))
    moving_variance = property(lambda self: _find(self, "moving_variance"))

    def compute_output_shape(self, input_shape):
        return TensorShape(input_shape)


def _find(layer, name):
    """The layer's variable ``<scope>/<name>`` (None before the first call)."""
    if layer._scope is None:
        return None
    return get_default_graph()._variable_store.get(f"{layer._scope.name}/{name}")
