"""TensorFlow's exception classes (``tf.errors``), each also a standard Python exception.

An op that rejects its arguments raises :class:`InvalidArgumentError`, which is
also a ``ValueError``: code written for TensorFlow (``except
tf.errors.InvalidArgumentError``) and plain Python code (``except ValueError``)
both catch it. Which Python class each error extends:

==========================  ==========================================  =====
class                       also a                                      code
==========================  ==========================================  =====
``OpError``                 ``Exception`` (the base of all below)       --
``CancelledError``          --                                          1
``UnknownError``            --                                          2
``InvalidArgumentError``    ``ValueError``                              3
``DeadlineExceededError``   ``TimeoutError``                            4
``NotFoundError``           ``FileNotFoundError``, ``LookupError``      5
``AlreadyExistsError``      ``FileExistsError``                         6
``PermissionDeniedError``   ``PermissionError``                         7
``ResourceExhaustedError``  ``RuntimeError``                            8
``FailedPreconditionError`` ``RuntimeError``                            9
``AbortedError``            ``RuntimeError``                            10
``OutOfRangeError``         ``IndexError``                              11
``UnimplementedError``      ``NotImplementedError``                     12
``InternalError``           ``RuntimeError``                            13
``UnavailableError``        ``ConnectionError``                         14
``DataLossError``           ``ValueError``                              15
``UnauthenticatedError``    ``PermissionError``                         16
==========================  ==========================================  =====

They take TensorFlow's arguments ``(node_def, op, message)`` or just a message,
and carry ``.message``, ``.op``, ``.node_def`` and ``.error_code``.
``ResourceExhaustedError`` is not a ``MemoryError``: Python reserves that for
the interpreter running out of memory, and its subclasses cannot be rebuilt
by the exception pickling that distributed workers use.

>>> import tapegrad as tf
>>> try:
...     tf.reshape(tf.zeros([6]), [4, 2])
... except tf.errors.InvalidArgumentError as err:
...     isinstance(err, ValueError), err.error_code
(True, 3)
"""

from ._core.errors import InvalidArgumentError, OpError


# fmt: off
class CancelledError(OpError): error_code = 1  # noqa: E701
class UnknownError(OpError): error_code = 2  # noqa: E701
class DeadlineExceededError(OpError, TimeoutError): error_code = 4  # noqa: E701
class NotFoundError(OpError, FileNotFoundError, LookupError): error_code = 5  # noqa: E701
class AlreadyExistsError(OpError, FileExistsError): error_code = 6  # noqa: E701
class PermissionDeniedError(OpError, PermissionError): error_code = 7  # noqa: E701
class ResourceExhaustedError(OpError, RuntimeError): error_code = 8  # noqa: E701
class FailedPreconditionError(OpError, RuntimeError): error_code = 9  # noqa: E701
class AbortedError(OpError, RuntimeError): error_code = 10  # noqa: E701
class OutOfRangeError(OpError, IndexError): error_code = 11  # noqa: E701
class UnimplementedError(OpError, NotImplementedError): error_code = 12  # noqa: E701
class InternalError(OpError, RuntimeError): error_code = 13  # noqa: E701
class UnavailableError(OpError, ConnectionError): error_code = 14  # noqa: E701
class DataLossError(OpError, ValueError): error_code = 15  # noqa: E701
class UnauthenticatedError(OpError, PermissionError): error_code = 16  # noqa: E701
# fmt: on


# One line each for help() and the API reference; the module's table has the details.
_SUMMARIES = {
    OpError: "The base of TensorFlow's error classes; takes a message or (node_def, op, message).",
    CancelledError: "An operation was cancelled (code 1).",
    UnknownError: "An error of unknown cause (code 2).",
    InvalidArgumentError: "An op rejected its arguments (code 3); also a ValueError.",
    DeadlineExceededError: "A deadline passed before the operation finished (code 4).",
    NotFoundError: "A file or entity was not found (code 5).",
    AlreadyExistsError: "What was to be created already exists (code 6).",
    PermissionDeniedError: "The caller may not run the operation (code 7).",
    ResourceExhaustedError: "A resource (memory, quota) ran out (code 8); not a MemoryError.",
    FailedPreconditionError: "The system is not in a state the operation needs (code 9).",
    AbortedError: "The operation was aborted, e.g. by a concurrency conflict (code 10).",
    OutOfRangeError: "An operation went past a valid range (code 11); also an IndexError.",
    UnimplementedError: "The operation is not implemented (code 12).",
    InternalError: "An internal invariant broke (code 13).",
    UnavailableError: "A service is unavailable for now (code 14).",
    DataLossError: "Data was lost or corrupted beyond recovery (code 15).",
    UnauthenticatedError: "The request has no valid credentials (code 16).",
}
for _cls, _summary in _SUMMARIES.items():
    _cls.__doc__ = _summary

# TensorFlow's error codes (``tf.errors.INVALID_ARGUMENT`` ...).
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16

__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "ResourceExhaustedError",
    "FailedPreconditionError", "AbortedError", "OutOfRangeError", "UnimplementedError",
    "InternalError", "UnavailableError", "DataLossError", "UnauthenticatedError", "OK",
    "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]
