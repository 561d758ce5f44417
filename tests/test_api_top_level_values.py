"""Top-level math and array names TF1 has beside their namespace spellings: the casts
(``tf.to_float``...), the legacy divisions, ``tf.asin``, ``tf.logical_xor``,
``tf.sparse_to_dense``, ``tf.nn.batch_normalization`` and the variable scatter updates,
each against NumPy or TF1's documented formula."""
import numpy as np
import pytest

import conv_reference as ref
import tensorflux as tf

R = np.random.default_rng(11)


def run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("cast, dtype", [(tf.to_float, np.float32), (tf.to_double, np.float64),
                                         (tf.to_int32, np.int32), (tf.to_int64, np.int64)])
def test_legacy_casts(cast, dtype):
    x = np.array([1.7, -2.2, 3.0])
    y = cast(tf.constant(x))
    assert y.dtype.np_dtype == dtype
    got = run(y)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, x.astype(dtype))  # towards zero, as C casts


def test_truediv_and_realdiv():
    # TF1: integers of 32 bits or more divide as float64, smaller ones as float32
    q = tf.truediv(tf.constant([7, -7], tf.int32), tf.constant([2, 2], tf.int32))
    q16 = tf.truediv(tf.constant([7], tf.int16), tf.constant([2], tf.int16))
    assert (q.dtype, q16.dtype) == (tf.float64, tf.float32)
    np.testing.assert_array_equal(run(q), [3.5, -3.5])
    x, y = R.normal(size=(3, 2)), R.uniform(1, 2, size=(3, 2))
    np.testing.assert_allclose(run(tf.realdiv(tf.constant(x), tf.constant(y))), x / y)


def test_asin_and_logical_xor():
    u = R.uniform(-0.9, 0.9, size=5)
    np.testing.assert_allclose(run(tf.asin(tf.constant(u))), np.arcsin(u))
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    np.testing.assert_array_equal(run(tf.logical_xor(tf.constant(a), tf.constant(b))), a ^ b)


def test_variant_is_a_dtype():
    assert isinstance(tf.variant, tf.DType) and tf.variant.name == "variant"
    assert tf.as_dtype("variant") is tf.variant


def test_sparse_to_dense():
    dense = tf.sparse_to_dense([[0, 1], [1, 2]], [2, 3], [5.0, 6.0], default_value=-1.0)
    np.testing.assert_array_equal(run(dense), [[-1, 5, -1], [-1, -1, 6]])
    scalar_value = tf.sparse_to_dense([0, 3], [5], 2)  # a vector of indices, one value
    np.testing.assert_array_equal(run(scalar_value), [2, 0, 0, 2, 0])


def test_batch_normalization_formula():
    x = R.normal(size=(4, 3))
    mean, var = x.mean(0), x.var(0)
    offset, scale = R.normal(size=3), R.uniform(0.5, 2, size=3)
    y = tf.nn.batch_normalization(tf.constant(x), mean, var, offset, scale, 1e-3)
    np.testing.assert_allclose(run(y), (x - mean) / np.sqrt(var + 1e-3) * scale + offset)
    assert tf.rsqrt(var).dtype == tf.float64  # a NumPy array keeps its dtype, as in TF1
    bare = tf.nn.batch_normalization(tf.constant(x), mean, var, None, None, 1e-3)
    np.testing.assert_allclose(run(bare), (x - mean) / np.sqrt(var + 1e-3))


def test_depthwise_conv2d_native():
    x, w = R.normal(size=(2, 5, 4, 3)), R.normal(size=(2, 3, 3, 2))
    y = tf.nn.depthwise_conv2d_native(tf.constant(x), tf.constant(w), [1, 2, 1, 1], "SAME")
    np.testing.assert_allclose(run(y), ref.depthwise_conv2d(x, w, (2, 1), "SAME"), rtol=1e-10)


def test_variable_scatter_updates_by_name():
    start = R.uniform(1, 2, size=(3, 2))
    rows, updates = [2, 0], R.uniform(1, 2, size=(2, 2))
    cells, values = [[1, 1], [0, 0]], np.array([5.0, 6.0])
    v = tf.Variable(start)
    expected = {
        tf.scatter_mul: lambda a: (a.__setitem__(rows, a[rows] * updates), a)[1],
        tf.scatter_div: lambda a: (a.__setitem__(rows, a[rows] / updates), a)[1],
        tf.scatter_max: lambda a: (a.__setitem__(rows, np.maximum(a[rows], updates)), a)[1],
        tf.scatter_min: lambda a: (a.__setitem__(rows, np.minimum(a[rows], updates)), a)[1],
    }
    nd_expected = {
        tf.scatter_nd_update: lambda a: (a.__setitem__(([1, 0], [1, 0]), values), a)[1],
        tf.scatter_nd_add: lambda a: (a.__setitem__(([1, 0], [1, 0]), a[[1, 0], [1, 0]] + values), a)[1],
        tf.scatter_nd_sub: lambda a: (a.__setitem__(([1, 0], [1, 0]), a[[1, 0], [1, 0]] - values), a)[1],
    }
    ops = [(fn(v, rows, updates), want) for fn, want in expected.items()]
    ops += [(fn(v, cells, values), want) for fn, want in nd_expected.items()]
    with tf.Session() as sess:
        for op, want in ops:
            sess.run(v.initializer)
            np.testing.assert_allclose(sess.run(op), want(start.copy()))


def test_extract_volume_patches_flattens_each_window():
    x = R.normal(size=(2, 3, 4, 3, 2))
    got = run(tf.extract_volume_patches(tf.constant(x), [1, 2, 2, 1, 1], [1, 1, 2, 2, 1], "VALID"))
    want = np.zeros((2, 2, 2, 2, 8))
    for d in range(2):
        for h in range(2):
            for w in range(2):
                want[:, d, h, w] = x[:, d:d + 2, 2 * h:2 * h + 2, 2 * w].reshape(2, -1)
    np.testing.assert_allclose(got, want)
    with pytest.raises(ValueError, match="batch and depth"):
        tf.extract_volume_patches(tf.constant(x), [2, 1, 1, 1, 1], [1] * 5, "VALID")


def test_verify_tensor_all_finite_and_indexed_slices_conversion():
    x = tf.placeholder(tf.float32, [2])
    checked = tf.verify_tensor_all_finite(x, "x went bad")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(checked, {x: [1.0, 2.0]}), [1.0, 2.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="x went bad"):
            sess.run(checked, {x: [1.0, np.nan]})
    slices = tf.IndexedSlices(tf.constant([[1.0]]), tf.constant([0]))
    assert tf.convert_to_tensor_or_indexed_slices(slices) is slices
    assert tf.convert_to_tensor_or_indexed_slices([1, 2]).dtype == tf.int32


def test_manip_and_other_aliases():
    assert (tf.manip.batch_to_space_nd, tf.manip.gather_nd, tf.manip.reshape, tf.manip.reverse,
            tf.manip.roll, tf.manip.scatter_nd, tf.manip.space_to_batch_nd, tf.manip.tile) == (
        tf.batch_to_space_nd, tf.gather_nd, tf.reshape, tf.reverse, tf.roll, tf.scatter_nd,
        tf.space_to_batch_nd, tf.tile)
    assert tf.nn.conv3d_backprop_filter_v2 is tf.nn.conv3d_backprop_filter


SPECIAL_REFERENCES = {  # tf.math.special name -> scipy.special reference
    "bessel_j0": "j0", "bessel_j1": "j1", "bessel_y0": "y0", "bessel_y1": "y1", "bessel_k0": "k0",
    "bessel_k0e": "k0e", "bessel_k1": "k1", "bessel_k1e": "k1e", "dawsn": "dawsn", "expint": "expi",
    "spence": "spence",
}


def test_math_special_matches_scipy():
    import scipy.special as sp
    x = np.array([0.3, 1.2, 2.5, 4.0])
    special = tf.math.special
    functions = {"bessel_j0": special.bessel_j0, "bessel_j1": special.bessel_j1,
                 "bessel_y0": special.bessel_y0, "bessel_y1": special.bessel_y1,
                 "bessel_k0": special.bessel_k0, "bessel_k0e": special.bessel_k0e,
                 "bessel_k1": special.bessel_k1, "bessel_k1e": special.bessel_k1e,
                 "dawsn": special.dawsn, "expint": special.expint, "spence": special.spence}
    got = run({name: fn(x) for name, fn in functions.items()})
    for name, reference in SPECIAL_REFERENCES.items():
        np.testing.assert_allclose(got[name], getattr(sp, reference)(x), rtol=1e-12, err_msg=name)
    s, c = sp.fresnel(x)
    np.testing.assert_allclose(run(special.fresnel_sin(x)), s, rtol=1e-12)
    np.testing.assert_allclose(run(special.fresnel_cos(x)), c, rtol=1e-12)
    assert (special.bessel_i0, special.bessel_i0e, special.bessel_i1, special.bessel_i1e) == (
        tf.math.bessel_i0, tf.math.bessel_i0e, tf.math.bessel_i1, tf.math.bessel_i1e)
    assert tf.erf(x).dtype == tf.float64 and tf.erf([0.5]).dtype == tf.float32  # as TF1
