"""Third-party plugins: installed with pip into a separate folder, used in a subprocess."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import tensorflux as tf
from tensorflux.core.registry import Backend, OpDef, Registry, RegistryError

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    sources = tmp_path_factory.mktemp("src")  # builds leave files beside the sources
    for name in ("tfx_demo", "tfx_broken"):
        shutil.copytree(os.path.join(HERE, "plugins", name), sources / name)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target),
                    str(sources / "tfx_demo"), str(sources / "tfx_broken")],
                   check=True, capture_output=True)
    return str(target)


def run_with_plugins(site, code, **env):
    environ = dict(os.environ, PYTHONPATH=site + os.pathsep + os.environ.get("PYTHONPATH", ""))
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ)


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
