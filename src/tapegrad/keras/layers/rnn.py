"""SimpleRNN, LSTM and GRU: eager Python loops over time with Keras 3's cell formulas.

Weights follow Keras's layout (``kernel`` ``(input_dim, gates * units)``, ``recurrent_kernel``
``(units, gates * units)``, ``bias``) and gate order (LSTM: i, f, c, o; GRU: z, r, h), so
``set_weights`` with a Keras model's ``get_weights`` gives the same numbers.
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import activations as _activations
from .. import initializers, regularizers
from .layer import InputSpec, Layer

__all__ = ["SimpleRNN", "LSTM", "GRU"]


class _RNN(Layer):
    gates = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"{cls}: `units` must be a positive integer, got {units!r}.")
        if stateful:
            raise NotImplementedError(f"{cls}: stateful=True is not supported.")
        if recurrent_dropout:
            raise NotImplementedError(f"{cls}: recurrent_dropout is not supported.")
        self.units = units
        self.activation = _activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.constraints = (kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout, self.seed = float(dropout), seed
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards
        self.input_spec = InputSpec(ndim=3)
        self._remember(
            units=units,
            activation=self.activation,
            use_bias=use_bias,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
        )

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape):
        n = self.gates * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], n),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.constraints[0],
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, n),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.constraints[1],
        )
        self.bias = (
            self.add_weight(
                shape=self._bias_shape(),
                name="bias",
                initializer=self._bias_init(),
                regularizer=self.bias_regularizer,
                constraint=self.constraints[2],
            )
            if self.use_bias
            else None
        )
        self.input_spec = InputSpec(ndim=3, axes={-1: input_shape[-1]})

    def _initial_states(self, batch: int, dtype) -> list:
        return [tg.zeros((batch, self.units), dtype)]

    def call(self, inputs, initial_state=None, training=None):
        if training and self.dropout:
            inputs = tg.nn.dropout(
                inputs,
                self.dropout,
                noise_shape=[inputs.shape[0], 1, inputs.shape[2]],
                seed=self.seed,
            )
        steps = tg.unstack(inputs, axis=1)
        if self.go_backwards:
            steps = steps[::-1]
        if initial_state is None:
            states = self._initial_states(inputs.shape[0], inputs.dtype)
        else:
            states = (
                list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            )
            states = [tg.convert_to_tensor(s) for s in states]
        outputs = []
        for x in steps:
            out, states = self._step(x, states)
            outputs.append(out)
        result = tg.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [result, *states] if self.return_state else result


class SimpleRNN(_RNN):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.SimpleRNN(4)(np.ones((2, 5, 3), np.float32)).shape)
    (2, 4)
    """

    def _step(self, x, states):
        h = tg.matmul(x, self.kernel) + tg.matmul(states[0], self.recurrent_kernel)
        if self.bias is not None:
            h = h + self.bias
        h = self.activation(h)
        return h, [h]


class LSTM(_RNN):
    """Long short-term memory (gates i, f, c, o; ``unit_forget_bias`` starts f's bias at 1).

    With ``return_state=True`` the result is ``[output, h, c]``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.LSTM(4, return_sequences=True)(np.ones((2, 5, 3), np.float32)).shape)
    (2, 5, 4)
    """

    gates = 4

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, init = self.units, self.bias_initializer

        def bias(shape, dtype=None):
            return tg.concat(
                [init((units,), dtype), tg.ones((units,), dtype), init((2 * units,), dtype)], axis=0
            )

        return bias

    def _initial_states(self, batch, dtype):
        return [tg.zeros((batch, self.units), dtype), tg.zeros((batch, self.units), dtype)]

    def _step(self, x, states):
        h_tm1, c_tm1 = states
        z = tg.matmul(x, self.kernel) + tg.matmul(h_tm1, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        z0, z1, z2, z3 = tg.split(z, 4, axis=-1)
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        h = o * self.activation(c)
        return h, [h, c]


class GRU(_RNN):
    """Gated recurrent unit (gates z, r, h); ``reset_after=True`` (Keras's default) applies the
    reset gate after the recurrent matmul and uses a ``(2, 3 * units)`` bias.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> tuple(keras.layers.GRU(4)(np.ones((2, 5, 3), np.float32)).shape)
    (2, 4)
    """

    gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        reset_after: bool = True,
        **kwargs: Any,
    ):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _step(self, x, states):
        h_tm1 = states[0]
        u = self.units
        if self.bias is None:
            input_bias = recurrent_bias = 0.0
        elif self.reset_after:
            input_bias, recurrent_bias = self.bias[0], self.bias[1]
        else:
            input_bias, recurrent_bias = self.bias, 0.0
        x_z, x_r, x_h = tg.split(tg.matmul(x, self.kernel) + input_bias, 3, axis=-1)
        if self.reset_after:
            inner = tg.matmul(h_tm1, self.recurrent_kernel) + recurrent_bias
            r_z, r_r, r_h = tg.split(inner, 3, axis=-1)
        else:
            r_z, r_r = tg.split(tg.matmul(h_tm1, self.recurrent_kernel[:, : 2 * u]), 2, axis=-1)
        z = self.recurrent_activation(x_z + r_z)
        r = self.recurrent_activation(x_r + r_r)
        if self.reset_after:
            hh = self.activation(x_h + r * r_h)
        else:
            hh = self.activation(x_h + tg.matmul(r * h_tm1, self.recurrent_kernel[:, 2 * u :]))
        h = z * h_tm1 + (1.0 - z) * hh
        return h, [h]
