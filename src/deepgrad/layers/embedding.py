"""``Embedding``: a learned lookup table from integer tokens to dense vectors (Keras 3)."""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_bool
from .base import Layer


def _positive_int(value, argname):
    """An int >= 1; any other value is a ValueError, as Keras's Embedding raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"Embedding: `{argname}` must be a positive int, got "
                         f"{type(value).__name__} {value!r}.")
    return int(value)


class Embedding(Layer):
    """Turn integer indices into rows of a weight matrix: ``y[..., :] = embeddings[x[...], :]``.

    Args (Keras 3's):
        input_dim: vocabulary size (indices in [0, input_dim)).
        output_dim: size of each vector.
        embeddings_initializer: default ``"uniform"`` (RandomUniform(-0.05, 0.05)).
        embeddings_regularizer, embeddings_constraint: default None.
        mask_zero: index 0 is padding: :meth:`compute_mask` returns ``x != 0`` for the layers
            after it (so with it, index 0 cannot stand for a word: use input_dim = vocabulary + 1).
        weights: optional initial table, an array (or a list of one array) of shape
            (input_dim, output_dim).

    Weight: ``embeddings`` (input_dim, output_dim). Shapes: input (batch, ...) of integer
    indices (floats holding whole numbers are accepted: the model and ``layer(x)`` feed
    ``floatx`` arrays, exact for indices below 2**24 in float32) -> output (batch, ..., output_dim).

    Backward: each row receives the sum of the gradients of the positions that looked it up,
        d embeddings[i, :] = sum over positions p with x_p = i of dy_p
    (``np.add.at``: repeated indices accumulate). The input is integer-valued, so no gradient
    flows to it: ``backward`` returns None (a model stops its backward pass there).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, **kwargs):
        self.input_dim = _positive_int(input_dim, "input_dim")
        self.output_dim = _positive_int(output_dim, "output_dim")
        self.mask_zero = check_bool(mask_zero, "mask_zero", "Embedding")
        from .. import constraints, initializers, regularizers  # validate before any state exists

        self.embeddings_initializer = initializers.get(embeddings_initializer, "embeddings_initializer")
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer, "embeddings_regularizer")
        self.embeddings_constraint = constraints.get(embeddings_constraint, "embeddings_constraint")
        table = None
        if weights is not None:
            table = weights[0] if isinstance(weights, (list, tuple)) and len(weights) == 1 else weights
            table = np.asarray(table)
            if table.shape != (self.input_dim, self.output_dim):
                raise ValueError(f"Embedding: `weights` must be an array of shape "
                                 f"({self.input_dim}, {self.output_dim}), got shape {table.shape}.")
        kwargs.pop("input_length", None)  # Keras 2's argument: Keras 3 accepts and ignores it
        super().__init__(**kwargs)
        self.supports_masking = self.mask_zero
        self._idx = None
        if table is not None:
            self._make_table()
            self.set_weights([table])

    def _make_table(self):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer, self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def build(self, input_shape):
        if not self._weights:
            self._make_table()
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def _indices(self, x):
        x = np.asarray(x)
        if x.dtype.kind == "f":
            if not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
                raise ValueError(f"Embedding '{self.name}': inputs must be integer indices, got "
                                 f"non-integer values.")
        elif x.dtype.kind not in "iub":
            raise TypeError(f"Embedding '{self.name}': inputs must be integer indices, got dtype "
                            f"{x.dtype}.")
        idx = x.astype(np.intp)
        if idx.size and (idx.min() < 0 or idx.max() >= self.input_dim):
            raise ValueError(f"Embedding '{self.name}': indices must be in [0, {self.input_dim}) "
                             f"(`input_dim`), got values in [{idx.min()}, {idx.max()}].")
        return idx

    def forward(self, x, training=False):
        idx = self._indices(x)
        if training:
            self._idx = idx
        return self.embeddings.value[idx]

    def backward(self, grad):
        idx, self._idx = self._idx, None
        if self.trainable:
            g = self.embeddings.grad
            g[...] = 0.0
            np.add.at(g, idx.ravel(), grad.reshape(-1, self.output_dim))
        return None  # integer input: nothing to differentiate

    def get_config(self):
        from .. import constraints, initializers, regularizers

        cfg = super().get_config()
        cfg.update(input_dim=self.input_dim, output_dim=self.output_dim,
                   embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                   embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                   embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                   mask_zero=self.mask_zero)
        return cfg
