"""``keras.Model`` (subclassing and the functional API), ``keras.Sequential`` and ``keras.Input``.

A functional model is the graph of layer calls recorded on symbolic ``keras.Input`` tensors;
calling it replays those calls in order on real tensors.
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from ._utils import flatten, map_structure, np_dtype, snake_case, unique_name
from .layers.layer import KerasTensor, Layer
from .summary import print_summary
from .training import Trainer

__all__ = ["Model", "Sequential", "Input", "InputLayer"]


class InputLayer(Layer):
    """The layer behind ``keras.Input``: holds the input's shape and dtype; passes values on."""

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        if shape is None:
            raise ValueError("InputLayer: pass `shape`, the shape of one example, e.g. (28, 28).")
        self.batch_shape = (batch_size, *tuple(shape))
        self.output = KerasTensor(self.batch_shape, self._dtype, name=self.name)
        self.output.input_layer = self
        self._last_output_shape = self.batch_shape
        self.built = True


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,  # noqa: N802
    sparse: Any = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input for the functional API: ``keras.Input(shape=(64,))``.

    >>> from tapegrad import keras
    >>> x = keras.Input(shape=(3,))
    >>> y = keras.layers.Dense(2)(x)
    >>> y.shape
    (None, 2)
    """
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], batch_shape[1:]
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name).output


def _topological(inputs: list, outputs: list) -> list:
    """The nodes between ``inputs`` and ``outputs``, each after the nodes it reads."""
    order: list = []
    done: set = set()
    known = {id(t) for t in inputs}

    def visit(t: KerasTensor, path: tuple) -> None:
        if id(t) in known:
            return
        node = t.node
        if node is None:
            raise ValueError(
                f"Functional model: the output depends on {t!r}, which is not one of the model's "
                "inputs. Pass every keras.Input the outputs use in `inputs`."
            )
        if id(node) in done:
            return
        for parent in node.parents():
            visit(parent, path + (id(node),))
        done.add(id(node))
        order.append(node)

    for t in outputs:
        visit(t, ())
    return order


class Model(Trainer, Layer):
    """A layer with ``compile``/``fit``/``evaluate``/``predict``, built in one of two ways.

    * Functional: ``Model(inputs, outputs)`` from ``keras.Input`` and layer calls.
    * Subclassing: define layers in ``__init__`` and the computation in ``call``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> inputs = keras.Input(shape=(4,))
    >>> hidden = keras.layers.Dense(8, activation="relu")(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    >>> tuple(model(np.ones((2, 4), np.float32)).shape), len(model.trainable_weights)
    ((2, 1), 4)
    """

    def __init__(self, *args: Any, **kwargs: Any):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(
            self,
            name=name or unique_name(snake_case(type(self).__name__)),
            trainable=trainable,
            **{k: v for k, v in kwargs.items() if k == "dtype"},
        )
        Trainer.__init__(self)
        self._functional: Any = None
        if inputs is not None or outputs is not None:
            self._init_functional(inputs, outputs)

    def _init_functional(self, inputs: Any, outputs: Any) -> None:
        flat_in, flat_out = flatten(inputs), flatten(outputs)
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    f"Model(inputs, outputs): expected symbolic tensors from keras.Input and "
                    f"layer calls, got {type(t).__name__}."
                )
        nodes = _topological(flat_in, flat_out)
        self._functional = (inputs, outputs, nodes)
        for t in flat_in:
            layer = getattr(t, "input_layer", None)
            if layer is not None:
                self._layers.append(layer)
        for node in nodes:
            if all(node.layer is not known for known in self._layers):
                self._layers.append(node.layer)
        self.inputs, self.outputs = flat_in, flat_out
        self.built = True

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _convert(self, inputs: Any) -> Any:
        if self._functional is None:
            return super()._convert(inputs)
        spec = self._functional[0]
        if isinstance(spec, (list, tuple)) and not isinstance(inputs, (list, tuple, dict)):
            inputs = [inputs]
        return map_structure(lambda x: x if isinstance(x, tg.Tensor) else tg.constant(x), inputs)

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if self._functional is None:
            raise NotImplementedError(
                f"Model {self.name!r}: a subclassed Model must define call(self, inputs), or "
                "build a functional model with keras.Model(inputs, outputs)."
            )
        spec, outputs, nodes = self._functional
        values: dict = {}
        flat_spec = flatten(spec)
        if isinstance(spec, dict):
            flat_values = [inputs[k] for k in sorted(spec, key=str)]
        else:
            flat_values = flatten(inputs)
        if len(flat_values) != len(flat_spec):
            raise ValueError(
                f"Model {self.name!r} expects {len(flat_spec)} input(s), got {len(flat_values)}."
            )
        for t, value in zip(flat_spec, flat_values):
            layer = t.input_layer
            value = value if isinstance(value, tg.Tensor) else tg.constant(value)
            if np_dtype(value.dtype).kind == "f" and np_dtype(value.dtype) != t.dtype:
                value = tg.cast(value, t.dtype)
            if len(value.shape) != len(t.shape) or any(
                a is not None and a != b for a, b in zip(t.shape, value.shape)
            ):
                raise ValueError(
                    f'Input "{layer.name}" of model "{self.name}" expects shape {t.shape}, '
                    f"got {tuple(value.shape)}. Reshape the input (None is the batch axis)."
                )
            values[id(t)] = value
        for node in nodes:
            args = map_structure(
                lambda a: values[id(a)] if isinstance(a, KerasTensor) else a, list(node.args)
            )
            kwargs = {
                k: map_structure(lambda a: values[id(a)] if isinstance(a, KerasTensor) else a, v)
                for k, v in node.kwargs.items()
            }
            result = node.layer(*args, **kwargs)
            for t, value in zip(flatten(node.outputs), flatten(result)):
                values[id(t)] = value
        return map_structure(lambda t: values[id(t)], outputs)

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        **kwargs: Any,
    ) -> None:
        """Print the layers, their output shapes and parameter counts (Keras's table)."""
        if not self.built:
            raise ValueError(
                f"Model {self.name!r} has not yet been built: call build(input_shape) or call "
                "the model on a batch of data before summary()."
            )
        print_summary(self, line_length=line_length, print_fn=print_fn)

    def build(self, input_shape: Any = None) -> None:
        """Create the weights of a subclassed model by calling it once on zeros of
        ``input_shape`` (batch ``None`` is taken as 1)."""
        self.built = True
        if self._functional is None and input_shape is not None:
            self(Layer._symbolic_like(input_shape))

    def _maybe_build(self, inputs: Any) -> None:
        self.built = True  # the sublayers build themselves during the first call

    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Whole-model files (``.keras``: architecture, weights, optimizer) are not supported.

        Raises:
            NotImplementedError: always; use ``save_weights``/``load_weights`` with the code
                that builds the model.
        """
        raise NotImplementedError(
            f"Model.save({filepath!r}): saving the whole model (a .keras file) is not supported; "
            "use model.save_weights(path) and, after building the same model, "
            "model.load_weights(path)."
        )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in ``layers``."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}."
        )

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}


class Sequential(Model):
    """A stack of layers, each called on the previous one's output.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3),
    ...                           keras.layers.Dense(1)])
    >>> tuple(model(np.ones((2, 4), np.float32)).shape), model.count_params()
    ((2, 1), 19)
    """

    def __init__(self, layers: list | None = None, trainable: bool = True, name: str | None = None):
        super().__init__(name=name, trainable=trainable)
        self._input_shape: Any = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._input_shape is not None:
            self.build(self._input_shape)

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (a ``keras.Input`` sets the input shape instead)."""
        if isinstance(layer, KerasTensor):
            layer = layer.input_layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential: an Input can only be the first entry.")
            self._input_shape = layer.batch_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a keras layer, got {type(layer).__name__}.")
        if not self._layers and self._input_shape is None and layer._input_shape_arg:
            self._input_shape = layer._input_shape_arg
        self._layers.append(layer)
        self.built = False
        if rebuild and self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("Sequential.pop: there are no layers to remove.")
        layer = self._layers.pop()
        self.built = False
        return layer

    def build(self, input_shape: Any = None) -> None:
        shape = tuple(input_shape if input_shape is not None else self._input_shape)
        self._input_shape = (None, *shape[1:])
        x = KerasTensor(self._input_shape, self._dtype)
        for layer in self._layers:
            x = layer(x)
        self.built = True

    @property
    def input_shape(self) -> Any:
        return self._input_shape

    @property
    def output_shape(self) -> Any:
        return self._layers[-1]._last_output_shape if self._layers else None

    def _convert(self, inputs: Any) -> Any:
        return Layer._convert(self, inputs)

    def _maybe_build(self, inputs: Any) -> None:
        Layer._maybe_build(self, inputs)  # build() runs the layers on a symbolic input

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        x = inputs
        for layer in self._layers:
            x = layer(x)
        return x
