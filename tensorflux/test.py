"""``tf.test``: TestCase and the test helpers of TF1, and gradient checking.

The TestCase module imports unittest and tempfile, so it loads when first used."""
from tensorflux.ops.gradient_checker import compute_gradient, compute_gradient_error  # noqa: F401

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, lazy={
    name: f"tensorflux.testing.test_case:{name}"
    for name in ("Benchmark", "StubOutForTesting", "TestCase", "assert_equal_graph_def",
                 "benchmark_config", "disable_with_predicate", "get_temp_dir", "gpu_device_name", "is_built_with_cuda",
                 "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla",
                 "is_cpu_target_available", "is_gpu_available", "main",
                 "mock")})
