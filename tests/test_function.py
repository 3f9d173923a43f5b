"""tapegrad.function: API, retracing rules, guards, Variables, random ops, errors, threads."""

from __future__ import annotations

import gc
import io
import sys
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.function.api import Function


def same(a, b):
    a, b = tg.convert_to_tensor(a), tg.convert_to_tensor(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# --- the API ----------------------------------------------------------------------------
def test_decorator_forms():
    def body(x):
        return x * 2.0 + 1.0

    x = tg.constant([1.0, 2.0])
    for f in (tg.function(body), tg.function()(body), tg.function(reduce_retracing=True)(body),
              tg.function(body, autograph=False, jit_compile=True)):
        assert isinstance(f, Function)
        same(f(x), body(x))
        same(f(x + 1.0), body(x + 1.0))
        assert f.experimental_get_tracing_count() == 1
        assert f.__name__ == "body"


def test_the_program_is_used_and_readable():
    @tg.function
    def loss_and_grad(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.sin(x) * x)
        return y, tape.gradient(y, x)

    x = tg.constant([0.5, 1.5])
    cf = loss_and_grad.get_concrete_function(x)
    src = cf.source
    assert src.startswith("def loss_and_grad(x1):")
    assert "= sin(x1)" in src and "= cos(x1)" in src  # the backward pass is in the program
    assert "test_function.py:" in src  # the user's lines
    ops = [line for line in src.splitlines()[1:-1] if not line.strip().startswith("#")]
    assert all("#" in line for line in ops)  # one line per op, each with its line
    assert "sin" in str(cf.graph) and len(cf.graph) == len(ops)
    assert str(cf.graph.dot()).startswith("digraph")
    y, g = loss_and_grad(x + 1.0)
    with tg.GradientTape() as tape:
        x1 = x + 1.0
        tape.watch(x1)
        y_eager = tg.reduce_sum(tg.sin(x1) * x1)
    same(y, y_eager)
    same(g, tape.gradient(y_eager, x1))
    spec = tg.TensorSpec((2,), tg.float32)
    assert cf.structured_input_signature == ((spec,), {})
    assert cf.structured_outputs == (tg.TensorSpec((), tg.float32), spec)
    assert loss_and_grad.experimental_get_tracing_count() == 1


def test_dead_code_is_removed_and_constants_folded():
    @tg.function
    def f(x):
        unused = tg.exp(x) * 3.0  # noqa: F841
        c = tg.sqrt(tg.constant(4.0)) * 2.0  # only constants: computed once, at trace time
        return x * c

    x = tg.constant([1.0, 2.0])
    same(f(x), x * 4.0)
    src = f.get_concrete_function(x).source
    assert "exp" not in src and "sqrt" not in src
    assert sum(" = " in line and "#" in line.split(" = ")[1] for line in src.splitlines()) == 1


def test_config_run_functions_eagerly():
    calls = []

    @tg.function
    def f(x):
        calls.append(1)
        return x + 1.0

    tg.config.run_functions_eagerly(True)
    try:
        assert tg.config.functions_run_eagerly()
        f(tg.constant(1.0))
        f(tg.constant(1.0))
        assert len(calls) == 2 and f.experimental_get_tracing_count() == 0
    finally:
        tg.config.run_functions_eagerly(False)
    f(tg.constant(1.0))
    f(tg.constant(1.0))
    assert len(calls) == 3 and f.experimental_get_tracing_count() == 1


def test_python_side_effects_happen_at_trace_time_only(capsys):
    seen = []

    @tg.function
    def f(x):
        seen.append(x.shape)
        print("traced")
        tg.print("value:", x, output_stream=sys.stdout)
        return x * 2.0

    for v in (1.0, 2.0, 3.0):
        f(tg.constant(v))
    out = capsys.readouterr().out
    assert seen == [()] and out.count("traced") == 1
    assert out.count("value:") == 3 and "value: 3" in out  # tg.print runs on every call


def test_print_matches_eager_output():
    buf_eager, buf_compiled = io.StringIO(), io.StringIO()

    def show(x, buf):
        tg.print("x =", x, "sum", tg.reduce_sum(x), output_stream=buf, sep="|")
        return x

    f = tg.function(show)
    for k in range(3):
        x = tg.constant(np.arange(12.0).reshape(3, 4) * k)
        show(x, buf_eager)
        f(x, buf_compiled)
    assert buf_eager.getvalue() == buf_compiled.getvalue()
    assert "x =|[[0 1 ... 2 3]" not in buf_eager.getvalue()  # summarize=3 of 4 shows all
    assert buf_eager.getvalue().count("\n") == 3 + 3 * 2  # three 3-row matrices


def test_methods_are_bound_per_instance():
    class Scale(tg.Module):
        def __init__(self, k):
            super().__init__()
            self.k = tg.Variable(k)

        @tg.function
        def __call__(self, x):
            return x * self.k

    class Plain:
        def __init__(self, k):
            self.k = k

        @tg.function
        def apply(self, x):
            return x + self.k

    a, b = Scale(2.0), Scale(3.0)
    x = tg.constant([1.0, 2.0])
    same(a(x), x * 2.0)
    same(b(x), x * 3.0)
    a.k.assign(5.0)
    same(a(x), x * 5.0)
    assert a.__call__ is a.__call__ and a.__call__ is not b.__call__
    assert [v.name for v in a.variables] == ["Variable:0"]
    p, q = Plain(1.0), Plain(10.0)
    same(p.apply(x), x + 1.0)
    same(q.apply(x), x + 10.0)


def test_nested_functions_are_inlined():
    @tg.function
    def inner(x):
        return tg.tanh(x) * 2.0

    @tg.function
    def outer(x):
        return inner(x) + inner(x * 2.0)

    x = tg.constant([0.1, 0.2])
    for k in (1.0, 2.0):
        same(outer(x * k), tg.tanh(x * k) * 2.0 + tg.tanh(x * k * 2.0) * 2.0)
    assert outer.get_concrete_function(x).source.count("tanh(") == 2


# --- retracing rules (TensorFlow's) -----------------------------------------------------
def _count_calls(lib, calls, **options):
    """Tracing count of ``lambda x, n: x * n`` (decorated with lib.function) after calls."""

    def body(x, n):
        return x * n

    f = lib.function(body, **options)
    for make, n in calls:
        f(make(lib), n)
    return f.experimental_get_tracing_count()


def _ones(shape, dtype="float32"):
    return lambda lib: lib.ones(shape, dtype=getattr(lib, dtype))


RETRACING = [
    ("same shape and value", [(_ones([2]), 1), (_ones([2]), 1)], {}, 1),
    ("new Python value", [(_ones([2]), 1), (_ones([2]), 2)], {}, 2),
    ("new shape", [(_ones([2]), 1), (_ones([3]), 1)], {}, 2),
    ("new dtype", [(_ones([2]), 1), (_ones([2], "float64"), 1)], {}, 2),
    ("NumPy array is a tensor", [(_ones([2]), 1), (lambda lib: np.ones(2, np.float32), 1)], {}, 1),
    ("float value", [(_ones([2]), 1.5), (_ones([2]), 2.5), (_ones([2]), 1.5)], {}, 2),
    ("reduce_retracing", [(_ones([n]), 1) for n in (1, 2, 3, 4)] + [(_ones([2, 2]), 1)],
     {"reduce_retracing": True}, 3),
]


@pytest.mark.parametrize("name, calls, options, expected", RETRACING, ids=[r[0] for r in RETRACING])
def test_retracing_counts(name, calls, options, expected):
    assert _count_calls(tg, calls, **options) == expected


@pytest.mark.parametrize("name, calls, options, expected", RETRACING, ids=[r[0] for r in RETRACING])
def test_retracing_counts_equal_tf_function(name, calls, options, expected):
    tf = pytest.importorskip("tensorflow")
    tf.autograph.set_verbosity(0)
    assert _count_calls(tf, calls, **options) == _count_calls(tg, calls, **options)


def test_input_signature():
    @tg.function(input_signature=[tg.TensorSpec([None], tg.float32)])
    def f(x):
        return x * 2.0

    for n in (1, 2, 5):
        same(f(tg.ones([n])), tg.ones([n]) * 2.0)
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match=r"argument 0 \(shape \(2,\), dtype int32\).*input_sig"):
        f(tg.constant([1, 2]))
    with pytest.raises(TypeError, match="does not match input_signature"):
        f(tg.ones([1, 1]))
    with pytest.raises(TypeError, match="declares 1 positional"):
        f(tg.ones([1]), tg.ones([1]))
    cf = f.get_concrete_function()
    assert "multiply" in cf.source


def test_variables_are_keyed_by_shape_and_dtype_and_passed_to_the_program():
    @tg.function
    def bump(v, d):
        v.assign_add(d)
        return v * 2.0

    a, b = tg.Variable(1.0), tg.Variable(10.0)
    same(bump(a, 1.0), tg.constant(4.0))
    same(bump(b, 1.0), tg.constant(22.0))
    same(bump(a, 1.0), tg.constant(6.0))
    assert bump.experimental_get_tracing_count() == 1  # as tf.function: no retrace for b
    assert (float(a), float(b)) == (3.0, 11.0)


# --- Variables, closures -----------------------------------------------------------------
def test_variables_read_and_assigned_at_call_time_in_order():
    v = tg.Variable([1.0, 2.0])
    w = tg.Variable(0.0)

    @tg.function
    def f(x):
        before = tg.reduce_sum(v * x)
        v.assign(v * 2.0)
        v.assign_sub([1.0, 1.0])
        w.assign_add(tg.reduce_sum(v))
        return before, tg.reduce_sum(v * x)

    eager_v, eager_w = tg.Variable([1.0, 2.0]), tg.Variable(0.0)

    def g(x):
        before = tg.reduce_sum(eager_v * x)
        eager_v.assign(eager_v * 2.0)
        eager_v.assign_sub([1.0, 1.0])
        eager_w.assign_add(tg.reduce_sum(eager_v))
        return before, tg.reduce_sum(eager_v * x)

    for k in range(4):
        x = tg.constant([1.0, float(k)])
        got, want = f(x), g(x)
        same(got[0], want[0])
        same(got[1], want[1])
        same(v, eager_v)
        same(w, eager_w)


def test_closures_capture_tensors_by_value_and_variables_by_reference():
    c = tg.constant(2.0)
    v = tg.Variable(3.0)

    @tg.function
    def f(x):
        return x * c + v

    x = tg.constant(1.0)
    same(f(x), tg.constant(5.0))
    c = tg.constant(100.0)  # noqa: F841  (rebinding the name: the trace keeps the old value)
    v.assign(10.0)
    same(f(x), tg.constant(12.0))


def test_variables_may_be_created_on_the_first_trace_only():
    class Lazy:
        def __init__(self):
            self.w = None

        @tg.function
        def __call__(self, x):
            if self.w is None:
                self.w = tg.Variable(tg.ones(x.shape[-1:]))
            return x * self.w

    m = Lazy()
    same(m(tg.constant([1.0, 2.0])), tg.constant([1.0, 2.0]))
    m.w.assign([3.0, 4.0])
    same(m(tg.constant([1.0, 1.0])), tg.constant([3.0, 4.0]))

    @tg.function
    def creates(x):
        return tg.Variable(x) * 2.0

    creates(tg.constant(1.0))
    with pytest.raises(ValueError, match="created a Variable on a call after its first trace"):
        creates(tg.constant([1.0, 2.0]))


def test_get_concrete_function_with_specs_leaves_variables_unchanged():
    v = tg.Variable([1.0, 1.0])

    @tg.function
    def step(x):
        v.assign_add(x)
        return tg.reduce_sum(v)

    cf = step.get_concrete_function(tg.TensorSpec([2], tg.float32))
    assert "assign" not in cf.source and "_value = " in cf.source
    assert v.numpy().tolist() == [1.0, 1.0]
    assert float(step(tg.constant([1.0, 2.0]))) == 5.0


# --- random ------------------------------------------------------------------------------
def test_random_ops_draw_fresh_numbers_and_seeded_programs_repeat_eager():
    def noisy(x):
        keep = tg.cast(tg.random.uniform(x.shape) > 0.5, x.dtype)
        return x * keep + tg.random.normal(x.shape, stddev=0.1, seed=7)

    f = tg.function(noisy)
    x = tg.ones([50])
    first, second = f(x), f(x)
    assert not np.array_equal(first.numpy(), second.numpy())
    tg.random.set_seed(11)
    eager = [noisy(x) for _ in range(3)]
    tg.random.set_seed(11)
    compiled = [f(x) for _ in range(3)]
    for a, b in zip(eager, compiled):
        same(a, b)


def test_dropout_masks_are_drawn_on_every_call():
    def drop(x):
        return tg.nn.dropout(x, rate=0.5)

    f = tg.function(drop)
    x = tg.ones([64])
    tg.random.set_seed(3)
    eager = [drop(x) for _ in range(3)]
    tg.random.set_seed(3)
    compiled = [f(x) for _ in range(3)]
    for a, b in zip(eager, compiled):
        same(a, b)
    assert not np.array_equal(compiled[1].numpy(), compiled[2].numpy())


def test_values_computed_from_data_follow_each_call():
    """Masks, permutations and indices that ops compute from values are recomputed."""

    def body(x, ids):
        return (tg.sort(x), tg.math.top_k(x, 2).values, tg.where(x > 0), tg.math.cumprod(x),
                tg.math.l2_normalize(x * tg.cast(x > 0, x.dtype)),
                tg.reduce_mean(ids), tg.nn.relu(x), tg.maximum(x, 0.0))

    f = tg.function(body)
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = tg.constant(np.round(rng.standard_normal(6), 1))
        ids = tg.constant(rng.integers(-9, 9, 5))
        got, want = f(x, ids), body(x, ids)
        for a, b in zip(got, want):
            same(a, b)
    assert f.experimental_get_tracing_count() == 1


def test_shapes_and_fills_from_tensor_values_are_guarded():
    def body(n, v):
        return tg.range(n) * 2, tg.fill([2], v), tg.linspace(0.0, v, 3)

    f = tg.function(body)
    for k in (3, 5, 3, 4):
        n, v = tg.constant(k), tg.constant(float(k) / 2)
        for a, b in zip(f(n, v), body(n, v)):
            same(a, b)
    assert f.experimental_get_tracing_count() == 1


def test_embedding_max_norm_follows_each_call():
    params = tg.Variable(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))

    def body(ids):
        return tg.nn.embedding_lookup(params, ids, max_norm=1.0)

    f = tg.function(body)
    for k in range(3):
        params.assign(params * 1.5)
        ids = tg.constant([k, 4 - k, 2])
        same(f(ids), body(ids))


# --- guards: Python control flow on tensor values ----------------------------------------
def test_if_and_while_on_tensor_values_follow_eager():
    def body(x):
        if tg.reduce_sum(x) > 0:
            y = x * 2.0
        else:
            y = -x
        while tg.reduce_max(y) < 10.0:
            y = y * 3.0
        return y

    f = tg.function(body)
    for values in ([1.0, 2.0], [-1.0, -2.0], [5.0, 6.0], [0.5, 0.1], [-1.0, -2.0], [1.0, 2.0]):
        x = tg.constant(values)
        same(f(x), body(x))
    assert f.experimental_get_tracing_count() == 1


def test_a_failed_guard_restores_assigned_variables():
    v = tg.Variable(0.0)

    @tg.function
    def f(x):
        v.assign_add(1.0)
        if x > 0:
            return v * 2.0
        return v * 3.0

    same(f(tg.constant(1.0)), tg.constant(2.0))
    same(f(tg.constant(-1.0)), tg.constant(6.0))  # assign_add ran once, not twice
    same(f(tg.constant(-1.0)), tg.constant(9.0))
    assert float(v) == 3.0


def test_too_many_variants_run_eagerly_with_one_warning():
    @tg.function
    def f(x, n):
        out = x
        for _ in range(int(n)):
            out = out * 2.0
        return out

    x = tg.constant(1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(12):
            same(f(x, tg.constant(n)), tg.constant(2.0**n))
    messages = [str(w.message) for w in caught if "variants" in str(w.message)]
    assert len(messages) == 1 and "test_function.py" in messages[0]


def test_numpy_inside_ends_compilation_with_one_warning():
    @tg.function
    def f(x):
        y = x.numpy() * 2  # a NumPy value: the trace cannot follow it
        return tg.constant(y) + x

    with pytest.warns(RuntimeWarning, match=r"\.numpy\(\) at .*test_function.py"):
        same(f(tg.constant(1.0)), tg.constant(3.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same(f(tg.constant(2.0)), tg.constant(6.0))  # eager from now on, correct, no warning


# --- differentiating through a compiled function ------------------------------------------
def test_outer_tapes_and_accumulators_see_eager_gradients():
    def body(x):
        return tg.sin(x) * tg.reduce_sum(x * x, axis=-1, keepdims=True)

    f = tg.function(body)
    x = tg.constant([[0.3, 0.7], [1.1, -0.4]])
    f(x)  # compiled once
    results = []
    for fn in (body, f):
        with tg.GradientTape(persistent=True) as t2:
            t2.watch(x)
            with tg.GradientTape(persistent=True) as t1:
                t1.watch(x)
                y = fn(x)
            g = t1.gradient(y, x)
            jac = t1.jacobian(y, x)
            bjac = t1.batch_jacobian(y, x)
        h = t2.gradient(g, x)
        with tg.ForwardAccumulator(x, tg.ones_like(x)) as acc:
            out = fn(x)
        results.append((g, jac, bjac, h, acc.jvp(out)))
    for a, b in zip(*results):
        same(a, b)
    z = tg.constant(1.0)
    with tg.GradientTape() as tape:
        tape.watch(z)
        y = f(x)
    assert tape.explain(y, z).causes == ["unused"]


# --- errors and warnings -----------------------------------------------------------------
def test_errors_match_eager_and_name_the_line():
    def body(a):
        return tg.linalg.cholesky(a)

    f = tg.function(body)
    f(tg.eye(2))
    bad = tg.constant([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError) as eager:
        body(bad)
    with pytest.raises(ValueError) as compiled:
        f(bad)
    assert str(compiled.value) == str(eager.value)
    assert "cholesky" in str(compiled.value)
    notes = "\n".join(getattr(compiled.value, "__notes__", []))
    assert "op cholesky" in notes and "test_function.py:" in notes


def test_numpy_warnings_match_eager():
    def body(x):
        return tg.math.log(x)

    f = tg.function(body)
    f(tg.constant([1.0, 2.0]))
    for fn in (body, f):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn(tg.constant([0.0, 1.0]))
        assert [(w.category, str(w.message)) for w in caught] == [
            (RuntimeWarning, "divide by zero encountered in log")]


def test_minimize_checks_run_in_the_compiled_step():
    w = tg.Variable([1.0, 2.0])
    opt = tg.optimizers.SGD(0.1)

    @tg.function
    def step(scale):
        return opt.minimize(lambda: tg.reduce_sum(w * w) * scale, [w])

    step(tg.constant(1.0))
    step(tg.constant(1.0))
    before = w.numpy()
    with pytest.raises(FloatingPointError, match="the loss is nan at step 2"):
        step(tg.constant(float("nan")))
    np.testing.assert_array_equal(w.numpy(), before)
    assert int(opt.iterations) == 2


# --- threads, memory -----------------------------------------------------------------------
def test_concurrent_calls_are_correct_and_trace_once():
    @tg.function
    def f(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.tanh(x) ** 2)
        return y, tape.gradient(y, x)

    def eager(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.tanh(x) ** 2)
        return y, tape.gradient(y, x)

    failures = []
    start = threading.Barrier(6)

    def worker(seed):
        rng = np.random.default_rng(seed)
        start.wait()
        for _ in range(30):
            x = tg.constant(rng.standard_normal(8))
            got, want = f(x), eager(x)
            if not all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(got, want)):
                failures.append(seed)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and f.experimental_get_tracing_count() == 1


def _peak(fn, x):
    gc.collect()
    tracemalloc.start()
    try:
        fn(x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_is_not_above_eager():
    def chain(x):
        for _ in range(10):
            x = tg.sin(x) * 1.5 + 0.1
        return tg.reduce_sum(x)

    f = tg.function(chain)
    x = tg.constant(np.random.default_rng(0).standard_normal(200_000))
    f(x)
    eager, compiled = _peak(chain, x), _peak(f, x)
    assert compiled <= eager * 1.05, (compiled, eager)
    assert "del " in f.get_concrete_function(x).source


# --- the seed tutorial and the digits MLP ---------------------------------------------------
def test_seed_tutorial_functions_compiled_give_the_same_values():
    from tapegrad.tour.tutorial import run_notebook

    ns = run_notebook()
    grad, f = tg.function(ns["grad"]), tg.function(ns["f"])
    x = tg.convert_to_tensor(2.0)
    assert [float(grad(x, n).numpy()) for n in (6, 7, 5, 4)] == [12.0, 12.0, 12.0, 4.0]
    assert [float(f(x, n)) for n in (6, 5, 4)] == [8.0, 8.0, 4.0]

    @tg.function
    def higher(v):
        with tg.GradientTape() as t:
            with tg.GradientTape() as t2:
                y = v * v * v
            dy_dx = t2.gradient(y, v)
        return dy_dx, t.gradient(dy_dx, v)

    dy, d2y = higher(tg.Variable(1.0))
    assert (float(dy), float(d2y)) == (3.0, 6.0)


def _digits_run(compiled, steps=100):
    from tapegrad.tour import digits

    x, y = digits.load_digits()
    model = digits.MLP((64, 32, 10), seed=1)
    variables = model.trainable_variables
    opt = tg.optimizers.Adam(digits.cosine_schedule(0.01, steps))
    one_hot = np.eye(10, dtype=np.float32)[y]

    def step(xb, yb):
        with tg.GradientTape() as tape:
            logits = model(xb)
            loss = tg.reduce_mean(tg.nn.softmax_cross_entropy_with_logits(yb, logits))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return loss

    if compiled:
        step = tg.function(step)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(steps):
        rows = rng.choice(len(x), 32, replace=False)
        losses.append(step(tg.constant(x[rows]), tg.constant(one_hot[rows])).numpy())
    return np.array(losses), [v.numpy() for v in variables], step


def test_digits_mlp_100_compiled_steps_equal_eager_bit_for_bit():
    eager_losses, eager_vars, _ = _digits_run(False)
    losses, variables, step = _digits_run(True)
    np.testing.assert_array_equal(losses, eager_losses)
    for a, b in zip(variables, eager_vars):
        np.testing.assert_array_equal(a, b)
    assert step.experimental_get_tracing_count() == 1
    assert losses[-1] < losses[0]


def test_cnn_example_step_compiled_equals_eager():
    """The CNN example's step (conv2d, max_pool2d, sparse cross entropy, Adam) compiled."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "cnn_digits.py"
    spec = importlib.util.spec_from_file_location("cnn_digits_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    from tapegrad.tour import digits

    x, y = digits.load_digits()
    x = x.reshape(-1, 8, 8, 1)
    results = []
    for compiled in (False, True):
        tg.random.set_seed(0)
        model, opt = example.CNN(), tg.optimizers.Adam(3e-3)

        def step(images, labels, model=model, opt=opt):
            with tg.GradientTape() as tape:
                logits = model(images)
                loss = tg.reduce_mean(tg.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=labels, logits=logits))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        run = tg.function(step) if compiled else step
        rng = np.random.default_rng(0)
        losses = []
        for _ in range(5):
            rows = rng.choice(len(x), 16, replace=False)
            losses.append(run(tg.constant(x[rows]), tg.constant(y[rows])).numpy())
        results.append((losses, [v.numpy() for v in model.trainable_variables]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_a_function_named_like_its_op():
    @tg.function
    def sin(x):
        return tg.sin(x) * 2.0

    x = tg.constant([1.0, 2.0])
    sin(x)
    same(sin(x + 1.0), tg.sin(x + 1.0) * 2.0)
    assert sin.get_concrete_function(x).source.startswith("def sin_(x1):")


def test_a_failed_guard_rewinds_random_draws():
    def body(x):
        noise = tg.random.normal([4])
        if tg.reduce_sum(x) > 0:
            return x + noise
        return x - noise

    f = tg.function(body)
    inputs = [tg.ones([4]), -tg.ones([4]), tg.ones([4]), -tg.ones([4])]
    tg.random.set_seed(21)
    eager = [body(x) for x in inputs]
    tg.random.set_seed(21)
    compiled = [f(x) for x in inputs]
    for a, b in zip(eager, compiled):
        same(a, b)


def test_powers_one_and_zero_of_gradients_are_folded_exactly():
    # d(x**2)/dx = 2 * x**1 and its derivative 2 * x**0: the program keeps no pow op for
    # them (only x ** 2), and its values equal eager ones, nan, inf and -0.0 included
    def second(x):
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = tg.reduce_sum(x ** 2 * tg.sin(x))
            g = inner.gradient(y, x)
        return g, outer.gradient(g, x)

    compiled = tg.function(second)
    x = tg.constant([0.5, -0.0, np.inf, np.nan, -2.0])
    with np.errstate(all="ignore"):
        for value in (x, -x, x * 3):
            got, want = compiled(value), second(value)
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
                assert (np.signbit(a.numpy()) == np.signbit(b.numpy())).all()
    assert compiled.get_concrete_function(x).source.count("pow(") == 1  # x ** 2 itself
    # a power that is not a constant 1 or 0 stays an op
    cube = tg.function(lambda v, p: v ** p)
    assert "pow(" in cube.get_concrete_function(x, tg.constant(1.0)).source


def test_gather_checks_each_calls_indices_like_eager():
    """An out-of-range or negative index in a later compiled call raises as eagerly (NumPy would
    wrap -1 silently)."""
    from tapegrad.ops.index import IndexOutOfRangeError

    params = tg.constant([1.0, 2.0, 3.0])
    f = tg.function(lambda i: tg.gather(params, i))
    np.testing.assert_array_equal(f(tg.constant([0, 2])).numpy(), [1.0, 3.0])
    for bad in ([0, 5], [0, -1]):
        with pytest.raises(IndexOutOfRangeError, match=r"gather: indices\[1\]"):
            tg.gather(params, tg.constant(bad))
        with pytest.raises(IndexOutOfRangeError, match=r"gather: indices\[1\]"):
            f(tg.constant(bad))
    assert f.experimental_get_tracing_count() == 1


def test_sharded_embedding_lookup_follows_each_calls_ids():
    """The div partition of sharded tables is computed from the ids' values: a compiled function
    guards them (retracing per value) instead of keeping the first call's partition."""
    a = tg.constant(np.arange(6.0).reshape(3, 2))
    b = tg.constant(np.arange(6.0, 12.0).reshape(3, 2))
    f = tg.function(lambda i: tg.nn.embedding_lookup([a, b], i))
    for ids in ([0, 4], [5, 1], [0, 4]):
        np.testing.assert_array_equal(
            f(tg.constant(ids)).numpy(), tg.nn.embedding_lookup([a, b], tg.constant(ids)).numpy()
        )


_X3 = tg.constant([1.0, 2.0, 3.0])
_INDEX_OPS = {
    "gather": lambda i: tg.gather(_X3, i),
    "tensor_scatter_nd_update": lambda i: tg.tensor_scatter_nd_update(
        _X3, tg.reshape(i, (-1, 1)), tg.constant([9.0, 8.0])),
    "tensor_scatter_nd_add": lambda i: tg.tensor_scatter_nd_add(
        _X3, tg.reshape(i, (-1, 1)), tg.constant([9.0, 8.0])),
    "tensor_scatter_nd_max": lambda i: tg.tensor_scatter_nd_max(
        _X3, tg.reshape(i, (-1, 1)), tg.constant([9.0, 8.0])),
    "gather_nd": lambda i: tg.gather_nd(_X3, tg.reshape(i, (-1, 1))),
    "unsorted_segment_sum": lambda i: tg.math.unsorted_segment_sum(tg.constant([1.0, 2.0]), i, 3),
    "one_hot": lambda i: tg.one_hot(i, 3),
    "bincount": lambda i: tg.math.bincount(i, minlength=3),
}


@pytest.mark.parametrize("name", sorted(_INDEX_OPS))
def test_index_taking_ops_follow_each_calls_indices(name):
    """New index values in later calls (valid, out of range, negative) give eager's result or
    eager's exception class, never the first call's indices."""
    fn = _INDEX_OPS[name]
    compiled = tg.function(fn)
    compiled(tg.constant([0, 1]))
    for ids in ([2, 0], [1, 1], [0, 5], [0, -1]):
        try:
            expected = fn(tg.constant(ids)).numpy()
        except Exception as err:  # the class is what is compared
            with pytest.raises(type(err)):
                compiled(tg.constant(ids))
        else:
            np.testing.assert_array_equal(compiled(tg.constant(ids)).numpy(), expected)
