"""``tf.errors``: the TF1 error classes, all subclasses of ``OpError``.

Every error raised while running a graph carries the ``op`` that failed (or None) and
its message names the op, its inputs and the line of user code that created it.
"""
from __future__ import annotations


class OpError(Exception):
    """Base class of errors raised while running (or, for some, building) a graph."""

    error_code = 2

    def __init__(self, node_def, op, message, error_code=None):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self):
        return self.message


def _make(name: str, code: int, doc: str):
    cls = type(name, (OpError,), {"error_code": code, "__doc__": doc})

    def __init__(self, node_def=None, op=None, message="", *args):
        OpError.__init__(self, node_def, op, message, code)

    cls.__init__ = __init__
    return cls


CancelledError = _make("CancelledError", 1, "An operation was cancelled.")
UnknownError = _make("UnknownError", 2, "An error of unknown kind.")
InvalidArgumentError = _make("InvalidArgumentError", 3, "An op received an invalid argument.")
DeadlineExceededError = _make("DeadlineExceededError", 4, "A deadline expired.")
NotFoundError = _make("NotFoundError", 5, "A requested entity (file, variable) was not found.")
AlreadyExistsError = _make("AlreadyExistsError", 6, "An entity that we tried to create already exists.")
PermissionDeniedError = _make("PermissionDeniedError", 7, "The caller may not run an operation.")
ResourceExhaustedError = _make("ResourceExhaustedError", 8, "Some resource (memory) is exhausted.")
FailedPreconditionError = _make("FailedPreconditionError", 9, "The system is not in a state to run the op (e.g. an uninitialized variable).")
AbortedError = _make("AbortedError", 10, "The operation was aborted.")
OutOfRangeError = _make("OutOfRangeError", 11, "An iteration went past its valid range.")
UnimplementedError = _make("UnimplementedError", 12, "The operation is not implemented.")
InternalError = _make("InternalError", 13, "An internal invariant was broken.")
UnavailableError = _make("UnavailableError", 14, "The runtime is unavailable.")
DataLossError = _make("DataLossError", 15, "Unrecoverable data loss or corruption (e.g. a damaged checkpoint).")
UnauthenticatedError = _make("UnauthenticatedError", 16, "The request lacks valid credentials.")

OK = 0
CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 1, 2, 3, 4, 5
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 6, 7, 8, 9
ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = 10, 11, 12, 13, 14, 15
UNAUTHENTICATED = 16

_class_by_code = {cls.error_code: cls for cls in (
    CancelledError, UnknownError, InvalidArgumentError, DeadlineExceededError, NotFoundError,
    AlreadyExistsError, PermissionDeniedError, ResourceExhaustedError, FailedPreconditionError,
    AbortedError, OutOfRangeError, UnimplementedError, InternalError, UnavailableError,
    DataLossError, UnauthenticatedError)}


def exception_type_from_error_code(error_code):
    """The OpError subclass of a canonical error code (3 -> InvalidArgumentError)."""
    return _class_by_code[error_code]


def error_code_from_exception_type(cls):
    """The canonical error code of an OpError subclass (InvalidArgumentError -> 3)."""
    return cls.error_code


__all__ = [n for n in dir() if n.endswith("Error") or n.isupper()]
