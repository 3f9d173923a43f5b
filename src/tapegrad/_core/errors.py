"""TensorFlow's error classes, each also a standard Python exception (see tapegrad.errors)."""

from __future__ import annotations

from typing import Any


class OpError(Exception):
    """Base of TensorFlow's errors: ``OpError(message)`` or ``OpError(node_def, op, message)``."""

    error_code = 2  # UNKNOWN

    def __init__(self, *args: Any) -> None:
        node_def, op, message = (None, None, args[0] if args else "") if len(args) < 3 else args[:3]
        Exception.__init__(self, message)  # (not super(): OSError reads its args otherwise)
        self.message, self.op, self.node_def = message, op, node_def
        self.experimental_payloads: dict = {}


# fmt: off
class CancelledError(OpError): error_code = 1  # noqa: E701
class UnknownError(OpError): error_code = 2  # noqa: E701
class InvalidArgumentError(OpError, ValueError): error_code = 3  # noqa: E701
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
