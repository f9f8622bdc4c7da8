"""GradientNorms callback (per-layer gradient norms into History) and its plots."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from deepgrad.callbacks import GradientNorms
from deepgrad.layers import LSTM, Bidirectional, SimpleRNN
from deepgrad.layers.core import Dense
from deepgrad.models import Sequential
from deepgrad.plotting import plot_gradient_norms, plot_time_profile


pytestmark = pytest.mark.usefixtures("float64")


def _model():
    m = Sequential([SimpleRNN(4, return_sequences=True, input_shape=(6, 2)), LSTM(3), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


X = np.random.default_rng(0).normal(size=(8, 6, 2))
Y = np.random.default_rng(1).normal(size=(8, 1))


def test_epoch_norm_equals_the_norm_of_the_gradients_of_the_step():
    m = _model()
    # one full batch per epoch: the recorded norm is that of the gradient at the current
    # weights, computed here independently by a forward/backward pass before fit.
    out = m.forward(X, training=True)
    dout = 2 * (out - Y) / Y.size                    # d mean((out - y)^2) / d out
    m.backward(dout)
    expected = {l.name: np.sqrt(sum((w.grad ** 2).sum() for w in l.trainable_weights))
                for l in m.layers}
    cb = GradientNorms()
    h = m.fit(X, Y, batch_size=8, epochs=2, callbacks=[cb], verbose=0)
    for name, value in expected.items():
        assert h.history["grad_norm_" + name][0] == pytest.approx(value, rel=1e-10)
        assert len(h.history["grad_norm_" + name]) == 2
    assert cb.steps[m.layers[0].name][0] == pytest.approx(expected[m.layers[0].name], rel=1e-10)


def test_batch_frequency_records_every_step():
    m = _model()
    cb = GradientNorms(freq="batch")
    h = m.fit(X, Y, batch_size=3, epochs=2, callbacks=[cb], verbose=0)   # 3 steps per epoch
    key = "grad_norm_" + m.layers[1].name
    assert [len(v) for v in h.history[key]] == [3, 3]
    assert h.history[key][1] == cb.steps[m.layers[1].name][3:]
    # epoch mean mode would have stored the mean of those 3
    assert all(v > 0 for v in cb.steps[m.layers[1].name])


def test_time_profile_of_recurrent_layers():
    m = _model()
    cb = GradientNorms()
    m.fit(X, Y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    prof = cb.time_profile[m.layers[0].name]
    assert prof.shape == (6,) and (prof > 0).all()
    np.testing.assert_allclose(prof, m.layers[0].input_grad_norms)
    assert m.layers[2].name not in cb.time_profile          # Dense has no time axis


def test_plots():
    m = _model()
    cb = GradientNorms()
    h = m.fit(X, Y, batch_size=4, epochs=3, callbacks=[cb], verbose=0)
    ax = plot_gradient_norms(h)
    assert len(ax.lines) == 3 and ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    assert len(ax.lines[0].get_xdata()) == 3
    ax2 = plot_gradient_norms(cb, logy=False)
    assert len(ax2.lines[0].get_xdata()) == 6 and ax2.get_xlabel() == "training step"
    ax3 = plot_time_profile(cb.time_profile)
    assert len(ax3.lines) == 2
    with pytest.raises(ValueError, match="grad_norm"):
        plot_gradient_norms({"loss": [1.0]})
    with pytest.raises(TypeError, match="source"):
        plot_gradient_norms(3)


def test_bad_freq():
    with pytest.raises(ValueError, match="freq"):
        GradientNorms(freq="step")


@pytest.mark.usefixtures("float64")
def test_gradient_norms_time_profile_of_bidirectional():
    rng = np.random.default_rng(0)
    X, Y = rng.random((8, 6, 2)), rng.random((8, 1))
    m = Sequential([Bidirectional(LSTM(3), input_shape=(6, 2)), Dense(1)])
    m.compile("sgd", "mse")
    # independent: dL/dx of the whole model at the initial weights, one full batch
    out = m.forward(X, training=True)
    dx = m.backward(2 * (out - Y) / Y.size)                  # d mean((out - y)^2) / d out
    expected = np.sqrt((dx ** 2).sum(axis=(0, 2)))           # ||dL/dx_t|| for each t
    cb = GradientNorms()
    m.fit(X, Y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    np.testing.assert_allclose(cb.time_profile[m.layers[0].name], expected, rtol=1e-10)
    assert m.layers[1].name not in cb.time_profile


@pytest.mark.usefixtures("float64")
def test_gradient_norms_are_taken_before_clipping():
    from deepgrad.optimizers import SGD

    rng = np.random.default_rng(1)
    X, Y = rng.random((8, 6, 2)), rng.random((8, 1))
    m = Sequential([LSTM(3, input_shape=(6, 2)), Dense(1)])
    m.compile(SGD(0.01, clipnorm=1e-6), "mse")
    out = m.forward(X, training=True)
    m.backward(2 * (out - Y) / Y.size)
    raw = {l.name: np.sqrt(sum((w.grad ** 2).sum() for w in l.trainable_weights))
           for l in m.layers}
    cb = GradientNorms()
    h = m.fit(X, Y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    for name, value in raw.items():
        assert value > 1e-3                                  # far above the clip norm
        assert h.history["grad_norm_" + name][0] == pytest.approx(value, rel=1e-10)
