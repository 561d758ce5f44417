"""``tf.contrib``: layers, data sets, and (with the estimator issue) learn.

Subpackages are imported lazily so ``import tensorflux`` stays fast.
"""
import importlib

_SUBMODULES = ("layers", "learn", "datasets")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tensorflux.contrib.{name}")
    raise AttributeError(f"module 'tensorflux.contrib' has no attribute {name!r}")
