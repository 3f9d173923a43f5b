"""Every op name in the API contract (shared/API.md, "Operations") exists and has an op spec."""

from __future__ import annotations

import pytest

import tapegrad as tg

from .op_specs import all_specs

# Copied from API.md's lists; ``slicing`` (through ``__getitem__``) is checked as getitem.
MATH = """
    add subtract multiply divide truediv floordiv pow negative abs sign square sqrt rsqrt
    reciprocal exp expm1 log log1p sin cos tan asin acos atan atan2 sinh cosh tanh asinh
    acosh atanh sigmoid log_sigmoid softplus erf lgamma digamma xlogy squared_difference
    divide_no_nan maximum minimum clip_by_value floor ceil round reduce_sum reduce_mean
    reduce_max reduce_min reduce_prod reduce_logsumexp reduce_std reduce_variance
    reduce_euclidean_norm reduce_any reduce_all argmax argmin cumsum cumprod equal not_equal
    less less_equal greater greater_equal logical_and logical_or logical_not is_nan
    is_finite top_k l2_normalize unsorted_segment_sum segment_sum
""".split()
SHAPE = """
    reshape transpose expand_dims squeeze concat stack unstack split tile broadcast_to
    gather gather_nd scatter_nd where boolean_mask pad reverse sort argsort einsum tensordot
    matmul norm
""".split()
LINALG = """
    matmul matvec inv det slogdet logdet cholesky solve triangular_solve eigh svd qr trace
    diag diag_part matrix_transpose norm tensordot einsum
""".split()
NN = """
    relu relu6 elu selu gelu leaky_relu silu sigmoid tanh softplus softsign softmax
    log_softmax softmax_cross_entropy_with_logits sparse_softmax_cross_entropy_with_logits
    sigmoid_cross_entropy_with_logits l2_loss bias_add moments dropout embedding_lookup
    conv1d conv2d max_pool2d avg_pool2d
""".split()
RANDOM = """
    set_seed normal uniform truncated_normal shuffle
""".split()

NAMESPACES = [
    ("tapegrad and tapegrad.math", MATH, (tg, tg.math)),
    ("tapegrad", SHAPE, (tg,)),
    ("tapegrad.linalg", LINALG, (tg.linalg,)),
    ("tapegrad.nn", NN, (tg.nn,)),
    ("tapegrad.random", RANDOM, (tg.random,)),
]
# Names whose specs carry another name: one spec covers several ops.
SPEC_ALIASES = {"logical_or": "logical_and", "truediv": "divide", "getitem": "getitem"}


def _spec_ops() -> set:
    """The public op each spec tests: its name up to the first '/', without a namespace."""
    return {s.name.split("/")[0].split(".")[-1] for s in all_specs()}


@pytest.mark.parametrize(("where", "names", "modules"), NAMESPACES, ids=[n[0] for n in NAMESPACES])
def test_every_api_op_exists(where, names, modules):
    missing = [f"{m.__name__}.{n}" for n in names for m in modules if not hasattr(m, n)]
    assert not missing, f"API.md ops missing from {where}: {missing}"


@pytest.mark.parametrize(("where", "names", "modules"), NAMESPACES[:4],
                         ids=[n[0] for n in NAMESPACES[:4]])
def test_every_api_op_has_a_spec(where, names, modules):
    covered = _spec_ops()
    missing = [n for n in names if SPEC_ALIASES.get(n, n) not in covered]
    assert not missing, f"API.md ops of {where} without an op spec: {missing}"


def test_slicing_goes_through_getitem():
    assert "getitem" in _spec_ops()
    x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    assert x[1, ::-1].numpy().tolist() == [4.0, 3.0]


def test_random_ops_are_reproducible_after_set_seed():
    results = []
    for _ in range(2):
        tg.random.set_seed(7)
        results.append([tg.random.normal((3,)).numpy().tolist(),
                        tg.random.uniform((2,)).numpy().tolist(),
                        tg.random.truncated_normal((2,)).numpy().tolist(),
                        tg.random.shuffle(tg.range(5)).numpy().tolist()])
    assert results[0] == results[1]


# The ops TensorFlow programs use beyond API.md's first lists (README, "More of TensorFlow's ops").
MORE = [
    ("tapegrad", (tg,), """
        tensor_scatter_nd_update tensor_scatter_nd_add tensor_scatter_nd_sub tensor_scatter_nd_min
        tensor_scatter_nd_max slice strided_slice roll repeat meshgrid unique searchsorted
        sequence_mask add_n clip_by_norm clip_by_global_norm
    """.split()),
    ("tapegrad.math", (tg.math,), """
        count_nonzero floormod mod logical_xor cumulative_logsumexp bincount add_n
    """.split()),
    ("tapegrad.linalg", (tg.linalg,), """
        lstsq pinv expm band_part cross normalize global_norm diag diag_part
    """.split()),
    ("tapegrad.nn", (tg.nn,), """
        conv2d_transpose depthwise_conv2d conv2d batch_normalization max_pool1d avg_pool1d
    """.split()),
]


@pytest.mark.parametrize(("where", "modules", "names"), MORE, ids=[m[0] for m in MORE])
def test_more_tensorflow_ops_exist_have_specs_and_docstring_examples(where, modules, names):
    covered = _spec_ops()
    missing = [f"{m.__name__}.{n}" for n in names for m in modules if not hasattr(m, n)]
    assert not missing, f"missing from {where}: {missing}"
    aliases = {"mod": "floormod", "logical_xor": "logical_and"}  # one spec covers both
    assert not [n for n in names if aliases.get(n, n) not in covered], f"{where}: no op spec"
    for m in modules:
        for n in names:
            assert ">>>" in (getattr(m, n).__doc__ or ""), f"{where}.{n} has no example"
