"""The Keras ``Layer``: weights created on the first call, ``training`` passed down, losses.

A layer is a :class:`tapegrad.Module` whose ``build(input_shape)`` creates its weights with
``add_weight`` the first time it is called, and whose ``call`` computes with tapegrad ops, so a
``GradientTape`` around ``layer(x)`` differentiates with respect to ``layer.trainable_weights``.

Called on symbolic ``keras.Input`` tensors, a layer builds itself, runs once on a one-example
batch of zeros to learn its output shape, and records a node for the functional API.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from .._utils import flatten, map_structure, np_dtype, shape_of, snake_case, to_tensor, unique_name

__all__ = ["Layer", "InputSpec", "KerasTensor", "KerasVariable"]

_context = threading.local()


def _frames() -> list:
    if not hasattr(_context, "frames"):
        _context.frames = []
    return _context.frames


def current_training() -> Any:
    """The ``training`` value of the enclosing layer call (None outside any call)."""
    frames = _frames()
    return frames[-1] if frames else None


class Node:
    """One call of a layer on symbolic tensors: the layer, its arguments and its outputs."""

    def __init__(self, layer: Layer, args: tuple, kwargs: dict):
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.outputs: Any = None

    def parents(self) -> list:
        """The symbolic tensors this call read."""
        leaves = flatten((list(self.args), self.kwargs))
        return [t for t in leaves if isinstance(t, KerasTensor)]


class KerasTensor:
    """A symbolic tensor of the functional API: a shape (batch ``None``), a dtype, its origin."""

    def __init__(
        self, shape: tuple, dtype: Any = "float32", name: str | None = None, node: Any = None
    ):
        self.shape = tuple(shape)
        self.dtype = np_dtype(dtype)
        self.name = name
        self.node = node  # the layer call that produced it; None for an Input
        self.input_layer: Any = None  # the InputLayer of a keras.Input

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, name={self.name}>"


def _is_symbolic(args: Any) -> bool:
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(args))


def _concrete(value: Any) -> Any:
    """A KerasTensor replaced by zeros with batch 1 (to run a layer once and see its shapes)."""
    if isinstance(value, KerasTensor):
        shape = tuple(1 if d is None else d for d in value.shape)
        return tg.zeros(shape, value.dtype)
    return value


class KerasVariable(tg.Variable):
    """A Variable that also carries Keras's ``path``, ``constraint`` and ``regularizer``."""

    __slots__ = ("constraint", "regularizer", "path")
    constraint: Any
    regularizer: Any
    path: str

    @property
    def name(self) -> str:
        """Keras 3's variable name: ``"kernel"`` (no ``":0"``; the layer is in ``path``)."""
        return super().name.split(":")[0]


class InputSpec:
    """What a layer accepts: a rank (``ndim``/``min_ndim``) and fixed sizes on some ``axes``."""

    def __init__(
        self, ndim: int | None = None, min_ndim: int | None = None, axes: dict | None = None
    ):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, dict(axes or {})

    def check(self, layer: Layer, shape: tuple) -> None:
        where = (
            f'Input 0 of layer "{layer.name}" ({type(layer).__name__}) is incompatible '
            "with the layer:"
        )
        if self.ndim is not None and len(shape) != self.ndim:
            raise ValueError(
                f"{where} expected ndim={self.ndim}, found ndim={len(shape)}. Full shape "
                f"received: {shape}. Reshape the input to rank {self.ndim} (for images: "
                "(batch, height, width, channels))."
            )
        if self.min_ndim is not None and len(shape) < self.min_ndim:
            raise ValueError(
                f"{where} expected min_ndim={self.min_ndim}, found ndim={len(shape)}. Full "
                f"shape received: {shape}. Add the missing axes (a batch axis?)."
            )
        for axis, size in self.axes.items():
            if -len(shape) <= axis < len(shape) and shape[axis] not in (None, size):
                raise ValueError(
                    f"{where} expected axis {axis} of input shape to have value {size}, but "
                    f"received input with shape {shape}. The layer was built for {size} "
                    "there: pass inputs of that size, or use a new layer."
                )


class Layer(tg.Module):
    """Base class of every Keras layer (Keras 3's arguments and properties).

    Subclasses create weights in ``build(input_shape)`` with ``add_weight`` and compute in
    ``call(inputs, training=None)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> class Scale(keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale()
    >>> tuple(layer(np.ones((2, 3), np.float32)).shape), len(layer.trainable_weights)
    ((2, 3), 1)
    """

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ):
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword arguments {sorted(kwargs)}."
            )
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        self._input_shape_arg = None if input_shape is None else (batch_size, *input_shape)
        name = name if name is not None else unique_name(snake_case(type(self).__name__))
        super().__init__(name=name)
        self._dtype = np_dtype(
            getattr(dtype, "name", dtype) if dtype != "mixed_float16" else "float32"
        )
        self.autocast = autocast
        self.trainable = trainable
        self.built = False
        self.activity_regularizer = _regularizers.get(activity_regularizer)
        self.input_spec: InputSpec | None = None
        self._trainable_variables: list = []
        self._non_trainable_variables: list = []
        self._regularized: list = []
        self._own_losses: list = []
        self._layers: list = []
        self._build_shape: Any = None
        self._call_signature = inspect.signature(self.call)
        self._call_has_training = "training" in self._call_signature.parameters

    # -- tracking ---------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            layers = self.__dict__.get("_layers")
            leaves = value if isinstance(value, (list, tuple)) else [value]
            for leaf in leaves:
                if (
                    isinstance(leaf, Layer)
                    and layers is not None
                    and leaf is not self
                    and all(leaf is not known for known in layers)
                ):
                    layers.append(leaf)
                elif isinstance(leaf, tg.Variable) and "_trainable_variables" in self.__dict__:
                    self._track_variable(leaf)
        super().__setattr__(name, value)

    def _track_variable(self, variable: tg.Variable) -> None:
        known = self._trainable_variables + self._non_trainable_variables
        if all(variable is not v for v in known):
            target = (
                self._trainable_variables if variable.trainable else self._non_trainable_variables
            )
            target.append(variable)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the layer's weights and (floating) computations."""
        return self._dtype

    @property
    def compute_dtype(self) -> np.dtype:
        return self._dtype

    @property
    def variable_dtype(self) -> np.dtype:
        return self._dtype

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _flatten_layers(self, include_self: bool = True) -> list:
        found, seen = [], set()
        queue = [self] if include_self else list(self._layers)
        while queue:
            layer = queue.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            queue.extend(layer._layers)
        return found

    # -- weights ----------------------------------------------------------------------------
    def add_weight(
        self,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> tg.Variable:
        """Create a weight of the layer (Keras 3's arguments).

        ``initializer`` defaults to ``"glorot_uniform"`` for floating weights and ``"zeros"``
        otherwise; ``regularizer`` adds a penalty to ``losses``; ``constraint`` runs after each
        optimizer update.
        """
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = np_dtype(dtype if dtype is not None else self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        init = _initializers.get(initializer)
        value = init(shape, dtype=dtype) if callable(init) else init
        if name is None:
            name = f"variable_{len(self._trainable_variables + self._non_trainable_variables)}"
        variable = KerasVariable(
            to_tensor(value, dtype), trainable=trainable, name=name, dtype=dtype
        )
        variable.constraint = constraint  # read by the Keras optimizers after an update
        variable.path = f"{self.name}/{name}"
        reg = variable.regularizer = _regularizers.get(regularizer)
        self._track_variable(variable)
        if reg is not None:
            self._regularized.append((variable, reg))
        return variable

    @property
    def trainable(self) -> bool:
        """Whether the optimizer updates this layer's weights; setting it sets every sublayer's
        (a frozen BatchNormalization also runs in inference mode), as in Keras."""
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.__dict__["_trainable"] = bool(value)
        for layer in self.__dict__.get("_layers", []):
            layer.trainable = value

    def _weights_and_flags(self) -> list:
        """``(weight, trainable)`` in Keras's order: own trainable, own non-trainable, then
        each sublayer's; a weight trains only when its layer does."""
        found, seen = [], set()

        def visit(layer: Layer) -> None:
            for w in layer._trainable_variables + layer._non_trainable_variables:
                if id(w) not in seen:
                    seen.add(id(w))
                    found.append((w, bool(w.trainable) and layer.trainable))
            for sub in layer._layers:
                visit(sub)

        visit(self)
        return found

    @property
    def weights(self) -> list:
        """Own trainable, then own non-trainable weights, then each sublayer's (Keras order)."""
        return [w for w, _ in self._weights_and_flags()]

    @property
    def trainable_weights(self) -> list:
        return [w for w, t in self._weights_and_flags() if t]

    @property
    def non_trainable_weights(self) -> list:
        return [w for w, t in self._weights_and_flags() if not t]

    @property
    def variables(self) -> list:  # type: ignore[override]
        return self.weights

    @property
    def trainable_variables(self) -> list:  # type: ignore[override]
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:  # type: ignore[override]
        return self.non_trainable_weights

    def named_variables(self) -> list:
        """``(path, variable)`` pairs such as ``"layers/dense_1/kernel"`` (``save_weights``).

        Paths name each sublayer by its class and position among its siblings, not by its
        global name, so two models of the same architecture load each other's weights.
        """
        named, seen = [], set()

        def visit(layer: Layer, prefix: str) -> None:
            for v in layer._trainable_variables + layer._non_trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    named.append((prefix + v.name.split(":")[0], v))
            counts: dict = {}
            for sub in layer._layers:
                key = snake_case(type(sub).__name__)
                n = counts.get(key, 0)
                counts[key] = n + 1
                visit(sub, f"{prefix}layers/{key}{'' if n == 0 else f'_{n}'}/")

        visit(self, "")
        return named

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: list) -> None:
        """Assign NumPy arrays to ``weights`` (same order, shapes checked before any write)."""
        own = self.weights
        if len(own) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(own)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for v, a in zip(own, arrays):
            if tuple(v.shape) != a.shape:
                raise ValueError(
                    f"Layer {self.name} weight {v.name} has shape {tuple(v.shape)}, not "
                    f"compatible with provided weight shape {a.shape}."
                )
        for v, a in zip(own, arrays):
            v.assign(a.astype(np_dtype(v.dtype)))

    def count_params(self) -> int:
        """The number of scalars in ``weights``."""
        return int(sum(int(np.prod(tuple(v.shape))) for v in self.weights))

    # -- losses -----------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss (cleared at the start of the next outermost call)."""
        self._own_losses.append(loss)

    @property
    def losses(self) -> list:
        """``add_loss`` losses of this layer and its sublayers, then weight penalties."""
        found = []
        layers = self._flatten_layers()
        for layer in layers:
            found.extend(layer._own_losses)
        trainable = {id(v) for v in self.trainable_weights}
        for layer in layers:
            found.extend(reg(v) for v, reg in layer._regularized if id(v) in trainable)
        return found

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._own_losses = []

    # -- calling ----------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (default: nothing to create)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        out = self(map_structure(_concrete, self._symbolic_like(input_shape)))
        return map_structure(lambda t: (None, *shape_of(t)[1:]), out)

    @staticmethod
    def _symbolic_like(input_shape: Any) -> Any:
        if (
            isinstance(input_shape, (list, tuple))
            and input_shape
            and all(isinstance(s, (list, tuple)) for s in input_shape)
        ):
            return [KerasTensor(s) for s in input_shape]
        return KerasTensor(tuple(input_shape))

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        leaves = flatten(inputs)
        shapes = [shape_of(leaf) for leaf in leaves]
        shape = shapes[0] if not isinstance(inputs, (list, tuple)) else shapes
        self._build_shape = shape
        self.build(shape)
        self.built = True

    def _convert(self, inputs: Any) -> Any:
        dtype = self._dtype if self.autocast else None
        if isinstance(inputs, (list, tuple)) and all(
            isinstance(v, (int, float, bool, np.number)) for v in flatten(inputs)
        ):
            return to_tensor(inputs, dtype)  # nested Python numbers: one array
        return map_structure(
            lambda x: (
                x
                if isinstance(x, tg.Tensor) and np_dtype(x.dtype).kind != "f"
                else to_tensor(x, dtype)
            ),
            inputs,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _is_symbolic((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        if not args:
            raise TypeError(f"Layer {self.name!r}: call it with an input, as layer(x).")
        inputs = self._convert(args[0])
        args = (inputs, *args[1:])
        if self.input_spec is not None and isinstance(inputs, tg.Tensor):
            self.input_spec.check(self, shape_of(inputs))
        self._maybe_build(inputs)
        if self.input_spec is not None and isinstance(inputs, tg.Tensor):
            self.input_spec.check(self, shape_of(inputs))
        frames = _frames()
        outermost = not frames
        training = kwargs.get("training")
        if training is None:
            training = current_training()
        if self._call_has_training:
            if training is None:
                default = self._call_signature.parameters["training"].default
                training = None if default is inspect.Parameter.empty else default
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if outermost:
            self._clear_losses()
        frames.append(training)
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            frames.pop()
        self._last_output_shape = map_structure(
            lambda t: (None, *shape_of(t)[1:]) if isinstance(t, tg.Tensor) else None, outputs
        )
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                self.add_loss(self.activity_regularizer(out) / out.shape[0])
        return outputs

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        """Run once on zeros of batch 1 to learn the output shapes; record a node."""
        concrete_args = map_structure(_concrete, list(args))
        concrete_kwargs = {k: map_structure(_concrete, v) for k, v in kwargs.items()}
        concrete_kwargs.setdefault("training", False)
        saved = [list(layer._own_losses) for layer in self._flatten_layers()]
        out = self(*concrete_args, **concrete_kwargs)
        for layer, losses in zip(self._flatten_layers(), saved):
            layer._own_losses = losses
        node = Node(self, args, kwargs)
        node.outputs = map_structure(
            lambda t: KerasTensor((None, *shape_of(t)[1:]), t.dtype, name=self.name, node=node), out
        )
        return node.outputs

    # -- configuration ----------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that recreate this layer (``from_config``)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype.name}
        config.update(getattr(self, "_config", {}))
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def _remember(self, **config: Any) -> None:
        """Store constructor arguments for ``get_config`` (serialisable forms)."""

        def plain(value: Any) -> Any:
            if hasattr(value, "get_config") and not isinstance(value, type):
                return {"class_name": type(value).__name__, "config": value.get_config()}
            if callable(value) and hasattr(value, "__name__"):
                return value.__name__
            return value

        self.__dict__.setdefault("_config", {}).update({k: plain(v) for k, v in config.items()})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def activation_fn(activation: Any) -> Callable:
    from .. import activations

    return activations.get(activation)
