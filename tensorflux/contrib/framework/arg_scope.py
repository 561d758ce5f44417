"""TF1's ``arg_scope``: default keyword arguments for the functions listed, while a
``with`` block runs.

Only functions decorated with ``@add_arg_scope`` take part (the contrib layers are);
arguments given explicitly in a call win over the scope's; nested scopes add to (and
override) the enclosing one; a scope yielded by ``arg_scope`` can be re-entered later
by passing that dict back.
"""
from __future__ import annotations

import contextlib
import functools

_STACK: list[dict] = [{}]


def _key(func):
    return getattr(func, "_key_op", (func.__module__, func.__name__))


def current_arg_scope() -> dict:
    """The innermost scope: ``{function key: {argument: default}}``."""
    return _STACK[-1]


def has_arg_scope(func) -> bool:
    """Whether ``func`` was decorated with ``add_arg_scope``."""
    return getattr(func, "_key_op", None) is not None


def arg_scoped_arguments(func):
    """The names of the arguments ``func`` accepts (those an arg_scope can set)."""
    import inspect
    return list(inspect.signature(getattr(func, "__wrapped__", func)).parameters)


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Set default ``kwargs`` for each function of ``list_ops_or_scope`` (or re-enter a
    scope dict yielded by an earlier ``arg_scope``)."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by suppling a dictionary, "
                             "kwargs must be empty.")
        scope = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope "
                            "(i.e. dict)")
        scope = dict(current_arg_scope())
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                name = getattr(op, "__name__", repr(op))
                raise ValueError(f"{name} is not decorated with @add_arg_scope")
            key = _key(op)
            scope[key] = {**scope.get(key, {}), **kwargs}
    _STACK.append(scope)
    try:
        yield scope
    finally:
        _STACK.pop()


def add_arg_scope(func):
    """Let ``arg_scope`` supply default keyword arguments to ``func``."""
    key = _key(func)

    @functools.wraps(func)
    def with_scope_defaults(*args, **kwargs):
        defaults = current_arg_scope().get(key)
        if defaults:
            kwargs = {**defaults, **kwargs}
        return func(*args, **kwargs)

    with_scope_defaults._key_op = key
    return with_scope_defaults
