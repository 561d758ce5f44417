"""``tf.make_template``: wrap a function so that every call shares its variables."""
from __future__ import annotations

import functools

from tensorflux.core.graph import GraphKeys, get_collection
from tensorflux.ops.variable_scope import variable_scope


class Template:
    """A function whose first call creates variables (with ``tf.get_variable``) in its
    own variable scope and whose later calls reuse them."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None,
                 custom_getter=None):
        self._name = name
        self._func = func
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._variable_scope = None
        self._variables_created = False
        if create_scope_now:
            with variable_scope(unique_name, name, custom_getter=custom_getter) as scope:
                self._variable_scope = scope

    def __call__(self, *args, **kwargs):
        if self._variable_scope is None:
            with variable_scope(self._unique_name, self._name,
                                custom_getter=self._custom_getter) as scope:
                self._variable_scope = scope
                return self._call(args, kwargs)
        with variable_scope(self._variable_scope, reuse=self._variables_created or None):
            return self._call(args, kwargs)

    def _call(self, args, kwargs):
        before = set(get_collection(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        if self._variables_created:
            created = set(get_collection(GraphKeys.TRAINABLE_VARIABLES)) - before
            if created:
                raise ValueError(
                    f"Trainable variable created when calling a template after the first "
                    f"time, perhaps you used tf.Variable when you meant tf.get_variable: "
                    f"{sorted(v.name for v in created)}")
        self._variables_created = True
        return result

    name = property(lambda self: self._name)
    func = property(lambda self: self._func)
    variable_scope = property(lambda self: self._variable_scope)

    @property
    def variable_scope_name(self):
        return self._variable_scope.name if self._variable_scope is not None else None

    def _collection(self, key):
        if self._variable_scope is None:
            return []
        return get_collection(key, self._variable_scope.name + "/")

    @property
    def variables(self):
        return self.global_variables + self.local_variables

    @property
    def trainable_variables(self):
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def global_variables(self):
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self):
        return self._collection(GraphKeys.LOCAL_VARIABLES)


def make_template(name_, func_, create_scope_now_=False, unique_name_=None,
                  custom_getter_=None, **kwargs):
    """A Template calling ``func_`` (with ``kwargs`` bound) that shares its variables
    across calls: the first call creates them under scope ``name_`` (made unique), the
    later ones reuse them. Creating a new trainable variable in a later call is a
    ValueError, as in TF1."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_, unique_name=unique_name_,
                    custom_getter=custom_getter_)
