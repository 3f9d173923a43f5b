"""The tour's model: an MLP that classifies the 8x8 handwritten digits.

The data ships with tapegrad (``tapegrad/data/digits.csv.gz``, see the
README there for its source and licences), so this runs offline with only
NumPy and SciPy installed. Everything the model needs is tapegrad's own:
``Module`` finds the variables, ``GradientTape`` (inside ``minimize``)
differentiates the loss, ``optimizers.Adam`` updates the weights.
"""

from __future__ import annotations

import gzip
import importlib.resources
import math
import time
from collections.abc import Callable

import numpy as np

import tapegrad as tg

__all__ = [
    "load_digits",
    "train_test_split",
    "Dense",
    "MLP",
    "loss_fn",
    "predict",
    "accuracy",
    "cosine_schedule",
    "train",
]

N_CLASSES = 10


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits: images ``(1797, 64)`` float32 scaled to [0, 1], labels ``(1797,)`` int64.

    >>> images, labels = load_digits()
    >>> images.shape, images.dtype.name, sorted(set(labels.tolist())) == list(range(10))
    ((1797, 64), 'float32', True)
    """
    resource = importlib.resources.files("tapegrad").joinpath("data", "digits.csv.gz")
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float64)
    images = (table[:, :-1] / 16.0).astype(np.float32)
    labels = table[:, -1].astype(np.int64)
    return images, labels


def train_test_split(
    images: np.ndarray, labels: np.ndarray, test_size: int = 360, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A fixed shuffled split: ``(x_train, y_train, x_test, y_test)``.

    >>> x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    >>> len(x_train), len(x_test)
    (1437, 360)
    """
    order = np.random.default_rng(seed).permutation(len(images))
    train, test = order[:-test_size], order[-test_size:]
    return images[train], labels[train], images[test], labels[test]


class Dense(tg.Module):
    """A fully connected layer ``activation(x @ w + b)`` with He-normal weights.

    >>> layer = Dense(3, 2, np.random.default_rng(0))
    >>> layer(tg.ones((4, 3))).shape
    TensorShape([4, 2])
    """

    def __init__(
        self, n_in: int, n_out: int, rng: np.random.Generator, activation: Callable | None = None
    ):
        super().__init__()
        scale = math.sqrt(2.0 / n_in)
        self.w = tg.Variable(rng.normal(0.0, scale, (n_in, n_out)).astype(np.float32), name="w")
        self.b = tg.Variable(np.zeros(n_out, np.float32), name="b")
        self.activation = activation

    def __call__(self, x):
        y = tg.matmul(x, self.w) + self.b
        return self.activation(y) if self.activation is not None else y


class MLP(tg.Module):
    """Dense layers with ReLU between them; returns logits.

    Args:
        sizes: layer widths, input first (64 pixels) and classes last.
        seed: seeds the weight initialisation.

    >>> model = MLP((64, 32, 10))
    >>> [tuple(v.shape) for v in model.trainable_variables]
    [(32,), (64, 32), (10,), (32, 10)]
    """

    def __init__(self, sizes: tuple = (64, 64, N_CLASSES), seed: int = 0):
        super().__init__()
        rng = np.random.default_rng(seed)
        last = len(sizes) - 2
        self.layers = [
            Dense(n_in, n_out, rng, None if i == last else tg.nn.relu)
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def loss_fn(model: MLP, x: np.ndarray, y: np.ndarray):
    """Mean softmax cross entropy of the model's logits against integer labels.

    >>> model = MLP()
    >>> x, y = load_digits()
    >>> 1.5 < float(loss_fn(model, x[:100], y[:100])) < 4.0  # about log(10) untrained
    True
    """
    one_hot = np.eye(N_CLASSES, dtype=np.float32)[y]
    logits = model(tg.constant(x))
    return tg.reduce_mean(tg.nn.softmax_cross_entropy_with_logits(one_hot, logits))


def predict(model: MLP, x: np.ndarray) -> np.ndarray:
    """The model's logits for ``x`` as a NumPy array.

    >>> predict(MLP(), np.zeros((2, 64), np.float32)).shape
    (2, 10)
    """
    return model(tg.constant(x)).numpy()


def accuracy(model: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of ``x`` the model classifies as ``y``.

    >>> x, y = load_digits()
    >>> 0.0 <= accuracy(MLP(), x, y) <= 1.0
    True
    """
    return float(np.mean(np.argmax(predict(model, x), axis=-1) == y))


def train_step(model: MLP, optimizer: tg.optimizers.Optimizer, compiled: bool = True):
    """``step(x, one_hot)``: one minimize step on a batch, compiled with ``tapegrad.function``.

    >>> step = train_step(MLP(), tg.optimizers.Adam(0.01))
    >>> x, y = load_digits()
    >>> float(step(tg.constant(x[:8]), tg.constant(np.eye(10, dtype=np.float32)[y[:8]]))) > 0
    True
    """
    variables = model.trainable_variables

    def step(x, one_hot):
        def loss():
            return tg.reduce_mean(tg.nn.softmax_cross_entropy_with_logits(one_hot, model(x)))

        return optimizer.minimize(loss, variables)

    return tg.function(step) if compiled else step


def step_times(repeats: int = 30, batch_size: int = 32) -> tuple[float, float]:
    """Median milliseconds of one training step, eager and compiled (fresh models).

    >>> eager, compiled = step_times(repeats=3)
    >>> eager > 0 and compiled > 0
    True
    """
    x, y = load_digits()
    xb = tg.constant(x[:batch_size])
    yb = tg.constant(np.eye(N_CLASSES, dtype=np.float32)[y[:batch_size]])
    medians = []
    for compiled in (False, True):
        step = train_step(MLP(), tg.optimizers.Adam(0.001), compiled)
        step(xb, yb)  # (the compiled step is traced here)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step(xb, yb)
            times.append(time.perf_counter() - start)
        medians.append(float(np.median(times)) * 1e3)
    return medians[0], medians[1]


def cosine_schedule(peak: float, total_steps: int) -> Callable[[int], float]:
    """A learning-rate schedule: ``peak`` decaying to 0 along half a cosine.

    >>> schedule = cosine_schedule(0.01, 100)
    >>> [round(schedule(step), 6) for step in (0, 50, 100)]
    [0.01, 0.005, 0.0]
    """

    def schedule(step: int) -> float:
        fraction = min(step, total_steps) / total_steps
        return peak * 0.5 * (1.0 + math.cos(math.pi * fraction))

    return schedule


def train(
    model: MLP,
    optimizer: tg.optimizers.Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int = 32,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
    compiled: bool = False,
) -> list[float]:
    """Train with shuffled minibatches; returns the loss of every step.

    ``on_step(step, loss)`` is called after each update (the progress bar).
    ``compiled=True`` runs the step (forward, gradient, update, NaN checks) as one
    program generated by ``tapegrad.function``; the results are the same bit for bit.

    Raises:
        FloatingPointError: the loss became NaN or infinite; the message names
            the step, epoch and batch (nothing was updated at that step).

    >>> x_train, y_train, x_test, y_test = train_test_split(*load_digits())
    >>> model = MLP()
    >>> losses = train(model, tg.optimizers.Adam(0.01), x_train, y_train, epochs=2)
    >>> len(losses), losses[-1] < losses[0], accuracy(model, x_test, y_test) > 0.9
    (90, True, True)
    """
    rng = np.random.default_rng(seed)
    losses: list[float] = []
    variables = model.trainable_variables
    step_fn = train_step(model, optimizer, compiled)
    one_hot = np.eye(N_CLASSES, dtype=np.float32)[y]
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for batch, start in enumerate(range(0, len(x), batch_size)):
            rows = order[start : start + batch_size]
            step = len(losses)
            try:
                if compiled:
                    loss = step_fn(tg.constant(x[rows]), tg.constant(one_hot[rows]))
                else:
                    loss = optimizer.minimize(
                        lambda rows=rows: loss_fn(model, x[rows], y[rows]), variables
                    )
            except FloatingPointError as err:
                raise FloatingPointError(
                    f"training stopped at step {step} (epoch {epoch + 1}, batch {batch + 1}): {err}"
                ) from err
            losses.append(float(loss))
            if on_step is not None:
                on_step(step, losses[-1])
    return losses
