"""``tf.data.Options`` and ``tf.data.ThreadingOptions`` (``dataset.with_options``).

What is honoured: ``threading.private_threadpool_size`` caps the threads of a parallel
``map``. ``deterministic`` is accepted: tensorflux always keeps the element order, which
``deterministic=False`` allows but does not require. Optimization, statistics and
distribution options are TensorFlow's graph rewrites and runtime services; they are
accepted and ignored (any attribute may be set on them).
"""
from __future__ import annotations

import copy


class _Fields:
    """Options with a fixed set of fields (None: not set); setting any other name is an
    AttributeError, as in TF."""

    _FIELDS: dict = {}
    _ALIASES: dict = {}

    def __init__(self):
        for name, make in self._FIELDS.items():
            object.__setattr__(self, name, make() if callable(make) else make)

    def __setattr__(self, name, value):
        name = self._ALIASES.get(name, name)
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        object.__setattr__(self, name, value)

    def __getattr__(self, name):  # only called for names that are not set: the aliases
        real = type(self)._ALIASES.get(name)
        if real is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return getattr(self, real)

    def merge(self, other):
        """A copy of these options with the fields ``other`` sets set to its values."""
        result = copy.deepcopy(self)
        if other is None:
            return result
        for name in self._FIELDS:
            mine, theirs = getattr(result, name), getattr(other, name)
            if hasattr(mine, "merge"):  # nested options
                object.__setattr__(result, name, mine.merge(theirs))
            elif theirs is not None:
                object.__setattr__(result, name, theirs)
        return result

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._FIELDS)})"


class ThreadingOptions(_Fields):
    """``max_intra_op_parallelism`` and ``private_threadpool_size`` (the most threads a
    parallel map of the pipeline uses)."""

    _FIELDS = {"max_intra_op_parallelism": None, "private_threadpool_size": None}


class _Accepting:
    """Options tensorflux does not act on: every attribute may be set."""

    def merge(self, other):
        result = copy.deepcopy(self)
        result.__dict__.update(getattr(other, "__dict__", {}))
        return result

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__


class Options(_Fields):
    """``tf.data.Options()``: set its fields and pass it to ``dataset.with_options``."""

    _FIELDS = {"experimental_deterministic": None, "experimental_threading": ThreadingOptions,
               "experimental_optimization": _Accepting, "experimental_stats": _Accepting,
               "experimental_distribute": _Accepting, "experimental_slack": None,
               "experimental_external_state_policy": None}
    _ALIASES = {"deterministic": "experimental_deterministic",
                "threading": "experimental_threading"}
