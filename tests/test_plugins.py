"""Third-party plugins: installed with pip into a separate folder, used in a subprocess."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf
from plugin_site import run_with_plugins
from tensorflux.core.registry import Backend, OpDef, Registry, RegistryError


USE_GELU = """
import numpy as np, warnings
import tensorflux as tf
from tfx_demo import gelu
x = tf.placeholder(tf.float64, shape=[None])
y = gelu(x)
with tf.Session() as sess:
    out = sess.run(y, {x: np.array([-1.0, 0.0, 2.0])})
print(y.op.type, y.shape.as_list(), np.round(out, 4).tolist())
"""


def test_third_party_op_runs_and_broken_plugin_is_a_warning(plugin_site):
    r = run_with_plugins(plugin_site, USE_GELU)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0] == "tfxdemo>Gelu [None] [-0.1588, 0.0, 1.9546]"
    assert "tfx_broken" in r.stderr and "failed to load" in r.stderr


def test_info_lists_plugins_and_environment_can_restrict_them(plugin_site):
    r = run_with_plugins(plugin_site, "from tensorflux.__main__ import main; main(['info', '--json'])")
    info = json.loads(r.stdout)
    names = {p["name"]: p for p in info["plugins"]}
    assert names["tfx_demo"]["loaded"] and not names["tfx_broken"]["loaded"]
    assert "ImportError" in names["tfx_broken"]["error"]
    only = run_with_plugins(plugin_site, USE_GELU, TENSORFLUX_PLUGINS="ops,numpy")
    assert only.returncode != 0 and "tfxdemo>Gelu" in only.stderr and "not registered" in only.stderr
    skip = run_with_plugins(plugin_site, USE_GELU, TENSORFLUX_DISABLE_PLUGINS="tfx_broken")
    assert skip.returncode == 0 and "tfx_broken" not in skip.stderr


def test_registry_rejects_duplicates_and_bad_registrations():
    reg = Registry()
    reg._loaded = True
    reg.register_op(OpDef("Foo"), plugin="a")
    with pytest.raises(RegistryError, match="'Foo' registered twice: by 'a' and by 'b'"):
        reg.register_op(OpDef("Foo"), plugin="b")
    with pytest.raises(RegistryError, match="not an OpDef"):
        reg.register_op("Foo", plugin="c")
    reg.register_backend(Backend("cpu2"), plugin="a")
    with pytest.raises(RegistryError, match="registered twice"):
        reg.register_backend(Backend("cpu2"), plugin="b")
    reg.register_kernel("Foo", "cpu2", fn=abs, plugin="a")
    with pytest.raises(RegistryError, match="registered twice"):
        reg.register_kernel("Foo", "cpu2", fn=abs, plugin="b")
    with pytest.raises(RegistryError, match="exactly one"):
        reg.register_kernel("Bar", "cpu2", plugin="b")
    with pytest.raises(KeyError, match="No kernel for op type 'Foo' on backend 'gpu9'"):
        reg.get_kernel("Foo", "gpu9")


def test_op_without_kernel_on_the_backend_is_a_clear_error():
    from tensorflux.core.registry import registry
    registry.register_op(OpDef("test>NoKernel", inputs=("x",)), plugin="tests")
    try:
        x = tf.constant(1.0)
        y = tf.get_default_graph().create_op("test>NoKernel", [x]).outputs[0]
        with tf.Session() as sess:
            with pytest.raises(tf.errors.NotFoundError, match="No kernel for op type 'test>NoKernel' on backend 'numpy'"):
                sess.run(y)
    finally:
        del registry._ops["test>NoKernel"]


def test_info_cli_text_and_json():
    out = subprocess.run([sys.executable, "-m", "tensorflux", "info", "--json"],
                         capture_output=True, text=True, check=True).stdout
    info = json.loads(out)
    assert info["version"] == tf.__version__
    backends = {b["name"]: b for b in info["backends"]}
    assert {"name": "numpy", "device_type": "CPU", "available": True}.items() <= backends["numpy"].items()
    assert info["ops"] >= 90 and info["kernels"]["numpy"] >= 85
    text = subprocess.run([sys.executable, "-m", "tensorflux", "info"], capture_output=True,
                          text=True, check=True).stdout
    assert "numpy" in text and "ops:" in text


def test_import_tensorflux_leaves_heavy_modules_for_later():
    """``import tensorflux`` loads no plugin, no CuPy, no estimator and no TensorBoard
    protos: each comes when first used."""
    code = ("import sys, tensorflux as tf\n"
            "heavy = ['cupy', 'pluggy', 'tensorflux.estimator', 'tensorboard', 'h5py', 'tempfile', 'socket']\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
            "tf.estimator.DNNClassifier, tf.feature_column.numeric_column, tf.train.SessionRunHook\n"
            "print('tensorflux.estimator' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"], out.stdout + out.stderr


def test_registrations_are_committed_all_or_nothing():
    reg = Registry()
    reg._loaded = True
    reg.register_op(OpDef("Taken"), plugin="first")
    staged = [("backend", (Backend("b2"),), {}), ("op", (OpDef("Mine"),), {}),
              ("kernel", ("Mine",), {"backend": "b2", "fn": abs})]
    with pytest.raises(RegistryError, match="'Taken' registered twice: by 'first' and by 'second'"):
        reg.commit("second", staged + [("op", (OpDef("Taken"),), {})])
    assert set(reg._ops) == {"Taken"} and not reg._backends and not reg._kernels
    with pytest.raises(ValueError, match="not a module or package name"):
        reg.commit("second", staged + [("internal", ("no such-module",), {})])
    assert set(reg._ops) == {"Taken"} and not reg._backends
    reg.commit("second", staged)
    assert reg.op_owner("Mine") == "second" and reg.kernel_backends("Mine") == ["b2"]


LOAD_AND_REPORT = """
import json, warnings
from tensorflux.core import source
from tensorflux.core.registry import registry
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    registry.ensure_loaded()
print(json.dumps({"op": registry.has_op("tfxhalf>Op"), "backend": "halfway" in registry.backends,
                  "kernel": registry.find_kernel("tfxhalf>Op", "numpy") is not None,
                  "internal": "tfx_halfway" in source._internal_names,
                  "gelu": registry.has_op("tfxdemo>Gelu"),
                  "plugin": registry.plugins["tfx_halfway"],
                  "warnings": [str(w.message) for w in caught]}))
"""


def test_a_plugin_that_fails_part_way_leaves_nothing_behind(plugin_site):
    r = run_with_plugins(plugin_site, LOAD_AND_REPORT)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert not (info["op"] or info["backend"] or info["kernel"] or info["internal"])
    assert info["gelu"]  # the other plugins are whole
    assert not info["plugin"]["loaded"]
    assert info["plugin"]["error"].startswith("failed in tensorflux_register_kernels: RuntimeError")
    assert any(w.startswith("tensorflux plugin 'tfx_halfway' failed in tensorflux_register_kernels")
               and w.endswith("nothing it registers is kept") for w in info["warnings"])


WRAPPER_ERROR = """
import numpy as np
import tensorflux as tf
from tfx_demo import gelu
x = tf.placeholder(tf.string, shape=[2])
y = gelu(x)
print(y.op.location.filename, y.op.location.lineno)
with tf.Session() as sess:
    try:
        sess.run(y, {x: np.array([b"a", b"b"], dtype=object)})
    except tf.errors.OpError as exc:
        print(type(exc).__name__, exc.message)
"""


def test_ops_made_by_a_plugins_wrapper_name_the_users_line(plugin_site):
    r = run_with_plugins(plugin_site, WRAPPER_ERROR)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "<string> 6"
    assert 'created at File "<string>", line 6' in r.stdout


def test_a_saved_graph_names_the_package_an_op_needs(plugin_site, tmp_path):
    path = str(tmp_path / "gelu.meta")
    save = ("import tensorflux as tf\nfrom tfx_demo import gelu\n"
            f"gelu(tf.placeholder(tf.float32, shape=[3]))\ntf.train.export_meta_graph({path!r})\n")
    assert run_with_plugins(plugin_site, save).returncode == 0
    load = f"import tensorflux as tf\ntf.train.import_meta_graph({path!r})\nprint('loaded')\n"
    assert run_with_plugins(plugin_site, load).stdout == "loaded\n"
    missing = run_with_plugins(plugin_site, load, TENSORFLUX_DISABLE_PLUGINS="tfx_demo")
    assert missing.returncode != 0 and "GraphFormatError" in missing.stderr
    assert ("'tfxdemo>Gelu' from the package tfx-demo 1.0.0: install it (pip install tfx-demo)"
            in missing.stderr)


def test_a_hostile_provider_entry_is_not_repeated():
    from tensorflux.serialization.op_providers import missing_op_hint
    for entry in ({"name": "x; rm -rf ~", "version": "1"}, {"name": "ok"}, "tfx-demo", None):
        assert missing_op_hint({"op_providers": {"a>B": entry}}, "a>B") == \
            "Install the plugin that provides 'a>B'."
    assert missing_op_hint({}, "a>B") == "Install the plugin that provides 'a>B'."


def test_graph_defs_record_the_providing_package():
    from importlib import metadata
    tf.constant(1.0) * 2.0
    from tensorflux.serialization.graph_format import graph_to_def
    providers = graph_to_def(tf.get_default_graph())["op_providers"]
    version = metadata.version("tensorflux")
    assert providers == {"Const": {"name": "tensorflux", "version": version},
                         "Mul": {"name": "tensorflux", "version": version}}


def test_info_ops_lists_each_op_with_plugin_and_kernels(plugin_site):
    r = run_with_plugins(plugin_site, "from tensorflux.__main__ import main; main(['info', '--ops', '--json'])",
                         TENSORFLUX_DISABLE_PLUGINS="tfx_broken,tfx_halfway")
    info = json.loads(r.stdout)
    ops = {op["name"]: op for op in info["op_list"]}
    assert ops["tfxdemo>Gelu"] == {"name": "tfxdemo>Gelu", "plugin": "tfx_demo",
                                   "kernels": ["cupy", "numpy", "tfxdemo"]}
    assert ops["Add"]["plugin"] == "ops" and ops["Add"]["kernels"] == ["cupy", "numpy", "tfxdemo"]
    assert ops["Placeholder"]["kernels"] == [] and len(ops) == info["ops"]
    plugins = {p["name"]: p for p in info["plugins"]}
    assert plugins["tfx_demo"]["distribution"] == {"name": "tfx-demo", "version": "1.0.0"}
    demo = [b for b in info["backends"] if b["name"] == "tfxdemo"][0]
    assert demo["priority"] == -5 and demo["opt_in"]
    text = run_with_plugins(plugin_site, "from tensorflux.__main__ import main; main(['info', '--ops'])",
                            TENSORFLUX_DISABLE_PLUGINS="tfx_broken,tfx_halfway").stdout
    assert re.search(r"^  tfxdemo>Gelu +tfx_demo +cupy, numpy, tfxdemo$", text, re.M)
    assert re.search(r"^  Placeholder +ops +\(run by the executor\)$", text, re.M)
    assert re.search(r"^  tfxdemo +DEMO +available +6 kernels \(priority -5, opt-in\)$", text, re.M)


OPT_IN = """
import tensorflux as tf
a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
unplaced = a * b
with tf.device("/device:DEMO:0"):
    on_demo = a * b + a
with tf.Session() as sess:
    print(sess.run(unplaced).tolist(), sess.run(on_demo).tolist(),
          sess._backend_for(unplaced.op), sess._backend_for(on_demo.op))
"""


def test_an_opt_in_backend_runs_only_what_is_placed_on_it(plugin_site):
    r = run_with_plugins(plugin_site, OPT_IN, TENSORFLUX_DISABLE_PLUGINS="tfx_broken,tfx_halfway")
    assert r.stdout == "[3.0, 8.0] [4.0, 10.0] numpy tfxdemo\n", r.stderr


STRICT_GELU = """
import numpy as np
import tensorflux as tf
from tensorflux.core.registry import registry
from tensorflux.testing.strict_device import simulated_gpu
from tfx_demo import gelu
with simulated_gpu():
    y = gelu(tf.constant(np.array([-1.0, 0.0, 2.0])))
    with tf.Session() as sess:
        print(sess._backend_for(y.op), np.round(sess.run(y), 4).tolist())
print(registry.find_kernel("tfxdemo>Gelu", "strictgpu"))
"""


def test_simulated_gpu_registers_the_plugins_array_kernels(plugin_site):
    r = run_with_plugins(plugin_site, STRICT_GELU, TENSORFLUX_DISABLE_PLUGINS="tfx_broken,tfx_halfway")
    assert r.stdout == "strictgpu [-0.1588, 0.0, 1.9546]\nNone\n", r.stderr
