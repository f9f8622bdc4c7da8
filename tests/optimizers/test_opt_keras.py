"""deepgrad's optimizers against real Keras 3 (torch backend, float32 variables): trajectories of
the optimizers beyond the notes (Lion, Lamb, Ftrl) and of the base options Keras adds (EMA,
gradient accumulation). Compared at float32 tolerance: Keras computes in float32."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepgrad import optimizers as O

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras torch backend, numpy 2

SHAPES = [(3, 4), (4,)]
STEPS = 15


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _data(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    w0 = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) * scale for s in SHAPES] for _ in range(STEPS)]
    return w0, grads


def _keras_run(keras, opt, w0, grads):
    """The variables after each step of a Keras optimizer (float32)."""
    vs = [keras.Variable(w.astype(np.float32)) for w in w0]
    out = []
    for gs in grads:
        opt.apply_gradients(zip([keras.ops.convert_to_tensor(g.astype(np.float32)) for g in gs], vs))
        out.append([np.array(keras.ops.convert_to_numpy(v)) for v in vs])
    return out, vs


def _ours(opt, w0, grads):
    ws = [w.copy() for w in w0]
    out = []
    for gs in grads:
        opt.apply_gradients(zip([g.copy() for g in gs], ws))
        out.append([w.copy() for w in ws])
    return out


def _close(ours, theirs, rtol=2e-5, atol=2e-6):
    for step, (a_step, b_step) in enumerate(zip(ours, theirs)):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


CASES = {
    "lion": (lambda k: k.optimizers.Lion(learning_rate=0.01), lambda: O.Lion(learning_rate=0.01)),
    "lion_betas": (lambda k: k.optimizers.Lion(learning_rate=0.003, beta_1=0.5, beta_2=0.9),
                   lambda: O.Lion(learning_rate=0.003, beta_1=0.5, beta_2=0.9)),
    "lamb": (lambda k: k.optimizers.Lamb(learning_rate=0.01), lambda: O.Lamb(learning_rate=0.01)),
    "lamb_clip": (lambda k: k.optimizers.Lamb(learning_rate=0.05, beta_1=0.8, clipnorm=1.0),
                  lambda: O.Lamb(learning_rate=0.05, beta_1=0.8, clipnorm=1.0)),
    "ftrl": (lambda k: k.optimizers.Ftrl(learning_rate=0.1), lambda: O.Ftrl(learning_rate=0.1)),
    "ftrl_regularized": (
        lambda k: k.optimizers.Ftrl(learning_rate=0.1, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                                    l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                                    l2_shrinkage_regularization_strength=0.03, beta=0.1),
        lambda: O.Ftrl(learning_rate=0.1, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                       l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                       l2_shrinkage_regularization_strength=0.03, beta=0.1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_matches_keras(keras, case):
    make_keras, make_ours = CASES[case]
    w0, grads = _data()
    theirs, _ = _keras_run(keras, make_keras(keras), w0, grads)
    _close(_ours(make_ours(), w0, grads), theirs)


@pytest.mark.parametrize("case", ["lion", "lamb", "ftrl_regularized"])
def test_flat_and_per_variable_paths_agree_bitwise(case):
    _, make_ours = CASES[case]
    w0, grads = _data(1)
    sep = _ours(make_ours(), w0, grads)
    sizes = [int(np.prod(s)) for s in SHAPES]
    pbuf, gbuf = np.concatenate([w.ravel() for w in w0]), np.zeros(sum(sizes))
    views = lambda buf: [buf[a:a + n].reshape(s) for a, n, s in zip(np.cumsum([0] + sizes), sizes, SHAPES)]  # noqa: E731
    params, gviews = views(pbuf), views(gbuf)
    opt = make_ours()
    opt.use_flat_buffers(pbuf, gbuf)
    for gs, expected in zip(grads, sep):
        for g, x in zip(gviews, gs):
            g[...] = x
        opt.apply_gradients(zip(gviews, params))
        for a, b in zip(params, expected):
            np.testing.assert_array_equal(a, b)
    assert opt._layout.flat


def test_keras_defaults_and_names():
    assert (O.Lion().learning_rate, O.Lion().beta_1, O.Lion().beta_2) == (0.001, 0.9, 0.99)
    assert (O.Lamb().beta_1, O.Lamb().beta_2, O.Lamb().epsilon) == (0.9, 0.999, 1e-7)
    f = O.Ftrl()
    assert (f.learning_rate, f.learning_rate_power, f.initial_accumulator_value, f.beta) == (0.001, -0.5, 0.1, 0.0)
    for name, cls in (("lion", O.Lion), ("lamb", O.Lamb), ("ftrl", O.Ftrl)):
        assert type(O.get(name)) is cls
        opt = cls(learning_rate=0.02)
        assert O.deserialize(O.serialize(opt)).get_config() == opt.get_config()


@pytest.mark.parametrize("make,match", [
    (lambda: O.Lion(beta_1=0.0), "beta_1"), (lambda: O.Lion(beta_1=1.5), "beta_1"),
    (lambda: O.Lamb(epsilon=0.0), "epsilon"), (lambda: O.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
    (lambda: O.Ftrl(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: O.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ftrl_refuses_a_zero_learning_rate_before_the_step():
    w = np.ones(2)
    opt = O.Ftrl(learning_rate=0.0)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.apply_gradients([(np.ones(2), w)])
    np.testing.assert_array_equal(w, 1.0)
    assert opt.iterations == 0


# ----------------------------------------------------------------------------- learning_rate as a variable
def test_learning_rate_reads_and_assigns_like_keras(keras):
    # Keras 3: optimizer.learning_rate is a variable: .numpy(), .assign(), float() all work
    theirs, ours = keras.optimizers.SGD(learning_rate=0.05), O.SGD(learning_rate=0.05)
    for opt in (theirs, ours):
        assert float(opt.learning_rate) == pytest.approx(0.05, rel=1e-7)
        assert float(opt.learning_rate.numpy()) == pytest.approx(0.05, rel=1e-7)
        opt.learning_rate.assign(0.2)
        assert float(opt.learning_rate) == pytest.approx(0.2, rel=1e-7)
        assert tuple(opt.learning_rate.shape) == ()
    # the step uses the assigned rate: w - 0.2 * 1
    w = np.ones(2)
    ours.apply_gradients([(np.ones(2), w)])
    np.testing.assert_allclose(w, 0.8)
    # still a number for the code that used it as one
    assert ours.learning_rate == 0.2 and ours.learning_rate * 2 == 0.4 and f"{ours.learning_rate:g}" == "0.2"
    assert str(ours.learning_rate) == "0.2" and ours.learning_rate.path == "SGD/learning_rate"


def test_assigning_a_scheduled_learning_rate_is_refused(keras):
    from deepgrad.optimizers import schedules as S
    ours = O.SGD(learning_rate=S.ExponentialDecay(0.1, 10, 0.5))
    theirs = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError):
        theirs.learning_rate = 0.2
    with pytest.raises(TypeError, match="schedule"):
        ours.learning_rate.assign(0.2)
    assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate), rel=1e-6)
