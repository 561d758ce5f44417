"""tf.test: a TF1 project's test module runs unchanged, and each helper behaves as TF1's."""
import os
import subprocess
import sys
import unittest

import numpy as np
import pytest

import tensorflux as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def test_tf1_style_test_module_runs_with_tf_test_main():
    result = subprocess.run([sys.executable, os.path.join(HERE, "tf1_project", "model_test.py"),
                             "-v"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 8 tests" in result.stderr and "OK" in result.stderr
    assert "test_session" not in result.stderr     # a helper, not a test


def test_tf_test_main_reports_failures():
    code = ("import tensorflux as tf\n"
            "class T(tf.test.TestCase):\n"
            "    def testWrong(self):\n"
            "        self.assertAllClose(tf.constant([1.0, 2.0]), [1.0, 2.5])\n"
            "tf.test.main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1 and "FAILED (failures=1)" in result.stderr


class _Case(tf.test.TestCase):
    def runTest(self):  # noqa: N802
        pass


@pytest.fixture
def case():
    c = _Case()
    c.setUp()
    yield c
    c.tearDown()
    c.doCleanups()


def test_test_case_is_a_unittest_case_with_a_fresh_seeded_graph(case):
    assert isinstance(case, unittest.TestCase)
    assert tf.get_default_graph().seed == 87654321
    assert tf.get_default_graph().get_operations() == []


def test_assertions_fail_as_they_should(case):
    with pytest.raises(AssertionError):
        case.assertAllClose([1.0, 2.0], [1.0, 2.1])
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllClose(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(AssertionError, match="Structures differ"):
        case.assertAllClose({"a": 1.0}, {"b": 1.0})
    case.assertAllClose(np.nan, np.nan)
    with pytest.raises(AssertionError):
        case.assertAllEqual([1, 2], [1, 3])
    with pytest.raises(AssertionError):
        case.assertAllCloseAccordingToType(np.float32(1.0), np.float32(1.0001))
    case.assertAllCloseAccordingToType(np.float32(1.0), np.float32(1.0001), float_rtol=1e-3)
    with pytest.raises(AssertionError, match=r"1.000000 != 1.200000 \+/- 0.100000"):
        case.assertNear(1.0, 1.2, 0.1)
    with pytest.raises(AssertionError):
        case.assertArrayNear([1.0, 2.0], [1.0], 0.1)
    with pytest.raises(AssertionError, match="are not equal"):
        case.assertDeviceEqual("/cpu:0", "/gpu:0")
    with pytest.raises(TypeError):
        case.assertShapeEqual([1, 2], tf.constant([1, 2]))
    case.assertNotAllClose([1.0], [2.0])
    case.assertAllInRange([0.0, 0.5, 1.0], 0.0, 1.0)
    with pytest.raises(AssertionError):
        case.assertAllInRange([0.0, 1.0], 0.0, 1.0, open_upper_bound=True)
    case.assertAllInSet([1, 2, 2], {1, 2})
    case.assertAllGreater([2, 3], 1)
    case.assertAllLess([2, 3], 4)
    case.assertDTypeEqual(np.zeros(2, np.float32), np.float32)
    case.assertStartsWith("tensorflux", "tensor")
    case.assertItemsEqual([1, 2], [2, 1])


def test_assert_raises_op_error_needs_a_matching_op_error(case):
    with case.assertRaisesOpError("boom"):
        raise tf.errors.InvalidArgumentError(None, None, "it went boom")
    with pytest.raises(AssertionError, match="Exception of type"):
        with case.assertRaisesOpError("boom"):
            raise tf.errors.InvalidArgumentError(None, None, "quiet")
    with pytest.raises(AssertionError, match="OpError not raised"):
        with case.assertRaisesOpError("boom"):
            pass
    with pytest.raises(ValueError):
        with case.assertRaisesOpError("boom"):
            raise ValueError("not an op error")


def test_sessions_place_ops_on_the_cpu_unless_asked(case):
    with case.session() as sess:
        assert tf.constant(1.0).op.device == "/device:CPU:0"
        assert tf.get_default_session() is sess
    with case.session(use_gpu=True):
        assert tf.constant(1.0).op.device == ""
    with case.session(force_gpu=True):
        assert tf.constant(1.0).op.device == "/device:GPU:0"
    g = tf.Graph()
    with case.test_session(graph=g) as sess:
        assert sess.graph is g and tf.get_default_graph() is g


def test_module_helpers():
    assert tf.test.is_gpu_available() == any(
        d.startswith("/device:GPU") for d in [tf.test.gpu_device_name()])
    assert tf.test.gpu_device_name() in ("", "/device:GPU:0")
    import importlib.util
    assert tf.test.is_built_with_cuda() == (importlib.util.find_spec("cupy") is not None)
    assert tf.test.is_built_with_gpu_support() == tf.test.is_built_with_cuda()
    assert tf.test.is_built_with_rocm() in (False, True)
    # no XLA: TF1 tests that check these skip their XLA-only cases
    assert tf.test.is_built_with_xla() is False and tf.test.is_cpu_target_available("x86") is False
    assert tf.test.mock is unittest.mock
    assert isinstance(tf.test.benchmark_config(), tf.ConfigProto)
    path = tf.test.get_temp_dir()
    assert os.path.isdir(path) and path == tf.test.get_temp_dir()
    assert tf.test.main.__module__ == "tensorflux.testing.test_case"


def test_is_gpu_available_sees_the_strict_gpu_stand_in():
    from tensorflux.testing import strict_device
    with strict_device.simulated_gpu():
        assert tf.test.is_gpu_available()
        assert not tf.test.is_gpu_available(cuda_only=True)
        assert tf.test.gpu_device_name() == "/device:GPU:0"


def test_disable_with_predicate_skips_when_true():
    class T(tf.test.TestCase):
        @tf.test.disable_with_predicate(lambda: True, "not here")
        def testSkipped(self):  # noqa: N802
            raise AssertionError("ran")

        @tf.test.disable_with_predicate(lambda: False, "not here")
        def testRuns(self):  # noqa: N802
            self.ran = True
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(T).run(result)
    assert result.testsRun == 2 and not result.failures
    assert [reason for _, reason in result.skipped] == ["not here"]


def test_stub_out_for_testing_restores_attributes():
    class Target:
        value = 1
    with tf.test.StubOutForTesting() as stubs:
        stubs.Set(Target, "value", 2)
        stubs.SmartSet(Target, "value", 3)
        assert Target.value == 3
    assert Target.value == 1
    stubs = tf.test.StubOutForTesting()
    stubs.Set(os.path, "sep", "#")
    stubs.CleanUp()
    assert os.path.sep == "/"


def test_benchmark_reports_and_times_runs():
    class Bench(tf.test.Benchmark):
        def benchmarkAdd(self):  # noqa: N802
            x = tf.constant(np.ones(10))
            with tf.Session() as sess:
                return self.run_op_benchmark(sess, x + x, min_iters=3, mbs=1)
    result = Bench().benchmarkAdd()
    assert result["iters"] == 3 and result["wall_time"] > 0
    assert result["extras"]["throughput_mb_per_sec"] > 0
    assert Bench().report_benchmark(iters=1, wall_time=0.5)["name"] == "Bench.test_benchmark_reports_and_times_runs"


def test_assert_equal_graph_def():
    def build():
        g = tf.Graph()
        with g.as_default():
            tf.add(tf.constant(1.0, name="a"), tf.constant(2.0, name="b"), name="c")
        return g.as_graph_def()
    tf.test.assert_equal_graph_def(build(), build())
    other = tf.Graph()
    with other.as_default():
        tf.constant(3.0, name="a")
    with pytest.raises(AssertionError, match="differ"):
        tf.test.assert_equal_graph_def(build(), other.as_graph_def())


def test_tf_test_loads_unittest_only_when_used():
    code = ("import sys, tensorflux as tf\n"
            "print('unittest' in sys.modules, 'tensorflux.testing.test_case' in sys.modules)\n"
            "tf.test.TestCase\n"
            "print('tensorflux.testing.test_case' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"], out.stdout + out.stderr
