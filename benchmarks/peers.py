"""Optional peers for the benchmarks: import what is installed, skip the rest quietly."""

from __future__ import annotations

import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")


ALL = ("torch", "tensorflow", "jax", "autograd")


def load(name: str):
    """The module, or None when the peer is not installed (or fails to import)."""
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None


def available(threads: int = 1, wanted: tuple = ALL) -> dict:
    """The installed peers among ``wanted``, each limited to ``threads`` threads."""
    peers = {}
    torch = load("torch") if "torch" in wanted else None
    if torch is not None:
        load("torch._dynamo")  # before TensorFlow: loaded after it, it crashes the process
        torch.set_num_threads(threads)
        peers["torch"] = torch
    tf = load("tensorflow") if "tensorflow" in wanted else None
    if tf is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # already initialised
            pass
        peers["tensorflow"] = tf
    jax = load("jax") if "jax" in wanted else None
    if jax is not None:
        jax.config.update("jax_enable_x64", False)
        peers["jax"] = jax
    autograd = load("autograd") if "autograd" in wanted else None
    if autograd is not None:
        peers["autograd"] = autograd
    return peers
