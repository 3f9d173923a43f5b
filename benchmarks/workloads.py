"""The benchmark workloads, each as a set of zero-argument callables, one per implementation.

Every callable computes one gradient (or Jacobian/Hessian) from scratch, in
float32 on the CPU. ``numpy`` is the hand-written forward and backward pass:
the limit a pure-NumPy library can reach. Peers are included when installed.
Compiled rows: ``tapegrad.function`` (the same body, its inputs passed as
arguments so that nothing is folded into constants), ``tf.function``,
``jax.jit`` and ``torch.compile`` (where it compiles on this machine).
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg

RNG = np.random.default_rng(0)
F32 = np.float32


def _randn(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(F32)


def _compiled(impls: dict, peers: dict, bodies: dict, args: dict) -> dict:
    """Add the compiled rows: ``bodies[lib]`` called on ``args[lib]`` under lib's compiler."""
    compilers = {"tapegrad.function": ("tapegrad", tg.function)}
    if "tensorflow" in peers:
        compilers["tf.function"] = ("tensorflow", peers["tensorflow"].function)
    if "jax" in peers:
        compilers["jax.jit"] = ("jax", peers["jax"].jit)
    if "torch" in peers and _torch_compiles(peers):
        compilers["torch.compile"] = ("torch", peers["torch"].compile)
    for name, (lib, compile_) in compilers.items():
        if lib in bodies:
            fn, fn_args = compile_(bodies[lib]), args[lib]
            if lib == "jax":  # (JAX dispatches asynchronously: wait for the result)
                fn = _blocking(peers["jax"], fn)
            impls[name] = lambda fn=fn, fn_args=fn_args: fn(*fn_args)
            impls[name].body = (bodies[lib], fn_args)  # (for timing a fresh trace)
    return impls


def _blocking(jax, fn):
    return lambda *a: jax.block_until_ready(fn(*a))


_TORCH_COMPILES: list = []


def _torch_compiles(peers: dict) -> bool:
    """Whether torch.compile works here (it needs a C compiler); checked once."""
    torch = peers["torch"]
    if not _TORCH_COMPILES:
        try:
            torch.compile(lambda v: v * 2)(torch.ones(2))
            _TORCH_COMPILES.append(True)
        except Exception as err:  # noqa: BLE001 - any failure: no torch.compile rows
            print(f"  torch.compile does not work here ({type(err).__name__}); no rows for it")
            _TORCH_COMPILES.append(False)
    return _TORCH_COMPILES[0]


# --- scalar chain: 300 scalar ops (sin, multiply, add) ------------------------------------
def scalar_chain(peers: dict) -> dict:
    steps = 100  # three ops per step
    x0, a0, b0 = F32(0.5), F32(0.9), F32(0.1)

    def numpy_impl():
        ys = []
        y = x0
        for _ in range(steps):
            ys.append(y)
            y = np.sin(y) * a0 + b0
        g = F32(1.0)
        for y in reversed(ys):
            g = g * a0 * np.cos(y)
        return g

    x, a, b = tg.constant(x0), tg.constant(a0), tg.constant(b0)

    def tapegrad_body(x, a, b):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(steps):
                y = tg.sin(y) * a + b
        return tape.gradient(y, x)

    impls = {"numpy": numpy_impl, "tapegrad": lambda: tapegrad_body(x, a, b)}
    bodies: dict = {"tapegrad": tapegrad_body}
    args: dict = {"tapegrad": (x, a, b)}
    if "torch" in peers:
        torch = peers["torch"]
        tx = torch.tensor(x0, requires_grad=True)
        ta, tb = torch.tensor(a0), torch.tensor(b0)

        def torch_body(tx, ta, tb):
            y = tx
            for _ in range(steps):
                y = torch.sin(y) * ta + tb
            (g,) = torch.autograd.grad(y, tx)
            return g

        impls["torch"] = lambda: torch_body(tx, ta, tb)
        bodies["torch"], args["torch"] = torch_body, (tx, ta, tb)
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fx, fa, fb = tf.constant(x0), tf.constant(a0), tf.constant(b0)

        def tf_body(fx, fa, fb):
            with tf.GradientTape() as tape:
                tape.watch(fx)
                y = fx
                for _ in range(steps):
                    y = tf.sin(y) * fa + fb
            return tape.gradient(y, fx)

        impls["tensorflow"] = lambda: tf_body(fx, fa, fb)
        bodies["tensorflow"], args["tensorflow"] = tf_body, (fx, fa, fb)
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy

        def f(v):
            for _ in range(steps):
                v = jnp.sin(v) * a0 + b0
            return v

        grad = jax.grad(f)
        impls["jax"] = lambda: grad(x0)
        bodies["jax"], args["jax"] = grad, (x0,)
    if "autograd" in peers:
        ag = peers["autograd"]
        anp = ag.numpy

        def fa_(v):
            for _ in range(steps):
                v = anp.sin(v) * a0 + b0
            return v

        agrad = ag.grad(fa_)
        impls["autograd"] = lambda: agrad(x0)
    return _compiled(impls, peers, bodies, args)


# --- MLP training-step gradient -------------------------------------------------------------
def _mlp(peers: dict, batch: int, sizes: tuple) -> dict:
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(_randn(n_in, n_out, scale=1.0 / np.sqrt(n_in)))
        weights.append(np.zeros(n_out, F32))
    x_np = _randn(batch, sizes[0])
    labels_np = np.eye(sizes[-1], dtype=F32)[RNG.integers(0, sizes[-1], batch)]

    def numpy_impl():
        acts = [x_np]
        h = x_np
        n_layers = len(weights) // 2
        for i in range(n_layers):
            z = h @ weights[2 * i] + weights[2 * i + 1]
            h = np.tanh(z) if i < n_layers - 1 else z
            acts.append(h)
        logits = acts[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(shifted)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - labels_np) / F32(batch)
        grads = [None] * len(weights)
        for i in reversed(range(n_layers)):
            grads[2 * i] = acts[i].T @ g
            grads[2 * i + 1] = g.sum(axis=0)
            if i:
                g = (g @ weights[2 * i].T) * (1 - acts[i] ** 2)
        return grads

    params = [tg.Variable(w) for w in weights]
    x, labels = tg.constant(x_np), tg.constant(labels_np)

    def tapegrad_body(x, labels):
        with tg.GradientTape() as tape:
            h = x
            n_layers = len(params) // 2
            for i in range(n_layers):
                z = tg.matmul(h, params[2 * i]) + params[2 * i + 1]
                h = tg.tanh(z) if i < n_layers - 1 else z
            loss = tg.reduce_mean(tg.nn.softmax_cross_entropy_with_logits(labels, h))
        return tape.gradient(loss, params)

    impls = {"numpy": numpy_impl, "tapegrad": lambda: tapegrad_body(x, labels)}
    bodies: dict = {"tapegrad": tapegrad_body}
    args: dict = {"tapegrad": (x, labels)}
    if "torch" in peers:
        torch = peers["torch"]
        tparams = [torch.tensor(w, requires_grad=True) for w in weights]
        tx, tl = torch.tensor(x_np), torch.tensor(labels_np.argmax(1))

        def torch_body(tx, tl):
            h = tx
            n_layers = len(tparams) // 2
            for i in range(n_layers):
                z = h @ tparams[2 * i] + tparams[2 * i + 1]
                h = torch.tanh(z) if i < n_layers - 1 else z
            loss = torch.nn.functional.cross_entropy(h, tl)
            return torch.autograd.grad(loss, tparams)

        impls["torch"] = lambda: torch_body(tx, tl)
        bodies["torch"], args["torch"] = torch_body, (tx, tl)
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fparams = [tf.Variable(w) for w in weights]
        fx, fl = tf.constant(x_np), tf.constant(labels_np)

        def tf_body(fx, fl):
            with tf.GradientTape() as tape:
                h = fx
                n_layers = len(fparams) // 2
                for i in range(n_layers):
                    z = tf.matmul(h, fparams[2 * i]) + fparams[2 * i + 1]
                    h = tf.tanh(z) if i < n_layers - 1 else z
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(fl, h))
            return tape.gradient(loss, fparams)

        impls["tensorflow"] = lambda: tf_body(fx, fl)
        bodies["tensorflow"], args["tensorflow"] = tf_body, (fx, fl)
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy

        def jloss(ps, x_np=x_np):
            h = x_np
            n_layers = len(ps) // 2
            for i in range(n_layers):
                z = h @ ps[2 * i] + ps[2 * i + 1]
                h = jnp.tanh(z) if i < n_layers - 1 else z
            return -jnp.mean(jnp.sum(labels_np * jax.nn.log_softmax(h), axis=1))

        jgrad = jax.grad(jloss)
        jparams = [jnp.asarray(w) for w in weights]
        impls["jax"] = lambda: jax.block_until_ready(jgrad(jparams))
        bodies["jax"], args["jax"] = jgrad, (jparams, jnp.asarray(x_np))
    if "autograd" in peers:
        ag = peers["autograd"]
        anp = ag.numpy

        def aloss(ps):
            h = x_np
            n_layers = len(ps) // 2
            for i in range(n_layers):
                z = anp.dot(h, ps[2 * i]) + ps[2 * i + 1]
                h = anp.tanh(z) if i < n_layers - 1 else z
            shifted = h - anp.max(h, axis=1, keepdims=True)
            logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
            return -anp.mean(anp.sum(labels_np * logp, axis=1))

        agrad = ag.grad(aloss)
        impls["autograd"] = lambda: agrad(list(weights))
    return _compiled(impls, peers, bodies, args)


def small_mlp(peers: dict) -> dict:
    return _mlp(peers, 32, (64, 128, 128, 10))


def large_mlp(peers: dict) -> dict:
    return _mlp(peers, 256, (784, 1024, 1024, 10))


# --- Hessian of sum(tanh(A @ x)**2), 30 variables -----------------------------------------------
def hessian30(peers: dict) -> dict:
    n = 30
    a_np = _randn(n, n, scale=1.0 / np.sqrt(n))
    x_np = _randn(n)

    def numpy_impl():
        t = np.tanh(a_np @ x_np)
        d = (2 - 6 * t**2) * (1 - t**2)
        return a_np.T @ (d[:, None] * a_np)

    a, x = tg.constant(a_np), tg.constant(x_np)

    def tapegrad_body(a, x):
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = tg.reduce_sum(tg.tanh(tg.linalg.matvec(a, x)) ** 2)
            g = inner.gradient(y, x)
        return outer.jacobian(g, x)

    impls = {"numpy": numpy_impl, "tapegrad": lambda: tapegrad_body(a, x)}
    bodies: dict = {"tapegrad": tapegrad_body}
    args: dict = {"tapegrad": (a, x)}
    if "torch" in peers:
        torch = peers["torch"]
        ta, tx = torch.tensor(a_np), torch.tensor(x_np)
        impls["torch"] = lambda: torch.autograd.functional.hessian(
            lambda v: (torch.tanh(ta @ v) ** 2).sum(), tx)
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fa, fx = tf.constant(a_np), tf.constant(x_np)

        def tf_body(fa, fx):
            with tf.GradientTape() as outer:
                outer.watch(fx)
                with tf.GradientTape() as inner:
                    inner.watch(fx)
                    y = tf.reduce_sum(tf.tanh(tf.linalg.matvec(fa, fx)) ** 2)
                g = inner.gradient(y, fx)
            return outer.jacobian(g, fx)

        impls["tensorflow"] = lambda: tf_body(fa, fx)
        bodies["tensorflow"], args["tensorflow"] = tf_body, (fa, fx)
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy
        hess = jax.hessian(lambda v: jnp.sum(jnp.tanh(a_np @ v) ** 2))
        impls["jax"] = lambda: jax.block_until_ready(hess(x_np))
        bodies["jax"] = jax.hessian(lambda v, m: jnp.sum(jnp.tanh(m @ v) ** 2))
        args["jax"] = (jnp.asarray(x_np), jnp.asarray(a_np))
    if "autograd" in peers:
        ag = peers["autograd"]
        anp = ag.numpy
        ahess = ag.hessian(lambda v: anp.sum(anp.tanh(anp.dot(a_np, v)) ** 2))
        impls["autograd"] = lambda: ahess(x_np)
    return _compiled(impls, peers, bodies, args)


# --- Jacobian of tanh(W @ x), 100 x 100 ---------------------------------------------------------
def jacobian100(peers: dict) -> dict:
    n = 100
    w_np = _randn(n, n, scale=1.0 / np.sqrt(n))
    x_np = _randn(n)

    def numpy_impl():
        t = np.tanh(w_np @ x_np)
        return (1 - t**2)[:, None] * w_np

    w, x = tg.constant(w_np), tg.constant(x_np)

    def tapegrad_body(w, x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.tanh(tg.linalg.matvec(w, x))
        return tape.jacobian(y, x)

    impls = {"numpy": numpy_impl, "tapegrad": lambda: tapegrad_body(w, x)}
    bodies: dict = {"tapegrad": tapegrad_body}
    args: dict = {"tapegrad": (w, x)}
    if "torch" in peers:
        torch = peers["torch"]
        tw, tx = torch.tensor(w_np), torch.tensor(x_np)
        impls["torch"] = lambda: torch.autograd.functional.jacobian(
            lambda v: torch.tanh(tw @ v), tx)
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fw, fx = tf.constant(w_np), tf.constant(x_np)

        def tf_body(fw, fx):
            with tf.GradientTape() as tape:
                tape.watch(fx)
                y = tf.tanh(tf.linalg.matvec(fw, fx))
            return tape.jacobian(y, fx)

        impls["tensorflow"] = lambda: tf_body(fw, fx)
        bodies["tensorflow"], args["tensorflow"] = tf_body, (fw, fx)
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy
        jac = jax.jacrev(lambda v: jnp.tanh(w_np @ v))
        impls["jax"] = lambda: jax.block_until_ready(jac(x_np))
        bodies["jax"] = jax.jacrev(lambda v, m: jnp.tanh(m @ v))
        args["jax"] = (jnp.asarray(x_np), jnp.asarray(w_np))
    if "autograd" in peers:
        ag = peers["autograd"]
        anp = ag.numpy
        ajac = ag.jacobian(lambda v: anp.tanh(anp.dot(w_np, v)))
        impls["autograd"] = lambda: ajac(x_np)
    return _compiled(impls, peers, bodies, args)


# --- elementwise chain on 1e6 elements: sum(exp(sin(x))) ------------------------------------------
def elementwise1e6(peers: dict) -> dict:
    x_np = _randn(1_000_000)

    def numpy_impl():
        s = np.sin(x_np)
        e = np.exp(s)
        _ = e.sum()
        return e * np.cos(x_np)

    x = tg.constant(x_np)

    def tapegrad_body(x):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(tg.exp(tg.sin(x)))
        return tape.gradient(y, x)

    impls = {"numpy": numpy_impl, "tapegrad": lambda: tapegrad_body(x)}
    bodies: dict = {"tapegrad": tapegrad_body}
    args: dict = {"tapegrad": (x,)}
    if "torch" in peers:
        torch = peers["torch"]
        tx = torch.tensor(x_np, requires_grad=True)

        def torch_body(tx):
            y = torch.exp(torch.sin(tx)).sum()
            (g,) = torch.autograd.grad(y, tx)
            return g

        impls["torch"] = lambda: torch_body(tx)
        bodies["torch"], args["torch"] = torch_body, (tx,)
    if "tensorflow" in peers:
        tf = peers["tensorflow"]
        fx = tf.constant(x_np)

        def tf_body(fx):
            with tf.GradientTape() as tape:
                tape.watch(fx)
                y = tf.reduce_sum(tf.exp(tf.sin(fx)))
            return tape.gradient(y, fx)

        impls["tensorflow"] = lambda: tf_body(fx)
        bodies["tensorflow"], args["tensorflow"] = tf_body, (fx,)
    if "jax" in peers:
        jax = peers["jax"]
        jnp = jax.numpy
        jg = jax.grad(lambda v: jnp.sum(jnp.exp(jnp.sin(v))))
        impls["jax"] = lambda: jax.block_until_ready(jg(x_np))
        bodies["jax"], args["jax"] = jg, (jnp.asarray(x_np),)
    if "autograd" in peers:
        ag = peers["autograd"]
        anp = ag.numpy
        agr = ag.grad(lambda v: anp.sum(anp.exp(anp.sin(v))))
        impls["autograd"] = lambda: agr(x_np)
    return _compiled(impls, peers, bodies, args)


WORKLOADS = {
    "scalar chain (300 ops)": scalar_chain,
    "small MLP step (32, 64-128-128-10)": small_mlp,
    "large MLP step (256, 784-1024-1024-10)": large_mlp,
    "Hessian, 30 variables": hessian30,
    "Jacobian 100x100": jacobian100,
    "elementwise 1e6 (sin, exp, sum)": elementwise1e6,
}
