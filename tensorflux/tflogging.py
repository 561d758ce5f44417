"""``tf.logging``: TF1's logging functions on the ``tensorflux`` logger.

Messages look like ``INFO:tensorflux:loss = 0.25, step = 100``; as in TF1 the default
verbosity is WARN, so ``tf.logging.set_verbosity(tf.logging.INFO)`` shows training logs.
"""
import logging as _logging

DEBUG, INFO, WARN, ERROR, FATAL = (_logging.DEBUG, _logging.INFO, _logging.WARNING,
                                   _logging.ERROR, _logging.CRITICAL)
WARNING = WARN

_logger = _logging.getLogger("tensorflux")
if not _logger.handlers:
    _handler = _logging.StreamHandler()
    _handler.setFormatter(_logging.Formatter("%(levelname)s:tensorflux:%(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(WARN)
    _logger.propagate = False


def set_verbosity(level):
    _logger.setLevel(level)


def get_verbosity():
    return _logger.getEffectiveLevel()


def debug(msg, *args):
    _logger.debug(msg, *args)


def info(msg, *args):
    _logger.info(msg, *args)


def warning(msg, *args):
    _logger.warning(msg, *args)


warn = warning


def error(msg, *args):
    _logger.error(msg, *args)


def get_logger():
    """The ``tensorflux`` logger these functions write to (``tf.get_logger()``)."""
    return _logger
