"""``tf.Module``: a named container of variables and other modules.

``module.variables`` (and ``trainable_variables``, ``submodules``) are found by walking
the module's attributes, through lists, tuples, dicts and nested modules, in sorted
attribute order, each object once. ``module.name_scope`` re-enters the name scope the
module opened when it was made, so ops and variables built there share its prefix.
"""
from __future__ import annotations

import functools

from tensorflux.core.graph import name_scope
from tensorflux.ops.layer_classes import _snake


class Module:
    """Base class for objects that own variables; see the module docstring."""

    def __init__(self, name=None):
        if name is None:
            name = _snake(type(self).__name__)
        elif not (isinstance(name, str) and name.isidentifier()):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             f"Python 3 identifiers.")
        self._name = name
        with name_scope(name) as scope:
            self._scope_name = scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """The module's name scope, to enter with ``with``."""
        return name_scope(self._scope_name)

    def _walk(self, keep, into_modules=True):
        found, seen = [], {id(self)}

        def visit(value):
            if id(value) in seen:
                return
            if isinstance(value, dict):
                for key in sorted(value, key=str):
                    visit(value[key])
                return
            if isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
                return
            seen.add(id(value))
            if keep(value):
                found.append(value)
            if isinstance(value, Module) and into_modules:
                for key in sorted(vars(value)):
                    visit(vars(value)[key])

        for key in sorted(vars(self)):
            visit(vars(self)[key])
        return tuple(found)

    @property
    def variables(self):
        """Every Variable of this module and its submodules."""
        from tensorflux.ops.variables import Variable
        return self._walk(lambda v: isinstance(v, Variable))

    @property
    def trainable_variables(self):
        return tuple(v for v in self.variables if v.trainable)

    @property
    def submodules(self):
        """Every Module reachable from this one (not itself)."""
        return self._walk(lambda v: isinstance(v, Module))

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: run ``method`` inside the module's name scope."""
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return wrapped
