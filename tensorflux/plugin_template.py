"""``python -m tensorflux new-plugin NAME``: a plugin package skeleton whose own tests
pass out of the box.

The skeleton defines one op, ``NAME>Swish`` (x * sigmoid(x)), with a public wrapper, a
gradient, a kernel written once against the array namespace (so it runs on NumPy, on
CuPy and on the strict CuPy stand-in), its modules declared internal (errors name the
user's line) and a conformance case. Its tests check the op against a NumPy formula,
its gradient, and run the conformance kit on the NumPy backend and on the stand-in.
"""
from __future__ import annotations

import os
import re
from string import Template

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "$name"
version = "0.1.0"
description = "A tensorflux plugin: the op $name>Swish"
requires-python = ">=3.10"
dependencies = ["tensorflux"]

[project.optional-dependencies]
test = ["tensorflux[test]"]

[project.entry-points.tensorflux]
$name = "$name"

[tool.setuptools]
packages = ["$name"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

_README = """\
# $name

A tensorflux plugin. It defines the op `$name>Swish` (`x * sigmoid(x)`), used through
`$name.swish(x)`.

    pip install -e ".[test]"
    python -m pytest                       # its tests, the conformance kit included
    python -m tensorflux info --ops        # lists $name>Swish and its kernels

The conformance kit alone, on any backend:

    pytest --pyargs tensorflux.testing.conformance --tfx-backend=strictgpu --tfx-ops=$name

See tensorflux's docs, "Plugins", for what else a plugin can register.
"""

_MODULE = '''\
"""$name: a tensorflux plugin (entry point ``$name`` in pyproject.toml)."""
import tensorflux as tf
from tensorflux.plugins import OpDef, hookimpl, same_shape

SWISH = "$name>Swish"


def swish(x, name=None):
    """``x * sigmoid(x)``, elementwise."""
    x = tf.convert_to_tensor(x)
    return x.graph.create_op(SWISH, [x], name=name or "Swish").outputs[0]


def _swish_grad(op, grad):
    x = op.inputs[0]
    s = tf.sigmoid(x)
    return [grad * (s + x * s * (1 - s))]


def _swish_kernel(xp):
    def swish_kernel(x):
        return x / (1 + xp.exp(-x))
    return swish_kernel


@hookimpl
def tensorflux_register_internal_modules(register):
    register("$name")  # ops made by swish() name the caller's line, not this module's


@hookimpl
def tensorflux_register_ops(register):
    register(OpDef(SWISH, inputs=("x",), shape_fn=same_shape, gradient=_swish_grad,
                   doc="x * sigmoid(x), elementwise."))


@hookimpl
def tensorflux_register_array_kernels(register, backend, load_xp):
    # Called for NumPy, CuPy and the strict CuPy stand-in; load_xp() is their namespace.
    register(SWISH, builder=lambda op, ctx: _swish_kernel(load_xp()))


@hookimpl
def tensorflux_conformance_cases(register):
    from tensorflux.testing.conformance.strategies import unary
    register(SWISH, unary(swish))
'''

_TESTS = '''\
"""The $name plugin: its op against a NumPy formula and its gradient, and the
tensorflux conformance kit on the NumPy backend and on the strict CuPy stand-in."""
import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf
from $name import swish


def test_swish_matches_numpy():
    x = np.linspace(-4.0, 4.0, 9)
    with tf.Graph().as_default(), tf.Session() as sess:
        y = sess.run(swish(tf.constant(x)))
    np.testing.assert_allclose(y, x / (1 + np.exp(-x)), rtol=1e-12)


def test_gradient_matches_central_differences():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, shape=(5,))
        y = swish(x)
        with tf.Session():
            error = tf.test.compute_gradient_error(x, (5,), y, (5,),
                                                   x_init_value=np.linspace(-2.0, 2.0, 5))
    assert error < 1e-6


def test_ops_record_the_callers_line():
    with tf.Graph().as_default():
        y = swish(tf.constant(1.0))
    assert y.op.location.filename == __file__


@pytest.mark.parametrize("backend", ["numpy", "strictgpu"])
def test_conformance_kit(backend, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "tensorflux.testing.conformance",
         f"--tfx-backend={backend}", "--tfx-ops=$name", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
'''

FILES = {"pyproject.toml": _PYPROJECT, "README.md": _README,
         os.path.join("$name", "__init__.py"): _MODULE,
         os.path.join("tests", "test_$name.py"): _TESTS}


def create(name: str, directory: str = ".") -> str:
    """Write the skeleton of plugin ``name`` into ``directory/name``; returns its path."""
    if not _NAME.match(name):
        raise ValueError(f"plugin name {name!r} must be a lowercase Python identifier "
                         f"(letters, digits, underscores)")
    root = os.path.join(directory, name)
    if os.path.exists(root):
        raise FileExistsError(f"{root} already exists")
    for path, text in FILES.items():
        target = os.path.join(root, Template(path).substitute(name=name))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write(Template(text).substitute(name=name))
    return root
