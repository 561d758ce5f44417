"""tensorflux.core.threads: the BLAS/OpenMP thread limit, set directly, for a block, or
by a Session's ConfigProto(intra_op_parallelism_threads=n); read back through
threadpoolctl's own report of the loaded libraries."""
import os

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import tensorflux as tf
from tensorflux.core import threads


def blas_threads():
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


@pytest.fixture(autouse=True)
def restore_limits():
    before = max(blas_threads())
    saved = threads._limit
    yield
    threadpool_limits(limits=before)
    threads._limit = saved


def test_set_intra_op_threads_limits_the_blas_pool():
    assert blas_threads(), "NumPy's BLAS is not visible to threadpoolctl"
    threads.set_intra_op_threads(1)
    assert blas_threads() == {1} and threads.intra_op_threads() == 1
    assert threads.set_intra_op_threads(2) == 1
    assert blas_threads() == {2}


def test_limited_restores_the_previous_limit():
    threads.set_intra_op_threads(2)
    with threads.limited(1):
        assert blas_threads() == {1} and threads.intra_op_threads() == 1
    assert blas_threads() == {2} and threads.intra_op_threads() == 2


def test_a_session_applies_its_config():
    threads.set_intra_op_threads(2)
    tf.Session().close()  # 0: the current limit stays
    assert blas_threads() == {2}
    with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=1)) as sess:
        assert sess.run(tf.constant(3.0) * 2.0) == 6.0
    assert blas_threads() == {1}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_thread_counts_are_errors(bad):
    with pytest.raises(ValueError, match="intra-op threads must be an int >= 1"):
        threads.set_intra_op_threads(bad)
    with pytest.raises(ValueError, match="intra-op threads must be an int >= 1"):
        with threads.limited(bad):
            pass


def test_a_negative_config_is_an_error():
    with pytest.raises(ValueError, match="intra_op_parallelism_threads must be >= 0, got -2"):
        tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=-2))


def test_available_cores_is_the_affinity():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert threads.available_cores() == expected
