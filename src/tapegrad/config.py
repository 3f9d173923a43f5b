"""``tapegrad.config``: switches, as ``tf.config`` (running compiled functions eagerly)."""

from .function.api import functions_run_eagerly, run_functions_eagerly

__all__ = ["run_functions_eagerly", "functions_run_eagerly"]
