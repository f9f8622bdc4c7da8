"""The model's own training-step gradients (fused output + loss, regularizers, dropout) vs float64
central differences."""

import numpy as np
import pytest

from deepgrad import optimizers, regularizers
from deepgrad.layers import Dense, Dropout
from deepgrad.models import Sequential
from deepgrad.utils import set_random_seed



def _step_gradients(model, x, y):
    """What ``_train_step`` hands the optimizer, without applying it."""
    with model.fused_logits():  # as _train_step: the loss sees logits when compile fused it
        out = model.forward(x, training=True)
        loss, dout = model.loss_fn.value_and_grad(y, out)
        model.backward(dout)
    loss += model.add_regularization_gradients()
    return loss, [g.copy() for g, _ in model.grads_and_vars]


def _numeric(model, x, y, reseed, eps=1e-6):
    def total():
        reseed()
        with model.fused_logits():
            out = model.forward(x, training=True)
        return model.loss_fn(y, out) + model.regularization_penalty()

    grads = []
    for _, w in model.grads_and_vars:
        g = np.zeros_like(w)
        flat, gflat = w.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = total()
            flat[i] = old - eps
            down = total()
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("output, loss, make_y", [
    ("softmax", "categorical_crossentropy", lambda r: np.eye(3)[r.integers(0, 3, 6)]),
    ("softmax", "sparse_categorical_crossentropy", lambda r: r.integers(0, 3, 6)),
    ("sigmoid", "binary_crossentropy", lambda r: r.integers(0, 2, (6, 3)).astype(float)),
    ("linear", "mse", lambda r: r.normal(size=(6, 3))),
    ("tanh", "huber", lambda r: r.normal(size=(6, 3))),
])
def test_training_step_gradient_matches_central_differences(float64, output, loss, make_y):
    set_random_seed(0)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), make_y(rng)
    drop = Dropout(0.3, seed=11)
    model = Sequential([Dense(5, activation="relu", input_shape=(4,), kernel_regularizer=regularizers.L2(0.01),
                              bias_initializer="random_normal"),
                        drop,
                        Dense(3, activation=output, kernel_regularizer=regularizers.L1L2(l1=0.001, l2=0.02))])
    model.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    model._pack_weights()
    if output in ("softmax", "sigmoid"):
        assert model.output_activation is not None  # the fused path is what is being checked

    def reseed():
        drop._rng = np.random.Generator(np.random.PCG64(11))

    reseed()
    _, analytic = _step_gradients(model, x, y)
    numeric = _numeric(model, x, y, reseed)
    for a, n in zip(analytic, numeric):
        err = np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300)
        assert err < 1e-6, err
