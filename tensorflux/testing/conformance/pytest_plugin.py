"""The conformance kit's command-line options, registered with pytest through the
``pytest11`` entry point (options must be known before a ``--pyargs`` package's
conftest is read). Nothing else: the kit itself lives in its conftest and tests."""


def pytest_addoption(parser):
    group = parser.getgroup("tensorflux", "tensorflux conformance kit")
    group.addoption("--tfx-backend", default=None, metavar="NAME",
                    help="backend under test (e.g. cupy, strictgpu, or a plugin's); "
                         "required to run tensorflux.testing.conformance")
    group.addoption("--tfx-ops", default=None, metavar="PLUGIN",
                    help="test only the ops this plugin registers (default: every op "
                         "the backend has a kernel for)")
    group.addoption("--tfx-examples", type=int, default=5, metavar="N",
                    help="hypothesis examples per op and check (default: 5)")
