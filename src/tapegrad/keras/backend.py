"""``keras.backend``: the few session helpers tapegrad's Keras needs."""

from ._utils import clear_session

__all__ = ["clear_session", "epsilon", "floatx"]


def epsilon() -> float:
    """Keras's fuzz factor, ``1e-7``."""
    return 1e-7


def floatx() -> str:
    """Keras's default float type, ``"float32"``."""
    return "float32"
