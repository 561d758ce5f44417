"""Conformance and gradient-check cases of the ops added for TF1's API breadth in tf.nn,
tf.math, tf.linalg, tf.sparse and tf.strings (3-D convolution and pooling, ...).
``builtin_cases`` merges them into its ``CASES``; see it for the form of a case."""
import numpy as np
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.testing.conformance.strategies import distinct, unary, values


# --- 3-D convolution and pooling ---------------------------------------------------------
def _volume_shape(draw, channels=None):
    return (draw(st.integers(1, 2)), *(draw(st.integers(2, 3)) for _ in range(3)),
            channels or draw(st.integers(1, 2)))


def _ncdhw(x, fmt):
    return np.moveaxis(x, -1, 1) if fmt == "NCDHW" else x


def _five(values_, fmt):
    return [1, *values_, 1] if fmt == "NDHWC" else [1, 1, *values_]


def _conv3d(draw):
    """A 3-D convolution of random geometry: strides, dilations, padding, data format."""
    x = values(draw, _volume_shape(draw))
    kernel = [draw(st.integers(1, 2)) for _ in range(3)]
    w = values(draw, (*kernel, x.shape[4], draw(st.integers(1, 2))))
    strides = [draw(st.integers(1, 2)) for _ in range(3)]
    dilations = [draw(st.integers(1, 2)) for _ in range(3)]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID" and any((k - 1) * d >= n for k, d, n in zip(kernel, dilations, x.shape[1:4])):
        padding = "SAME"
    fmt = draw(st.sampled_from(["NDHWC", "NCDHW"]))
    return [_ncdhw(x, fmt), w], lambda a, b: tf.nn.conv3d(
        a, b, _five(strides, fmt), padding, data_format=fmt, dilations=_five(dilations, fmt))


def _conv3d_backprop(kind):
    def make(draw):
        x = values(draw, _volume_shape(draw))
        w = values(draw, (2, 2, 2, x.shape[4], 2))
        strides = (1, draw(st.integers(1, 2)), 1, draw(st.integers(1, 2)), 1)
        with tf.Graph().as_default():
            y_shape = tf.nn.conv3d(tf.constant(x), tf.constant(w), strides, "SAME").shape.as_list()
        dy = values(draw, y_shape)
        attrs = {"strides": strides, "padding": "SAME"}
        if kind == "input":
            return [w, dy], lambda w_, dy_: tf.get_default_graph().create_op(
                "Conv3DBackpropInputV2", [tf.constant(np.int32(x.shape)), w_, dy_], attrs).outputs[0]
        return [x, dy], lambda x_, dy_: tf.get_default_graph().create_op(
            "Conv3DBackpropFilterV2", [x_, tf.constant(np.int32(w.shape)), dy_], attrs).outputs[0]
    return make


def _pool3d(fn, gen=values):
    def make(draw):
        x = gen(draw, _volume_shape(draw, 2))
        k = [draw(st.integers(1, 2)) for _ in range(3)]
        s = [draw(st.integers(1, 2)) for _ in range(3)]
        padding = draw(st.sampled_from(["SAME", "VALID"]))
        fmt = draw(st.sampled_from(["NDHWC", "NCDHW"]))
        return [_ncdhw(x, fmt)], lambda t: fn(t, _five(k, fmt), _five(s, fmt), padding,
                                              data_format=fmt)
    return make


def _pool3d_grad(op_type):
    """A pooling gradient op with a fixed input of distinct values and a drawn grad."""
    def make(draw):
        x = distinct(draw, (1, 2, 4, 2, 2))
        attrs = {"ksize": (1, 2, 2, 1, 1), "strides": (1, 2, 2, 1, 1), "padding": "SAME"}
        g_shape = (1, 1, 2, 2, 2) if op_type != "MaxPool3DGradGrad" else x.shape

        def build(g_):
            graph, xt = tf.get_default_graph(), tf.constant(x)
            if op_type == "AvgPool3DGrad":
                return graph.create_op(op_type, [tf.constant(np.int32(x.shape)), g_], attrs).outputs[0]
            y = tf.nn.max_pool3d(xt, attrs["ksize"], attrs["strides"], "SAME")
            return graph.create_op(op_type, [xt, y, g_], attrs).outputs[0]
        return [values(draw, g_shape)], build
    return make


def _sparse_softmax(draw):
    """Softmax over the entries of a random sparse [2, 3, 4] pattern (in row-major order)."""
    mask = np.random.default_rng(draw(st.integers(0, 2 ** 31))).random((2, 3, 4)) < 0.6
    mask[0, 0, 0] = True
    indices = np.argwhere(mask)
    return [values(draw, (len(indices),))], lambda v: tf.sparse.softmax(
        tf.SparseTensor(indices, v, [2, 3, 4])).values


def _dilation(draw):
    """Dilation of random geometry; distinct inputs so that no window has a tie."""
    x = distinct(draw, (draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(2, 4)), 2))
    f = values(draw, (draw(st.integers(1, 2)), draw(st.integers(1, 2)), 2), -0.01, 0.01)
    strides = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
    rates = [1, draw(st.integers(1, 2)), 1, 1]
    return [x, f], lambda a, b: tf.nn.dilation2d(a, b, strides, rates, "SAME")


def _dilation_backprop(kind):
    """A dilation backprop op (no gradient of its own, as TF's) on distinct inputs."""
    def make(draw):
        x = distinct(draw, (1, draw(st.integers(2, 4)), draw(st.integers(2, 4)), 2))
        f = values(draw, (2, 2, 2), -0.01, 0.01)
        attrs = {"strides": (1, 1, 1, 1), "rates": (1, 1, 1, 1), "padding": "SAME"}
        dy = values(draw, x.shape)
        return [dy], lambda g: tf.get_default_graph().create_op(
            f"Dilation2DBackprop{kind}", [tf.constant(x), tf.constant(f), g], attrs).outputs[0]
    return make


def _max_pool_with_argmax(draw):
    x = distinct(draw, (draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(2, 4)), 2))
    k = [1, draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1]
    return [x], lambda t: tf.nn.max_pool_with_argmax(t, k, [1, 1, 2, 1], "SAME")[0]


def _ctc_loss(draw):
    """The CTC loss of fixed labels under drawn logits [time, batch, classes]."""
    t = draw(st.integers(3, 4))
    labels = tf.SparseTensorValue([[0, 0], [0, 1], [1, 0]], np.int32([1, 0, 2]), [2, 2])
    return [values(draw, (t, 2, 4))], lambda x: tf.nn.ctc_loss(
        tf.SparseTensor.from_value(labels), x, [t, t - 1])


BREADTH_CASES = {
    "Conv3D": _conv3d, "Conv3DBackpropInputV2": _conv3d_backprop("input"),
    "Conv3DBackpropFilterV2": _conv3d_backprop("filter"),
    "MaxPool3D": _pool3d(tf.nn.max_pool3d, distinct), "AvgPool3D": _pool3d(tf.nn.avg_pool3d),
    "MaxPool3DGrad": _pool3d_grad("MaxPool3DGrad"), "AvgPool3DGrad": _pool3d_grad("AvgPool3DGrad"),
    "MaxPool3DGradGrad": _pool3d_grad("MaxPool3DGradGrad"),
    "SparseSoftmax": _sparse_softmax,
    "Dilation2D": _dilation, "MaxPoolWithArgmax": _max_pool_with_argmax,
    "CTCLoss": _ctc_loss,
    "Dilation2DBackpropInput": _dilation_backprop("Input"),
    "Dilation2DBackpropFilter": _dilation_backprop("Filter"),
    # tf.math.special
    "BesselJ0": unary(tf.math.special.bessel_j0), "BesselJ1": unary(tf.math.special.bessel_j1),
    "BesselY0": unary(tf.math.special.bessel_y0, 0.5, 3.0),
    "BesselY1": unary(tf.math.special.bessel_y1, 0.5, 3.0),
    "BesselK0": unary(tf.math.special.bessel_k0, 0.5, 3.0),
    "BesselK0e": unary(tf.math.special.bessel_k0e, 0.5, 3.0),
    "BesselK1": unary(tf.math.special.bessel_k1, 0.5, 3.0),
    "BesselK1e": unary(tf.math.special.bessel_k1e, 0.5, 3.0),
    "Dawsn": unary(tf.math.special.dawsn), "Expint": unary(tf.math.special.expint, 0.5, 2.0),
    "FresnelCos": unary(tf.math.special.fresnel_cos), "FresnelSin": unary(tf.math.special.fresnel_sin),
    "Spence": unary(tf.math.special.spence, 0.2, 2.0),
}
BREADTH_TOLERANCE = {}
