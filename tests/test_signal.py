"""tf.signal and tf.spectral: real FFTs in 1-3 and N dimensions, FFTs over chosen axes,
the DCT (types 1-3, orthonormal too), fftshift, windows, frame, overlap_and_add and stft,
against numpy.fft, scipy.fft and loop references; their gradients through the FFT ops."""
import numpy as np
import pytest
import scipy.fft as sp_fft

import tensorflux as tf

R = np.random.default_rng(17)
X = R.normal(size=(2, 3, 8))
Z = R.normal(size=(2, 3, 5)) + 1j * R.normal(size=(2, 3, 5))


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_real_ffts_match_numpy():
    got = run({"rfft": tf.signal.rfft(X), "rfft_crop": tf.spectral.rfft(X, [5]),
               "rfft_pad": tf.signal.rfft(X, [11]), "irfft": tf.signal.irfft(Z),
               "irfft_odd": tf.spectral.irfft(Z, [7]), "rfft2d": tf.signal.rfft2d(X),
               "irfft2d": tf.spectral.irfft2d(Z, [3, 8]), "rfft3d": tf.spectral.rfft3d(X, [2, 4, 6]),
               "irfft3d": tf.signal.irfft3d(Z)})
    np.testing.assert_allclose(got["rfft"], np.fft.rfft(X), atol=1e-10)
    np.testing.assert_allclose(got["rfft_crop"], np.fft.rfft(X, 5), atol=1e-10)
    np.testing.assert_allclose(got["rfft_pad"], np.fft.rfft(X, 11), atol=1e-10)
    np.testing.assert_allclose(got["irfft"], np.fft.irfft(Z), atol=1e-10)
    np.testing.assert_allclose(got["irfft_odd"], np.fft.irfft(Z, 7), atol=1e-10)
    np.testing.assert_allclose(got["rfft2d"], np.fft.rfft2(X), atol=1e-10)
    np.testing.assert_allclose(got["irfft2d"], np.fft.irfft2(Z, [3, 8]), atol=1e-10)
    np.testing.assert_allclose(got["rfft3d"], np.fft.rfftn(X, [2, 4, 6], axes=(0, 1, 2)), atol=1e-10)
    np.testing.assert_allclose(got["irfft3d"], np.fft.irfftn(Z, axes=(0, 1, 2)), atol=1e-10)
    assert tf.signal.rfft(X.astype(np.float32)).dtype == tf.complex64


def test_n_dimensional_ffts_over_chosen_axes():
    got = run([tf.fftnd(Z, [3, 4], [0, 2]), tf.ifftnd(Z, [2, 3, 6], [0, 1, 2]),
               tf.rfftnd(X, [3, 8], [1, 2]), tf.irfftnd(Z, [2, 8], [0, 2]),
               tf.signal.fftnd(Z), tf.signal.ifftnd(Z, axes=[1])])
    np.testing.assert_allclose(got[0], np.fft.fftn(Z, [3, 4], axes=(0, 2)), atol=1e-10)
    np.testing.assert_allclose(got[1], np.fft.ifftn(Z, [2, 3, 6], axes=(0, 1, 2)), atol=1e-10)
    np.testing.assert_allclose(got[2], np.fft.rfftn(X, [3, 8], axes=(1, 2)), atol=1e-10)
    np.testing.assert_allclose(got[3], np.fft.irfftn(Z, [2, 8], axes=(0, 2)), atol=1e-10)
    np.testing.assert_allclose(got[4], np.fft.fftn(Z), atol=1e-10)
    np.testing.assert_allclose(got[5], np.fft.ifft(Z, axis=1), atol=1e-10)
    with pytest.raises(TypeError, match="complex"):
        tf.fftnd(X)
    with pytest.raises(ValueError, match="out of range"):
        tf.fftnd(Z, axes=[3])


@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_matches_scipy(kind, norm):
    if kind == 1 and norm == "ortho":
        with pytest.raises(ValueError, match="Type-I"):
            tf.signal.dct(X, type=1, norm="ortho")
        return
    got = run([tf.signal.dct(X, type=kind, norm=norm), tf.spectral.idct(X, type=kind, norm=norm),
               tf.signal.dct(X, type=kind, n=5, norm=norm)])
    np.testing.assert_allclose(got[0], sp_fft.dct(X, type=kind, norm=norm), atol=1e-9)
    inverse_kind = {1: 1, 2: 3, 3: 2}[kind]
    np.testing.assert_allclose(got[1], sp_fft.dct(X, type=inverse_kind, norm=norm), atol=1e-9)
    np.testing.assert_allclose(got[2], sp_fft.dct(X[..., :5], type=kind, norm=norm), atol=1e-9)


def test_shifts_and_windows():
    got = run([tf.signal.fftshift(X), tf.signal.ifftshift(X, axes=[1, 2]),
               tf.signal.hann_window(8), tf.signal.hann_window(7, periodic=False),
               tf.signal.hamming_window(6), tf.signal.hann_window(5)])
    np.testing.assert_array_equal(got[0], np.fft.fftshift(X))
    np.testing.assert_array_equal(got[1], np.fft.ifftshift(X, axes=(1, 2)))
    np.testing.assert_allclose(got[2], np.hanning(9)[:8], atol=1e-7)      # periodic: N = 8
    np.testing.assert_allclose(got[3], np.hanning(7), atol=1e-7)
    np.testing.assert_allclose(got[4], np.hamming(7)[:6], atol=1e-7)
    np.testing.assert_allclose(got[5], np.hanning(5), atol=1e-7)          # odd: TF1's symmetric


def test_frame_overlap_add_and_stft():
    signal = R.normal(size=(2, 9))
    got = run({"frame": tf.signal.frame(signal, 4, 3), "pad": tf.signal.frame(signal, 4, 3, pad_end=True, pad_value=-1.0),
               "axis0": tf.signal.frame(signal.T, 2, 1, axis=0),
               "ola": tf.signal.overlap_and_add(signal.reshape(2, 3, 3), 2),
               "stft": tf.signal.stft(signal, 4, 2, fft_length=8)})
    np.testing.assert_array_equal(got["frame"], np.stack([signal[:, 0:4], signal[:, 3:7]], 1))
    padded = np.concatenate([signal, np.full((2, 1), -1.0)], 1)
    np.testing.assert_array_equal(got["pad"], np.stack([padded[:, i:i + 4] for i in (0, 3, 6)], 1))
    np.testing.assert_array_equal(got["axis0"], np.stack([signal.T[i:i + 2] for i in range(8)], 0))
    want = np.zeros((2, 7))
    for f in range(3):
        want[:, 2 * f:2 * f + 3] += signal.reshape(2, 3, 3)[:, f]
    np.testing.assert_allclose(got["ola"], want)
    window = np.hanning(5)[:4]
    frames = np.stack([signal[:, i:i + 4] * window for i in (0, 2, 4)], 1)
    np.testing.assert_allclose(got["stft"], np.fft.rfft(frames, 8), atol=1e-10)


def test_gradients_flow_through_the_real_ffts():
    x = tf.constant(X[0])
    weights = tf.constant(R.normal(size=(3, 5)))
    y = tf.reduce_sum(tf.real(tf.signal.rfft(x)) * weights) + tf.reduce_sum(tf.signal.dct(x) * x)
    with tf.Session() as sess:
        analytic, numeric = tf.test.compute_gradient(x, (3, 8), y, (), x_init_value=X[0])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)
