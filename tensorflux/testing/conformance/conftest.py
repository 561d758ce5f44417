"""pytest wiring of the conformance kit: one Kit per run, made from the command-line
options (``pytest_plugin``), and the ops it claims as test parameters."""
import pytest

_kits = {}


def _kit(config):
    if "kit" not in _kits:
        from tensorflux.testing.conformance.kit import Kit, KitUsageError
        backend = config.getoption("--tfx-backend")
        if not backend:
            raise pytest.UsageError("the tensorflux conformance kit needs --tfx-backend=NAME "
                                    "(the backend to test; `python -m tensorflux info` lists them)")
        try:
            _kits["kit"] = Kit(backend, config.getoption("--tfx-ops"),
                               config.getoption("--tfx-examples"))
        except KitUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    return _kits["kit"]


def pytest_generate_tests(metafunc):
    if "op_type" in metafunc.fixturenames:
        metafunc.parametrize("op_type", _kit(metafunc.config).ops)
    if "differentiable_op" in metafunc.fixturenames:
        metafunc.parametrize("differentiable_op", _kit(metafunc.config).differentiable)


@pytest.fixture(scope="session")
def kit(request):
    return _kit(request.config)


def pytest_sessionfinish(session):
    if "kit" in _kits:
        _kits.pop("kit").close()
