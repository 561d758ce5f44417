"""The conformance kit, run as a plugin author runs it: on the strict CuPy stand-in (the
CuPy backend's kernels and the demo plugin's array kernel), on the demo plugin's own
backend, and on a plugin made by ``python -m tensorflux new-plugin``; and its checks
failing on a faulty backend."""
import contextlib
import re

import numpy as np
import pytest
from hypothesis import Phase, settings

from plugin_site import pip_install, run_python
from tensorflux.core.registry import Backend, registry
from tensorflux.testing.conformance import claimed_ops
from tensorflux.testing.conformance import test_conformance as checks
from tensorflux.testing.conformance.kit import Kit, KitUsageError

BROKEN = "tfx_broken,tfx_halfway"  # the test plugins that fail on purpose
settings.register_profile("no-shrinking", phases=[Phase.explicit, Phase.generate])


def run_kit(site, backend, cwd, *options):
    return run_python(site, ["-m", "pytest", "--pyargs", "tensorflux.testing.conformance",
                             f"--tfx-backend={backend}", "--tfx-examples=3", "-v",
                             "-p", "no:cacheprovider", *options],
                      cwd=cwd, TENSORFLUX_DISABLE_PLUGINS=BROKEN)


def outcomes(stdout, test):
    """{parameter: outcome} of one kit test in verbose pytest output."""
    return dict(re.findall(rf"::{test}\[([^\]]+)\] (PASSED|FAILED|SKIPPED|ERROR)", stdout))


def test_the_cupy_kernels_pass_on_the_strict_stand_in(plugin_site, tmp_path):
    result = run_kit(plugin_site, "strictgpu", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    forward = outcomes(result.stdout, "test_forward_values_match_numpy")
    # every op the CuPy backend claims, and the plugin's op through its array kernel
    assert set(forward) == set(claimed_ops("cupy")) | {"tfxdemo>Gelu"}
    assert set(forward.values()) == {"PASSED"}
    gradients = outcomes(result.stdout, "test_gradient_matches_central_differences")
    assert "MatMul" in gradients and "tfxdemo>Gelu" in gradients and "Equal" not in gradients


def test_the_demo_plugins_backend_passes(plugin_site, tmp_path):
    result = run_kit(plugin_site, "tfxdemo", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    forward = outcomes(result.stdout, "test_forward_values_match_numpy")
    assert set(forward) == {"Add", "Assign", "MatMul", "Mul", "Relu", "tfxdemo>Gelu"}
    assert "test_variables_survive_a_checkpoint PASSED" in result.stdout
    only_its_ops = run_kit(plugin_site, "tfxdemo", tmp_path, "--tfx-ops=tfx_demo", "-k", "forward")
    assert set(outcomes(only_its_ops.stdout, "test_forward_values_match_numpy")) == {"tfxdemo>Gelu"}


def test_new_plugin_makes_a_package_whose_tests_pass(tmp_path):
    from tensorflux.__main__ import main
    main(["new-plugin", "swishlib", "--directory", str(tmp_path)])
    with pytest.raises(SystemExit):  # not a Python identifier
        main(["new-plugin", "swish-lib", "--directory", str(tmp_path)])
    site = tmp_path / "site"
    pip_install([tmp_path / "swishlib"], site)
    result = run_python(str(site), ["-m", "pytest", "-q", "-p", "no:cacheprovider"],
                        cwd=tmp_path / "swishlib")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "5 passed" in result.stdout


# --- the checks catch a faulty backend ----------------------------------------------------
class OnDevice(np.ndarray):
    """An array of the faulty backend."""


def _device(fn):
    def kernel(*args):
        return np.asarray(fn(*[np.asarray(a) for a in args])).view(OnDevice)
    return kernel


def _modifies_input(x, y):
    np.multiply(x, y, out=x)
    return x


FAULTS = {
    "Add": _device(lambda x, y: x - y),                          # wrong values
    "Mul": _device(_modifies_input),                             # writes into its input
    "Sub": lambda x, y: np.subtract(np.asarray(x), np.asarray(y)),  # returns host arrays
    "Square": _device(lambda x: np.square(x).astype(np.float32)),  # changes the dtype
}


@contextlib.contextmanager
def faulty_backend():
    registry.ensure_loaded()
    registry.register_backend(Backend("faulty", device_type="FAULTY", opt_in=True,
                                      from_host=lambda a: np.array(a).view(OnDevice),
                                      to_host=lambda a: np.array(a.view(np.ndarray))),
                              plugin="tests")
    for op_type, fn in FAULTS.items():
        registry.register_kernel(op_type, "faulty", fn=fn, plugin="tests")
    kit = Kit("faulty", examples=2)
    settings.load_profile("no-shrinking")  # every example fails: shrinking would only cost time
    try:
        yield kit
    finally:
        settings.load_profile("default")
        kit.close()
        registry.unregister_backend("faulty")


@pytest.mark.parametrize("check, op_type, message", [
    (checks.test_forward_values_match_numpy, "Add", "on faulty vs numpy"),
    (checks.test_kernel_keeps_its_promises, "Mul", "modified its input"),
    (checks.test_kernel_keeps_its_promises, "Sub", "not an array of backend 'faulty'"),
    (checks.test_forward_values_match_numpy, "Square", "dtype float32, but the graph promised float64"),
])
def test_the_checks_catch_a_faulty_kernel(check, op_type, message):
    with faulty_backend() as kit:
        assert kit.ops == sorted(FAULTS)
        with pytest.raises(AssertionError, match=message):
            check(kit, op_type)


def test_the_kit_refuses_a_backend_it_cannot_test():
    with pytest.raises(KitUsageError, match="no such backend"):
        Kit("nosuchbackend")
    if not registry.backend_available("cupy"):
        with pytest.raises(KitUsageError, match="not available on this machine"):
            Kit("cupy")
