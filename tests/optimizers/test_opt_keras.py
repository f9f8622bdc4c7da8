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


def _close(ours, theirs, rtol=2e-5, atol=1e-5):
    """Float32 tolerance for weights of order 1: Keras rounds every operation to float32 (eps
    1.2e-7), and Adam-like steps of +-lr carry that rounding into the weights for ~10 steps."""
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


# ----------------------------------------------------------------------------- EMA, gradient accumulation
OPTION_CASES = {
    "ema": (lambda k: k.optimizers.Adam(learning_rate=0.05, use_ema=True, ema_momentum=0.9),
            lambda: O.Adam(learning_rate=0.05, use_ema=True, ema_momentum=0.9)),
    "ema_overwrite": (lambda k: k.optimizers.SGD(learning_rate=0.05, momentum=0.9, use_ema=True, ema_momentum=0.8,
                                                 ema_overwrite_frequency=3),
                      lambda: O.SGD(learning_rate=0.05, momentum=0.9, use_ema=True, ema_momentum=0.8,
                                    ema_overwrite_frequency=3)),
    "accumulation": (lambda k: k.optimizers.Adam(
                         learning_rate=k.optimizers.schedules.ExponentialDecay(0.05, 2, 0.7),
                         gradient_accumulation_steps=3, clipnorm=1.0),
                     lambda: O.Adam(learning_rate=O.schedules.ExponentialDecay(0.05, 2, 0.7),
                                    gradient_accumulation_steps=3, clipnorm=1.0)),
    "accumulation_decay": (lambda k: k.optimizers.AdamW(learning_rate=0.05, weight_decay=0.1,
                                                        gradient_accumulation_steps=2),
                           lambda: O.AdamW(learning_rate=0.05, weight_decay=0.1, gradient_accumulation_steps=2)),
    "accumulation_and_ema": (lambda k: k.optimizers.RMSprop(learning_rate=0.01, gradient_accumulation_steps=2,
                                                            use_ema=True, ema_momentum=0.5,
                                                            ema_overwrite_frequency=2),
                             lambda: O.RMSprop(learning_rate=0.01, gradient_accumulation_steps=2, use_ema=True,
                                               ema_momentum=0.5, ema_overwrite_frequency=2)),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_keras_options_match_keras(keras, case):
    # the weights after every call, `iterations`, the learning rate, and (EMA) the averages
    # that finalize_variable_values writes into the variables
    make_keras, make_ours = OPTION_CASES[case]
    w0, grads = _data(2)
    kopt, opt = make_keras(keras), make_ours()
    theirs, kvars = _keras_run(keras, kopt, w0, grads)
    ws = [w.copy() for w in w0]
    ours = []
    for gs in grads:
        opt.apply_gradients(zip([g.copy() for g in gs], ws))
        ours.append([w.copy() for w in ws])
    _close(ours, theirs)
    assert opt.iterations == int(keras.ops.convert_to_numpy(kopt.iterations))
    assert float(opt.learning_rate) == pytest.approx(float(kopt.learning_rate), rel=1e-6)
    if opt.use_ema:
        kopt.finalize_variable_values(kvars)
        opt.finalize_variable_values(ws)
        _close([ws], [[np.array(keras.ops.convert_to_numpy(v)) for v in kvars]])


def test_accumulation_moves_the_weights_every_kth_call_only():
    # k = 3: calls 1 and 2 leave w as it was; call 3 takes one SGD step with the mean gradient
    w = np.zeros(2)
    opt = O.SGD(0.1, gradient_accumulation_steps=3)
    for g in ([1.0, 2.0], [3.0, 4.0]):
        opt.apply_gradients([(np.array(g), w)])
        np.testing.assert_array_equal(w, 0.0)
    opt.apply_gradients([(np.array([5.0, 6.0]), w)])
    np.testing.assert_allclose(w, [-0.1 * 3.0, -0.1 * 4.0], rtol=1e-15)  # means (1+3+5)/3, (2+4+6)/3
    assert opt.iterations == 1


def test_accumulated_state_resumes_exactly_mid_group():
    # the accumulator and the calls within a group are part of the state
    rng = np.random.default_rng(3)
    gs = [rng.standard_normal(3) for _ in range(7)]
    straight, w = O.Adam(0.1, gradient_accumulation_steps=3, use_ema=True), np.ones(3)
    for g in gs:
        straight.apply_gradients([(g, w)])
    first, w2 = O.Adam(0.1, gradient_accumulation_steps=3, use_ema=True), np.ones(3)
    for g in gs[:4]:
        first.apply_gradients([(g, w2)])
    resumed = O.Adam(0.1, gradient_accumulation_steps=3, use_ema=True)
    resumed.set_state(first.get_state())
    for g in gs[4:]:
        resumed.apply_gradients([(g, w2)])
    np.testing.assert_array_equal(w2, w)
    assert resumed.iterations == straight.iterations == 2


@pytest.mark.parametrize("kwargs,match", [
    ({"gradient_accumulation_steps": 1}, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": 2.5}, "gradient_accumulation_steps"),
    ({"use_ema": 1}, "use_ema"), ({"ema_momentum": 1.5}, "ema_momentum"),
    ({"ema_overwrite_frequency": 0}, "ema_overwrite_frequency"),
])
def test_bad_keras_options(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        O.Adam(**kwargs)
