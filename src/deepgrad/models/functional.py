"""The functional API for one-path networks (Keras 3's ``keras.Model(inputs, outputs)``).

    inputs = keras.Input(shape=(10, 3))
    x = layers.LSTM(16)(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)

Calling a layer on ``keras.Input(...)`` or on a :class:`SymbolicTensor` computes nothing: it
returns a new SymbolicTensor that records the chain of layers from the input. ``Model`` then
runs that chain with :class:`Sequential`'s machinery (fit, evaluate, predict, summary...).
Only one path is supported: one input, one output, each layer taking one tensor; several
inputs or outputs, or a layer called on a list (a merge), are refused with an error that says so.
"""

from __future__ import annotations

from ..layers.base import Layer, unique_name
from ..layers.core import InputLayer
from .sequential import Sequential

_ONE_PATH = ("deepgrad's functional API supports one-path networks only (one input -> a chain of "
             "layers -> one output); branches, merges and several inputs/outputs are not supported")


class SymbolicTensor:
    """The output of a layer called on a symbolic input: the input layer and the chain so far."""

    def __init__(self, input_layer, chain):
        self.input_layer = input_layer
        self.chain = tuple(chain)

    @property
    def shape(self):
        shape = (self.input_layer.batch_size,) + tuple(self.input_layer.shape)
        for layer in self.chain:
            if not layer.built:
                layer.build(shape)
            shape = layer.output_shape
        return shape

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} after={[l.name for l in self.chain]}>"


def is_symbolic(x) -> bool:
    return isinstance(x, (InputLayer, SymbolicTensor))


def call_symbolic(layer, x):
    """``layer(x)`` for a symbolic ``x``: record the layer after ``x``'s chain."""
    if isinstance(layer, InputLayer):
        raise ValueError("An Input layer cannot be called on a tensor: it starts a model.")
    if isinstance(x, InputLayer):
        return SymbolicTensor(x, (layer,))
    return SymbolicTensor(x.input_layer, x.chain + (layer,))


def _one(value, argname):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"Model: `{argname}` holds {len(value)} tensors: {_ONE_PATH}.")
        value = value[0]
    if isinstance(value, dict):
        raise ValueError(f"Model: `{argname}` is a dict: {_ONE_PATH}.")
    return value


class Model(Sequential):
    """``keras.Model(inputs, outputs, name=None)`` for a one-path network; trains, evaluates,
    predicts and summarizes as a :class:`Sequential` of the recorded chain."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True):
        if inputs is None or outputs is None:
            raise TypeError("Model: give `inputs` and `outputs` (keras.Model(inputs, outputs)); "
                            "subclassing keras.Model with a `call` is not supported (write a "
                            "Layer subclass with forward/backward and put it in a Sequential).")
        inputs, outputs = _one(inputs, "inputs"), _one(outputs, "outputs")
        if not isinstance(inputs, InputLayer):
            raise TypeError(f"Model: `inputs` must be the result of keras.Input(...), "
                            f"got {type(inputs).__name__}.")
        if not isinstance(outputs, (InputLayer, SymbolicTensor)):
            raise TypeError(f"Model: `outputs` must be a tensor from layer calls on `inputs`, "
                            f"got {type(outputs).__name__}.")
        chain = () if isinstance(outputs, InputLayer) else outputs.chain
        root = outputs if isinstance(outputs, InputLayer) else outputs.input_layer
        if root is not inputs:
            raise ValueError("Model: `outputs` was not computed from `inputs` (it starts at "
                             f"another keras.Input): {_ONE_PATH}.")
        super().__init__([inputs, *chain], name=name or unique_name("functional"), trainable=trainable)

    @classmethod
    def empty(cls, name=None, trainable=True):
        """A Model with no layers yet, filled by ``add`` (used by ``load_model``)."""
        model = cls.__new__(cls)
        Sequential.__init__(model, name=name or unique_name("functional"), trainable=trainable)
        return model

    def _summary_layers(self):
        """As Keras's functional summary: the InputLayer row first, then the layers."""
        return self._layers

    def __repr__(self):
        return f"<Model name={self.name!r} layers={len(self.layers)} built={self.built}>"


def check_layer_argument(layer: Layer, x):
    """Refuse a list of symbolic tensors (a merge) with the one-path message."""
    if isinstance(x, (list, tuple)) and any(is_symbolic(t) for t in x):
        raise ValueError(f"Layer '{layer.name}' called on {len(x)} tensors: {_ONE_PATH}.")
