"""``tf.layers``' convolution and pooling classes: ``Conv1D``, ``Conv2D``, ``Conv3D``,
``Conv2DTranspose``, ``Conv3DTranspose``, ``SeparableConv1D``, ``SeparableConv2D`` and
``MaxPooling``/``AveragePooling`` in 1, 2 and 3 dimensions.

Each class keeps its constructor's arguments and applies the functional layer of the
same name inside the layer's own variable scope (``conv2d``, ``conv2d_1``, ... or its
name), so an object and the function create the same variables (``kernel``, ``bias``,
``depthwise_kernel``, ``pointwise_kernel``), and calling the object again reuses them.
"""
from __future__ import annotations

import inspect

from tensorflux.core.shapes import TensorShape
from tensorflux.ops import conv_layers, conv_layers_nd
from tensorflux.ops.conv_layers_nd import padding_of, transposed_length, tuple_of
from tensorflux.ops.layer_classes import InputSpec, Layer, _find


def _out_length(size, k, stride, dilation, padding):
    if size is None:
        return None
    span = (k - 1) * dilation + 1
    if padding in ("SAME", "CAUSAL"):
        return -(-size // stride)
    return max(-(-(size - span + 1) // stride), 0)


class _Wrapped(Layer):
    """A layer object that calls ``_function`` with its stored arguments."""

    _function = None
    _rank = 2
    _has_variables = True

    def __init__(self, *args, trainable=True, name=None, **kwargs):
        signature = inspect.signature(type(self)._function)
        layer_args = [p for p in signature.parameters if p not in ("inputs", "name", "reuse",
                                                                   "trainable")]
        bound = dict(zip(layer_args, args))
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k in layer_args}
        overlap = set(bound) & set(extra)
        if overlap:
            raise TypeError(f"{type(self).__name__} got multiple values for {sorted(overlap)}")
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._arguments = {**bound, **extra}
        missing = [p for p in layer_args if p not in self._arguments
                   and signature.parameters[p].default is inspect.Parameter.empty]
        if missing:
            raise TypeError(f"{type(self).__name__} is missing the arguments {missing}")
        for key, value in self._arguments.items():
            setattr(self, key, value)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs):
        if self._has_variables:
            return type(self)._function(inputs, **self._arguments, trainable=self.trainable,
                                        name=self._scope, reuse=self._reuse_flag())
        return type(self)._function(inputs, **self._arguments)

    kernel = property(lambda self: _find(self, "kernel"))
    bias = property(lambda self: _find(self, "bias"))

    def _geometry(self, what):
        return tuple_of(self._arguments.get(what, 1), self._rank, what)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        first = self._arguments.get("data_format", "channels_last") == "channels_first"
        spatial = dims[2:] if first else dims[1:-1]
        out = self._spatial(spatial)
        channels = self._channels(dims[1] if first else dims[-1])
        return TensorShape([dims[0], channels, *out] if first else [dims[0], *out, channels])


class _Conv(_Wrapped):
    def _spatial(self, sizes):
        kernel = self._geometry("kernel_size")
        strides, dilations = self._geometry("strides"), self._geometry("dilation_rate")
        pad = padding_of(self._arguments.get("padding", "valid"), causal=True)
        return [_out_length(s, k, st, d, pad)
                for s, k, st, d in zip(sizes, kernel, strides, dilations)]

    def _channels(self, channels):
        return self._arguments["filters"]


class _ConvTranspose(_Conv):
    def _spatial(self, sizes):
        kernel, strides = self._geometry("kernel_size"), self._geometry("strides")
        pad = padding_of(self._arguments.get("padding", "valid"))
        return [transposed_length(s, k, st, pad) for s, k, st in zip(sizes, kernel, strides)]


class _Separable(_Conv):
    depthwise_kernel = property(lambda self: _find(self, "depthwise_kernel"))
    pointwise_kernel = property(lambda self: _find(self, "pointwise_kernel"))


class _Pooling(_Wrapped):
    _has_variables = False

    def _spatial(self, sizes):
        pool, strides = self._geometry("pool_size"), self._geometry("strides")
        pad = padding_of(self._arguments.get("padding", "valid"))
        return [_out_length(s, k, st, 1, pad) for s, k, st in zip(sizes, pool, strides)]

    def _channels(self, channels):
        return channels


def _layer(name, base, function, rank, doc):
    return type(name, (base,), {"_function": staticmethod(function), "_rank": rank,
                                "__doc__": doc, "__module__": __name__})


Conv1D = _layer("Conv1D", _Conv, conv_layers_nd.conv1d, 1,
                "1-D convolution layer (``tf.layers.conv1d`` as an object).")
Conv2D = _layer("Conv2D", _Conv, conv_layers.conv2d, 2,
                "2-D convolution layer (``tf.layers.conv2d`` as an object).")
Conv3D = _layer("Conv3D", _Conv, conv_layers_nd.conv3d, 3,
                "3-D convolution layer (``tf.layers.conv3d`` as an object).")
Conv2DTranspose = _layer("Conv2DTranspose", _ConvTranspose, conv_layers.conv2d_transpose, 2,
                         "Transposed 2-D convolution layer (``tf.layers.conv2d_transpose``).")
Conv3DTranspose = _layer("Conv3DTranspose", _ConvTranspose, conv_layers_nd.conv3d_transpose, 3,
                         "Transposed 3-D convolution layer (``tf.layers.conv3d_transpose``).")
SeparableConv1D = _layer("SeparableConv1D", _Separable, conv_layers_nd.separable_conv1d, 1,
                         "Depthwise-separable 1-D convolution (``tf.layers.separable_conv1d``).")
SeparableConv2D = _layer("SeparableConv2D", _Separable, conv_layers_nd.separable_conv2d, 2,
                         "Depthwise-separable 2-D convolution (``tf.layers.separable_conv2d``).")
MaxPooling1D = _layer("MaxPooling1D", _Pooling, conv_layers_nd.max_pooling1d, 1,
                      "1-D max pooling layer (``tf.layers.max_pooling1d``).")
MaxPooling2D = _layer("MaxPooling2D", _Pooling, conv_layers.max_pooling2d, 2,
                      "2-D max pooling layer (``tf.layers.max_pooling2d``).")
MaxPooling3D = _layer("MaxPooling3D", _Pooling, conv_layers_nd.max_pooling3d, 3,
                      "3-D max pooling layer (``tf.layers.max_pooling3d``).")
AveragePooling1D = _layer("AveragePooling1D", _Pooling, conv_layers_nd.average_pooling1d, 1,
                          "1-D average pooling layer (``tf.layers.average_pooling1d``).")
AveragePooling2D = _layer("AveragePooling2D", _Pooling, conv_layers.average_pooling2d, 2,
                          "2-D average pooling layer (``tf.layers.average_pooling2d``).")
AveragePooling3D = _layer("AveragePooling3D", _Pooling, conv_layers_nd.average_pooling3d, 3,
                          "3-D average pooling layer (``tf.layers.average_pooling3d``).")
