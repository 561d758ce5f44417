import os

import pytest

import tensorflux as tf
from tensorflux.testing import backend_context


@pytest.fixture(scope="session", autouse=True)
def device_under_test():
    """``TENSORFLUX_TEST_DEVICE=strictgpu`` runs the whole suite with the strict CuPy
    stand-in registered as the GPU, so every op without a device runs there, as the
    suite does on a machine with a GPU."""
    with backend_context(os.environ.get("TENSORFLUX_TEST_DEVICE", "")):
        yield


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory):
    """The third-party test plugins of tests/plugins, installed with pip into a folder
    of their own (see plugin_site.py)."""
    from plugin_site import install_test_plugins
    return install_test_plugins(tmp_path_factory)


@pytest.fixture(autouse=True)
def fresh_default_graph():
    """Every test starts with an empty default graph."""
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()
