"""``tf.resource_loader``: paths of data files that ship next to a script or inside
tensorflux."""
from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _caller_directory():
    """The directory of the file that called the public function calling this."""
    return os.path.dirname(os.path.abspath(sys._getframe(2).f_code.co_filename))


def get_data_files_path():
    """The directory of the Python file that calls this."""
    return _caller_directory()


def get_root_dir_with_all_resources():
    """The directory holding the caller's data files (its own directory)."""
    return _caller_directory()


def get_path_to_datafile(path):
    """``path`` taken relative to the directory of the Python file that calls this."""
    return os.path.join(_caller_directory(), path)


def load_resource(path):
    """The bytes of ``path``, relative to the tensorflux package (TF1: relative to the
    tensorflow package)."""
    with open(os.path.join(_PACKAGE, path), "rb") as f:
        return f.read()


def readahead_file_path(path, readahead="128M"):
    """``path`` itself: as in TensorFlow, readahead is not implemented."""
    return path
