"""``keras.layers``: Keras 3's layers on tapegrad ops."""

from .conv import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    Lambda,
    LeakyReLU,
    ReLU,
    Reshape,
    Softmax,
)
from .layer import InputSpec, Layer
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .normalization import BatchNormalization, LayerNormalization
from .rnn import GRU, LSTM, SimpleRNN

MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D = (
    MaxPooling2D,
    AveragePooling2D,
    MaxPooling1D,
    AveragePooling1D,
)
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
Convolution1D, Convolution2D = Conv1D, Conv2D


def __getattr__(name: str):
    if name in ("Input", "InputLayer"):
        from .. import models

        return getattr(models, name)
    raise AttributeError(f"module 'tapegrad.keras.layers' has no attribute {name!r}")


__all__ = [
    "Layer",
    "InputSpec",
    "Dense",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "Flatten",
    "Reshape",
    "Dropout",
    "Embedding",
    "Lambda",
    "Identity",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "DepthwiseConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "BatchNormalization",
    "LayerNormalization",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "MaxPool2D",
    "AvgPool2D",
    "MaxPool1D",
    "AvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "Convolution1D",
    "Convolution2D",
]
