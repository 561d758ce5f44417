"""``tf.contrib``: layers, framework (arg_scope), data sets, learn, rnn, opt, and mpi
(data-parallel training, Horovod's API).

Subpackages are imported lazily so ``import tensorflux`` stays fast.
"""
import importlib

_SUBMODULES = ("layers", "learn", "datasets", "framework", "rnn", "opt", "mpi")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"tensorflux.contrib.{name}")
    raise AttributeError(f"module 'tensorflux.contrib' has no attribute {name!r}")
