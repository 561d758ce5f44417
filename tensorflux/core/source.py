"""Where in the user's code an op was created: the first frame outside tensorflux and
outside the modules plugins declared their own (``tensorflux_register_internal_modules``),
so that an op made by a plugin's wrapper function names the line that called it."""
from __future__ import annotations

import os
import re
import sys
from typing import Iterable, NamedTuple, Optional

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_EXAMPLES_DIR = os.path.join(_PKG_DIR, "examples") + os.sep
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")

# Modules declared internal by plugins: exact names, and "name." prefixes of their
# submodules.
_internal_names: frozenset = frozenset()
_internal_prefixes: tuple = ()


class Location(NamedTuple):
    filename: str
    lineno: int
    function: str

    def __str__(self):
        return f'File "{self.filename}", line {self.lineno}, in {self.function}'


def check_module_names(names: Iterable[str], plugin: str) -> list:
    """``names`` as a list, or ValueError naming ``plugin`` if one is not a module name."""
    names = list(names)
    for name in names:
        if not isinstance(name, str) or not _MODULE_NAME.match(name):
            raise ValueError(f"plugin {plugin!r} declared {name!r} internal, which is not "
                             f"a module or package name")
    return names


def declare_internal(names: Iterable[str]):
    """Treat frames of the modules ``names`` (and their submodules) as library code."""
    global _internal_names, _internal_prefixes
    names = set(names)
    _internal_names = _internal_names | names
    _internal_prefixes = tuple(sorted(set(_internal_prefixes) | {n + "." for n in names}))


def _is_internal(frame) -> bool:
    filename = frame.f_code.co_filename
    if filename.startswith(_PKG_DIR) and not filename.startswith(_EXAMPLES_DIR):
        return True
    if _internal_names:
        module = frame.f_globals.get("__name__", "")
        return module in _internal_names or module.startswith(_internal_prefixes)
    return False


def user_location() -> Optional[Location]:
    """The innermost stack frame that is not tensorflux's own code (nor a plugin's)."""
    frame = sys._getframe(1)
    while frame is not None:
        if not _is_internal(frame):
            code = frame.f_code
            return Location(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None
