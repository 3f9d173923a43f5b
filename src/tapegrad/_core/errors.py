# The base of TensorFlow's error classes, and the one the engine raises (the rest, with the
# table of the standard Python exception each one also is, are in tapegrad.errors).


class OpError(Exception):  # OpError(message), or TensorFlow's OpError(node_def, op, message)
    error_code = 2  # UNKNOWN

    def __init__(self, *args: object) -> None:
        node_def, op, message = (None, None, args[0] if args else "") if len(args) < 3 else args[:3]
        Exception.__init__(self, message)  # (not super(): OSError reads its args otherwise)
        self.message, self.op, self.node_def = message, op, node_def


class InvalidArgumentError(OpError, ValueError): error_code = 3  # noqa: E701  # fmt: skip
