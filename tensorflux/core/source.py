"""Where in the user's code an op was created: the first frame outside tensorflux."""
from __future__ import annotations

import os
import sys
from typing import NamedTuple, Optional

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_EXAMPLES_DIR = os.path.join(_PKG_DIR, "examples") + os.sep


class Location(NamedTuple):
    filename: str
    lineno: int
    function: str

    def __str__(self):
        return f'File "{self.filename}", line {self.lineno}, in {self.function}'


def _is_internal(filename: str) -> bool:
    return filename.startswith(_PKG_DIR) and not filename.startswith(_EXAMPLES_DIR)


def user_location() -> Optional[Location]:
    """The innermost stack frame that is not tensorflux's own code."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if not _is_internal(code.co_filename):
            return Location(code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None
