"""``tf.contrib``: layers, data sets, learn, rnn and opt.

Subpackages are imported lazily so ``import tensorflux`` stays fast.
"""
import importlib

_SUBMODULES = ("layers", "learn", "datasets", "rnn", "opt")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tensorflux.contrib.{name}")
    raise AttributeError(f"module 'tensorflux.contrib' has no attribute {name!r}")
