"""JAX-style transforms: grad, value_and_grad, jacobian, hessian, vjp, jvp."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import functional

RNG = np.random.default_rng(2)


def _close(a, b, **kw):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), **{"rtol": 1e-6, "atol": 1e-7, **kw})


def _fd_jacobian(f, x0: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of f (float64 arrays in and out): shape out.shape + x.shape."""
    cols = []
    for k in range(x0.size):
        e = np.zeros(x0.size)
        e[k] = eps
        e = e.reshape(x0.shape)
        plus = np.asarray(f(tg.constant(x0 + e)))
        minus = np.asarray(f(tg.constant(x0 - e)))
        cols.append((plus - minus) / (2 * eps))
    return np.moveaxis(np.stack(cols), 0, -1).reshape(plus.shape + x0.shape)


# --- grad and value_and_grad --------------------------------------------------------
def test_grad_values_and_python_or_numpy_arguments():
    g = tg.grad(lambda x: x**3)(2.0)
    assert isinstance(g, tg.Tensor) and g.dtype == np.float32
    _close(g, 12.0)
    g64 = tg.grad(lambda x: tg.reduce_sum(tg.sin(x)))(np.array([0.0, 1.0]))
    assert g64.dtype == np.float64
    _close(g64, np.cos([0.0, 1.0]), rtol=1e-12)


def test_grad_argnums_and_nested_arguments():
    def f(params, x, scale):
        return tg.reduce_sum((params["w"] * x + params["b"][0]) ** 2) * scale

    params = {"w": tg.constant([1.0, 2.0]), "b": [tg.constant(0.5)]}
    x = tg.constant([3.0, -1.0])
    gp = tg.grad(f)(params, x, 2.0)
    r = params["w"].numpy() * x.numpy() + 0.5
    _close(gp["w"], 4 * r * x.numpy())
    _close(gp["b"][0], 4 * r.sum())
    assert set(gp) == {"w", "b"} and isinstance(gp["b"], list)
    gp2, gx = tg.grad(f, argnums=(0, 1))(params, x, 2.0)
    _close(gx, 4 * r * params["w"].numpy())
    _close(gp2["w"], gp["w"])
    gx_only = tg.grad(f, argnums=-2)(params, x, 2.0)
    _close(gx_only, gx)


def test_grad_has_aux_and_kwargs():
    def loss(x, offset=0.0):
        y = tg.reduce_sum(x * x) + offset
        return y, {"y": y, "n": 3}

    g, aux = tg.grad(loss, has_aux=True)(tg.constant([1.0, 2.0]), offset=1.0)
    _close(g, [2.0, 4.0])
    _close(aux["y"], 6.0)
    assert aux["n"] == 3
    (value, aux), g = tg.value_and_grad(loss, has_aux=True)(tg.constant([1.0, 2.0]))
    _close(value, 5.0)
    _close(g, [2.0, 4.0])


def test_value_and_grad():
    value, g = tg.value_and_grad(lambda x, y: x * y + tg.sin(x), argnums=(0, 1))(1.0, 3.0)
    _close(value, 3.0 + np.sin(1.0))
    _close(g[0], 3.0 + np.cos(1.0))
    _close(g[1], 1.0)


def test_grad_unconnected_is_zero_and_closures_are_constants():
    g = tg.grad(lambda x, y: x * 2.0, argnums=1)(tg.constant(1.0), tg.constant([1.0, 2.0]))
    assert g.shape == (2,) and not g.numpy().any()
    x = tg.constant(2.0)
    _close(tg.grad(lambda y: y * x)(x), 2.0)  # the closed-over x is a constant, as in JAX
    ga, gb = tg.grad(lambda a, b: a * b, argnums=(0, 1))(x, x)  # the same tensor twice
    _close(ga, 2.0)
    _close(gb, 2.0)


def test_none_leaves_are_empty_subtrees():
    def f(p):
        return tg.reduce_sum(p["w"] ** 2) + (0.0 if p["b"] is None else p["b"])

    params = {"w": tg.constant([1.0, 2.0]), "b": None}
    g = tg.grad(f)(params)
    assert g["b"] is None
    _close(g["w"], [2.0, 4.0])
    h = tg.hessian(f)(params)
    assert h["b"] is None and h["w"]["b"] is None
    _close(h["w"]["w"], 2 * np.eye(2))
    _, t = tg.jvp(lambda p: p["w"] * 3.0, (params,), ({"w": tg.constant([1.0, 0.0]), "b": None},))
    _close(t, [3.0, 0.0])


def test_grad_of_a_variable_argument():
    v = tg.Variable([1.0, 3.0])
    _close(tg.grad(lambda w: tg.reduce_sum(w * w))(v), [2.0, 6.0])


def test_grad_composes_and_nests_in_tapes():
    d2 = tg.grad(tg.grad(lambda x: x**4))(2.0)
    _close(d2, 12 * 4.0)
    d3 = tg.grad(tg.grad(tg.grad(tg.sin)))(np.float64(0.3))
    _close(d3, -np.cos(0.3), rtol=1e-12)
    x = tg.constant(1.5)
    with tg.GradientTape() as tape:
        tape.watch(x)
        g = tg.grad(lambda y: y**3)(x)
    _close(tape.gradient(g, x), 6 * 1.5)


def test_grad_errors():
    with pytest.raises(TypeError, match=r"scalar \(shape \(\)\), got shape \(2,\).*jacobian.*vjp"):
        tg.grad(lambda x: x * 2.0)(tg.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="has_aux=True"):
        tg.grad(lambda x: (x, x))(1.0)
    with pytest.raises(TypeError, match="dtype int32.*[Cc]ast it to float"):
        tg.grad(lambda x: x * 2)(3)
    with pytest.raises(TypeError, match="dtype int32.*[Cc]ast it to float"):
        tg.grad(lambda x: x * 2)(tg.constant([1, 2]))
    with pytest.raises(TypeError, match="floating scalar, got dtype int32"):
        tg.grad(lambda x: tg.cast(x, tg.int32))(1.0)
    with pytest.raises(TypeError, match="pair"):
        tg.grad(lambda x: x, has_aux=True)(1.0)
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        tg.grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(ValueError, match="names an argument twice"):
        tg.grad(lambda x: x, argnums=(0, -1))(1.0)
    with pytest.raises(TypeError, match="argnums must be an int"):
        tg.grad(lambda x: x, argnums="0")(1.0)
    with pytest.raises(TypeError, match="argument 0"):
        tg.grad(lambda x: x)("text")


# --- jacobian ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [None, "rev", "fwd"])
def test_jacobian_of_linear_map_is_the_matrix(mode):
    a = RNG.standard_normal((3, 4))
    jac = tg.jacobian(lambda x: tg.linalg.matvec(tg.constant(a), x), mode=mode)(np.ones(4))
    assert jac.shape == (3, 4) and jac.dtype == np.float64
    _close(jac, a, rtol=1e-12)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_matches_finite_differences(mode):
    a = RNG.standard_normal((4, 3))

    def f(x):
        return tg.tanh(tg.matmul(tg.constant(a), x)) * tg.reduce_sum(x)

    x0 = RNG.standard_normal((3, 2))
    jac = tg.jacobian(f, mode=mode)(x0)
    assert jac.shape == (4, 2, 3, 2)
    _close(jac, _fd_jacobian(f, x0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", [None, "rev", "fwd"])
def test_jacobian_nested_outputs_and_argnums(mode):
    def f(x, y):
        return {"sum": x * y, "stack": [tg.reduce_sum(x**2), y * 3.0]}

    x0, y0 = RNG.standard_normal(2), RNG.standard_normal(2)
    jac = tg.jacobian(f, argnums=(0, 1), mode=mode)(x0, y0)
    _close(jac["sum"][0], np.diag(y0), rtol=1e-12)
    _close(jac["sum"][1], np.diag(x0), rtol=1e-12)
    _close(jac["stack"][0][0], 2 * x0, rtol=1e-12)
    assert jac["stack"][0][1].shape == (2,) and not jac["stack"][0][1].numpy().any()
    _close(jac["stack"][1][1], 3 * np.eye(2), rtol=1e-12)
    assert isinstance(jac["stack"], list) and isinstance(jac["sum"], tuple)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_outputs_of_mixed_dtypes(mode):
    def f(x):
        return x * 2.0, tg.cast(x, tg.float32) * 3.0

    j64, j32 = tg.jacobian(f, mode=mode)(np.array([1.0, 2.0]))
    _close(j64, 2 * np.eye(2))
    _close(j32, 3 * np.eye(2))


def test_jacobian_mode_none_chooses_by_size(monkeypatch):
    used: list = []
    rev, fwd = functional._rev_jacobian, functional._fwd_jacobian
    monkeypatch.setattr(functional, "_rev_jacobian", lambda *a, **k: used.append("rev") or rev(
        *a, **k))
    monkeypatch.setattr(functional, "_fwd_jacobian", lambda *a, **k: used.append("fwd") or fwd(
        *a, **k))
    a = RNG.standard_normal((6, 2))
    wide = tg.jacobian(lambda x: tg.linalg.matvec(tg.constant(a), x))  # 2 inputs, 6 outputs
    _close(wide(np.ones(2)), a, rtol=1e-12)
    assert used == ["rev", "fwd"]  # the first call probes the output size under a tape
    used.clear()
    _close(wide(np.zeros(2)), a, rtol=1e-12)
    assert used == ["fwd"]  # later calls with these shapes go straight to forward mode
    used.clear()
    tall = tg.jacobian(lambda x: tg.linalg.matvec(tg.constant(a.T), x))  # 6 inputs, 2 outputs
    _close(tall(np.ones(6)), a.T, rtol=1e-12)
    _close(tall(np.ones(6)), a.T, rtol=1e-12)
    assert used == ["rev", "rev"]


def test_jacobian_has_aux_and_errors():
    jac, aux = tg.jacobian(lambda x: (x * 2.0, "aux"), has_aux=True)(np.ones(2))
    _close(jac, 2 * np.eye(2))
    assert aux == "aux"
    with pytest.raises(ValueError, match="mode must be"):
        tg.jacobian(lambda x: x, mode="backward")
    with pytest.raises(TypeError, match="output 0 has dtype int32"):
        tg.jacobian(lambda x: tg.cast(x, tg.int32))(np.ones(2))
    with pytest.raises(TypeError, match="dtype complex128"):
        tg.jacobian(lambda x: x)(np.ones(2, complex))


def test_jacobian_composes():
    # the Hessian as the Jacobian of the gradient, both modes
    a = RNG.standard_normal((3, 3))

    def f(x):
        return tg.reduce_sum(x * tg.linalg.matvec(tg.constant(a), x))

    for mode in ("rev", "fwd"):
        _close(tg.jacobian(tg.grad(f), mode=mode)(np.ones(3)), a + a.T, rtol=1e-12)


def test_second_and_third_derivatives_in_every_combination_of_modes():
    def f(x):
        return tg.reduce_sum(tg.sin(x) * x[::-1])

    x0 = np.array([0.3, -0.2, 0.9])
    c, s = np.cos(x0), np.sin(x0)
    expected = np.diag(-s * x0[::-1]) + np.diag(c)[:, ::-1] + np.diag(c)[::-1]
    for outer in ("rev", "fwd"):
        for inner in ("rev", "fwd"):
            hess = tg.jacobian(tg.jacobian(f, mode=inner), mode=outer)(x0)
            _close(hess, expected, rtol=1e-12, atol=1e-14)
    third = tg.jacobian(tg.hessian(f))(x0)
    assert third.shape == (3, 3, 3)
    _close(third, _fd_jacobian(tg.hessian(f), x0), rtol=1e-6, atol=1e-8)


# --- hessian -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_hessian_of_quadratic_form_is_a_plus_a_transpose(mode):
    a = RNG.standard_normal((4, 4))
    hess = tg.hessian(lambda x: tg.reduce_sum(x * tg.linalg.matvec(tg.constant(a), x)),
                      mode=mode)(RNG.standard_normal(4))
    assert hess.shape == (4, 4)
    _close(hess, a + a.T, rtol=1e-12)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_hessian_of_tanh_network_matches_closed_form(mode):
    a = RNG.standard_normal((5, 3))
    x0 = RNG.standard_normal(3)
    hess = tg.hessian(lambda x: tg.reduce_sum(tg.tanh(tg.linalg.matvec(tg.constant(a), x)) ** 2),
                      mode=mode)(x0)
    t = np.tanh(a @ x0)
    _close(hess, a.T @ np.diag(2 * (1 - t**2) * (1 - 3 * t**2)) @ a, rtol=1e-10)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_hessian_blocks_for_several_and_matrix_arguments(mode):
    def f(x, y):
        return tg.reduce_sum(x * x * y[0]) + tg.reduce_sum(y**3)

    x0, y0 = RNG.standard_normal((2, 2)), RNG.standard_normal(3)
    (hxx, hxy), (hyx, hyy) = tg.hessian(f, argnums=(0, 1), mode=mode)(x0, y0)
    assert hxx.shape == (2, 2, 2, 2) and hxy.shape == (2, 2, 3) and hyx.shape == (3, 2, 2)
    _close(hxx.numpy().reshape(4, 4), np.diag(2 * y0[0] * np.ones(4)), rtol=1e-12)
    expected_xy = np.zeros((2, 2, 3))
    expected_xy[..., 0] = 2 * x0
    _close(hxy, expected_xy, rtol=1e-12)
    _close(hyx, np.moveaxis(expected_xy, -1, 0), rtol=1e-12)
    _close(hyy, np.diag(6 * y0), rtol=1e-12)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_hessian_nested_dict_argument_and_finite_differences(mode):
    def f(p):
        return tg.reduce_sum(tg.exp(p["a"] * p["b"][0]))

    p = {"a": np.array([0.2, -0.4]), "b": [np.array(0.7)]}
    h = tg.hessian(f, mode=mode)(p)
    grad = tg.grad(f)

    def grad_a(a):
        return grad({"a": a, "b": p["b"]})["a"]

    _close(h["a"]["a"], _fd_jacobian(grad_a, p["a"]), rtol=1e-6, atol=1e-8)
    b = 0.7
    _close(h["a"]["b"][0], np.exp(p["a"] * b) * (1 + p["a"] * b), rtol=1e-12)
    _close(h["b"][0]["b"][0], np.sum(p["a"] ** 2 * np.exp(p["a"] * b)), rtol=1e-12)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_hessian_has_aux_unconnected_and_errors(mode):
    h, aux = tg.hessian(lambda x, y: (tg.reduce_sum(x * 3.0), y), has_aux=True, mode=mode)(
        np.ones(2), 5)
    assert h.shape == (2, 2) and not h.numpy().any() and aux == 5
    h = tg.hessian(lambda x, y: tg.reduce_sum(x * 3.0), argnums=(0, 1), mode=mode)(
        np.ones(2), np.ones(3))  # linear, and y unused: all blocks zero
    assert h[1][0].shape == (3, 2) and not any(b.numpy().any() for row in h for b in row)
    with pytest.raises(ValueError, match="mode must be"):
        tg.hessian(lambda x: x, mode="both")
    with pytest.raises(TypeError, match="scalar"):
        tg.hessian(lambda x: x * x)(np.ones(2))
    with pytest.raises(TypeError, match="int32"):
        tg.hessian(lambda x: x * x)(2)


# --- vjp and jvp ---------------------------------------------------------------------------
def test_vjp_values_nested_and_reusable():
    a = RNG.standard_normal((3, 2))

    def f(x, y):
        return {"lin": tg.linalg.matvec(tg.constant(a), x), "prod": x * y}

    x0, y0 = RNG.standard_normal(2), RNG.standard_normal(2)
    out, pullback = tg.vjp(f, x0, y0)
    _close(out["lin"], a @ x0, rtol=1e-12)
    u = {"lin": RNG.standard_normal(3), "prod": RNG.standard_normal(2)}
    gx, gy = pullback(u)
    _close(gx, a.T @ u["lin"] + u["prod"] * y0, rtol=1e-12)
    _close(gy, u["prod"] * x0, rtol=1e-12)
    gx2, _ = pullback({"lin": np.zeros(3), "prod": np.ones(2)})  # callable again
    _close(gx2, y0, rtol=1e-12)
    (single,) = tg.vjp(lambda x: x * 2.0, 1.0)[1](1.0)
    _close(single, 2.0)


def test_vjp_has_aux_and_errors():
    out, pullback, aux = tg.vjp(lambda x: (x * x, "aux"), tg.constant([1.0, 2.0]), has_aux=True)
    assert aux == "aux"
    _close(pullback(tg.constant([1.0, 1.0]))[0], [2.0, 4.0])
    with pytest.raises(ValueError, match=r"cotangent 0 has shape \(3,\)"):
        pullback(tg.constant([1.0, 1.0, 1.0]))
    with pytest.raises(TypeError, match="cotangent 0 has dtype float64"):
        pullback(tg.constant([1.0, 1.0], dtype=tg.float64))
    with pytest.raises(ValueError, match="structure"):
        pullback([tg.constant([1.0, 1.0])])
    with pytest.raises(TypeError, match="int32"):
        tg.vjp(lambda x: x, 3)
    with pytest.raises(TypeError, match="at least one primal"):
        tg.vjp(lambda: 1.0)


def test_jvp_values_nested_and_unconnected():
    a = RNG.standard_normal((3, 2))

    def f(x, y):
        return {"lin": tg.linalg.matvec(tg.constant(a), x), "const": tg.constant([1.0, 2.0]) * 2.0,
                "prod": x * y["w"]}

    x0, w0 = RNG.standard_normal(2), RNG.standard_normal(2)
    vx, vw = RNG.standard_normal(2), RNG.standard_normal(2)
    out, tangent = tg.jvp(f, (x0, {"w": w0}), (vx, {"w": vw}))
    _close(out["prod"], x0 * w0, rtol=1e-12)
    _close(tangent["lin"], a @ vx, rtol=1e-12)
    _close(tangent["prod"], vx * w0 + x0 * vw, rtol=1e-12)
    assert tangent["const"].dtype == np.float32 and not tangent["const"].numpy().any()


def test_jvp_has_aux_and_errors():
    out, t, aux = tg.jvp(lambda x: (tg.sin(x), 7), (tg.constant(0.0),), (tg.constant(2.0),),
                         has_aux=True)
    _close(t, 2.0)
    assert aux == 7
    f = tg.sin
    with pytest.raises(TypeError, match="tuples or lists"):
        tg.jvp(f, tg.constant(1.0), tg.constant(1.0))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        tg.jvp(f, (1.0,), (1.0, 2.0))
    with pytest.raises(ValueError, match=r"shape \(2,\) but its primal has shape \(\)"):
        tg.jvp(f, (1.0,), (tg.constant([1.0, 2.0]),))
    with pytest.raises(TypeError, match="dtype float64 but its primal has dtype float32"):
        tg.jvp(f, (1.0,), (tg.constant(1.0, dtype=tg.float64),))
    with pytest.raises(ValueError, match="structure"):
        tg.jvp(lambda d: d["a"], ({"a": 1.0},), ({"b": 1.0},))


def test_jvp_and_vjp_agree_on_random_directions():
    a = RNG.standard_normal((4, 3))

    def f(x):
        return tg.tanh(tg.linalg.matvec(tg.constant(a), x)) * tg.reduce_sum(x**2)

    x0, v, u = RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal(4)
    _, jv = tg.jvp(f, (x0,), (v,))
    _, pullback = tg.vjp(f, x0)
    (ju,) = pullback(u)
    _close(np.dot(u, jv.numpy()), np.dot(ju.numpy(), v), rtol=1e-12)


# --- the documented list of looping primitives stays current ---------------------------
def _documented(label: str) -> list:
    doc = functional.__doc__
    start = doc.index(label) + len(label)
    paragraph = doc[start:].split("\n\n", 1)[0]
    names = re.findall(r"``([^`]+)``", paragraph)
    if not names:
        assert paragraph.strip().startswith("none"), paragraph
    return sorted(names)


def test_documented_loop_lists_match_registry():
    """tapegrad/functional.py's docstring lists the primitives that loop; regenerate it with
    ``tapegrad.functional.looping_primitives()`` when this fails."""
    actual = functional.looping_primitives()
    assert _documented("Loop over the batch (``batchable=False``):") == actual["loop"]
    assert _documented("Forward mode via the transposed VJP (no ``jvp`` rule):") == actual[
        "transposed_vjp"]
