"""Schedules: Keras 3 formulas (literal transcriptions), torch's equivalent schedulers, config, bad input."""

import json
import math
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgrad import optimizers as O
from deepgrad.optimizers import schedules as S

STEPS = range(0, 200)


def _torch_lrs(make_scheduler, lr0, n):
    """torch's lr after 0..n-1 scheduler.step() calls."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)
    sched = make_scheduler(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


def _ours(schedule, n):
    return np.array([schedule(s) for s in range(n)])


def test_reference_value():
    # reference §2: ExponentialDecay(1, 10, 0.5) at step 5 = 0.5 ** 0.5 = 0.707107
    assert S.ExponentialDecay(1.0, 10, 0.5)(5) == pytest.approx(0.707107, abs=1e-6)


@pytest.mark.parametrize("sched,literal", [
    (S.ExponentialDecay(0.1, 7, 0.5), lambda s: 0.1 * 0.5 ** (s / 7)),
    (S.ExponentialDecay(0.1, 7, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** math.floor(s / 7)),
    (S.InverseTimeDecay(0.1, 3, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 3)),
    (S.InverseTimeDecay(0.1, 3, 0.5, staircase=True), lambda s: 0.1 / (1 + 0.5 * math.floor(s / 3))),
    (S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 10 else 0.5 if s <= 20 else 0.1),
    (S.PolynomialDecay(0.1, 50, end_learning_rate=0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 50) / 50) ** 2 + 0.01),
    (S.PolynomialDecay(0.1, 30, power=0.5, cycle=True),
     lambda s: (0.1 - 1e-4) * (1 - s / (30 * (1 if s == 0 else math.ceil(s / 30)))) ** 0.5 + 1e-4),
    (S.CosineDecay(0.1, 40, alpha=0.2),
     lambda s: 0.1 * ((1 - 0.2) * 0.5 * (1 + math.cos(math.pi * min(s, 40) / 40)) + 0.2)),
    (S.CosineDecay(0.0, 40, warmup_target=0.2, warmup_steps=10),
     lambda s: 0.2 * s / 10 if s < 10 else 0.2 * 0.5 * (1 + math.cos(math.pi * min(s - 10, 40) / 40))),
    (S.CosineDecayRestarts(1.0, 10, t_mul=1.0, m_mul=0.5),
     lambda s: 0.5 ** (s // 10) * 0.5 * (1 + math.cos(math.pi * (s % 10) / 10))),
])
def test_schedule_matches_its_formula(sched, literal):
    np.testing.assert_allclose(_ours(sched, 200), [literal(s) for s in STEPS], rtol=1e-12, atol=1e-15)


def test_cosine_restarts_with_growing_periods():
    # periods 10, 20, 40 (t_mul=2): restarts at steps 0, 10, 30, 70, amplitude m_mul^i
    s = S.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5, alpha=0.1)
    for start, period, i in [(0, 10, 0), (10, 20, 1), (30, 40, 2), (70, 80, 3)]:
        for k in (0, period // 3, period - 1):
            expected = (1 - 0.1) * 0.5 * 0.5 ** i * (1 + math.cos(math.pi * k / period)) + 0.1
            assert s(start + k) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("ours,make_torch", [
    (S.ExponentialDecay(0.1, 1, 0.97), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.97)),
    (S.ExponentialDecay(0.1, 15, 0.5, staircase=True),
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=15, gamma=0.5)),
    (S.InverseTimeDecay(0.1, 4, 0.3), lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + 0.3 * e / 4))),
    (S.PolynomialDecay(0.1, 120, end_learning_rate=0.0, power=1.5),
     lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=120, power=1.5)),
    (S.CosineDecayRestarts(0.1, 12, t_mul=2.0, alpha=0.0),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=12, T_mult=2)),
])
def test_schedule_matches_torch(ours, make_torch):
    np.testing.assert_allclose(_ours(ours, 200), _torch_lrs(make_torch, 0.1, 200), rtol=1e-10, atol=1e-15)


def test_cosine_matches_torch_until_decay_steps_then_clamps():
    ours = S.CosineDecay(0.1, 60, alpha=0.1)  # alpha relative: floor 0.01
    theirs = _torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=60, eta_min=0.01), 0.1, 100)
    np.testing.assert_allclose(_ours(ours, 61), theirs[:61], rtol=1e-10)
    assert all(ours(s) == pytest.approx(0.01) for s in range(60, 100))
    assert theirs[90] > 0.05  # torch's is periodic, not clamped (reference trap 7)


def test_sutskever_momentum():
    m = S.SutskeverMomentum(max_momentum=0.9)
    # mu_t = min(1 - 2^(-1 - log2(floor(t/250) + 1)), mu_max) = min(1 - 1/(2 (k + 1)), mu_max)
    assert [m(t) for t in (0, 249, 250, 499, 500, 750, 1250, 5000)] == pytest.approx(
        [0.5, 0.5, 0.75, 0.75, 1 - 1 / 6, 0.875, 0.9, 0.9])
    w, opt = np.zeros(1), O.SGD(0.1, momentum=S.SutskeverMomentum(steps_per_stage=2))
    v, ref = 0.0, 0.0
    for t in range(7):  # the momentum changes every 2 steps inside one optimizer
        opt.apply_gradients([(np.ones(1), w)])
        mu = min(1 - 2 ** (-1 - math.log2(t // 2 + 1)), 0.99)
        v = mu * v - 0.1
        ref += v
    assert w[0] == pytest.approx(ref, rel=1e-14)


@pytest.mark.parametrize("sched", [
    S.ExponentialDecay(0.1, 7, 0.5, staircase=True), S.InverseTimeDecay(0.1, 3, 0.5),
    S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]), S.PolynomialDecay(0.1, 50, cycle=True),
    S.CosineDecay(0.1, 40, warmup_target=0.2, warmup_steps=5), S.CosineDecayRestarts(0.1, 10),
    S.SutskeverMomentum(0.95, 100),
])
def test_schedule_config_round_trip(sched):
    back = S.deserialize(json.loads(json.dumps(S.serialize(sched))))
    assert type(back) is type(sched) and back.get_config() == sched.get_config()
    assert [back(s) for s in range(0, 300, 7)] == [sched(s) for s in range(0, 300, 7)]
    assert S.get(sched) is sched
    assert repr(sched).startswith(type(sched).__name__)


@pytest.mark.parametrize("make,match", [
    (lambda: S.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: S.ExponentialDecay(-0.1, 10, 0.5), "initial_learning_rate"),
    (lambda: S.InverseTimeDecay(0.1, 10, -1.0), "decay_rate"),
    (lambda: S.PiecewiseConstantDecay([10, 20], [1.0, 0.5]), "values"),
    (lambda: S.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), "boundaries"),
    (lambda: S.PolynomialDecay(0.1, 10, power=-1.0), "power"),
    (lambda: S.CosineDecay(0.1, 10, alpha=1.5), "alpha"),
    (lambda: S.CosineDecayRestarts(0.1, 10, t_mul=0.0), "t_mul"),
    (lambda: S.SutskeverMomentum(1.0), "max_momentum"),
    (lambda: S.SutskeverMomentum(0.9, 0), "steps_per_stage"),
    (lambda: S.deserialize({"class_name": "Nope", "config": {}}), "Valid names"),
    (lambda: S.serialize(lambda s: 0.1), "LearningRateSchedule"),
])
def test_bad_schedule_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


# ----------------------------------------------------------------------------- overflow and non-real rates
def test_growing_exponential_decay_saturates_instead_of_overflowing():
    # 0.01 * 2 ** 1024 is beyond float64 (max 1.797e308 < 2 ** 1024): Python's ** raised
    # OverflowError at step 1024; the documented behaviour is the largest finite float.
    s = S.ExponentialDecay(0.01, 1, 2.0)
    assert s(1023) == pytest.approx(0.01 * 2.0 ** 1023, rel=1e-15)  # still in range: the formula
    assert s(1024) == s(10 ** 9) == sys.float_info.max
    assert S.ExponentialDecay(0.0, 1, 2.0)(2000) == 0.0  # 0 * anything stays 0


def test_cosine_restarts_with_growing_amplitude_saturates():
    # t_mul=1: restart i = step, amplitude m_mul ** i = 2 ** 1024 at step 1024 (OverflowError before);
    # at an integer step f = 0 and the rate is lr0 * 2 ** i while in range.
    s = S.CosineDecayRestarts(0.01, 1, t_mul=1, m_mul=2)
    assert s(1000) == pytest.approx(0.01 * 2.0 ** 1000, rel=1e-12)
    for step in (1024, 1024.5, 10 ** 6):
        assert s(step) == sys.float_info.max


def test_cyclic_polynomial_decay_never_returns_a_complex_number():
    # step 63, decay_steps 0.7: ceil(63 / 0.7) = 90 but 0.7 * 90 = 62.99999999999999 < 63, so
    # 1 - step / T was -1.6e-16 and (-1.6e-16) ** 0.5 a complex number; clamped at 0 it is the
    # end of the cycle: end_learning_rate.
    s = S.PolynomialDecay(0.1, decay_steps=0.7, power=0.5, cycle=True)
    value = s(63)
    assert isinstance(value, float) and value == 0.0001


def test_an_optimizer_with_a_saturated_schedule_gets_a_finite_rate():
    opt = O.SGD(S.ExponentialDecay(0.01, 1, 2.0))
    opt.iterations = 1024
    assert opt.learning_rate == sys.float_info.max


_SCHEDULES = st.one_of(
    st.builds(S.ExponentialDecay, st.floats(0, 10), st.floats(1e-3, 100), st.floats(0, 1e3), st.booleans()),
    st.builds(S.InverseTimeDecay, st.floats(0, 10), st.floats(1e-3, 100), st.floats(0, 1e3), st.booleans()),
    st.builds(S.PolynomialDecay, st.floats(0, 10), st.floats(1e-3, 100), st.floats(0, 10), st.floats(0, 5),
              st.booleans()),
    st.builds(S.CosineDecay, st.floats(0, 10), st.floats(1e-3, 100), st.floats(0, 1)),
    st.builds(S.CosineDecayRestarts, st.floats(0, 10), st.floats(1e-3, 100), st.floats(1.0, 10), st.floats(0, 1e3),
              st.floats(0, 1)),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(schedule=_SCHEDULES, step=st.one_of(st.integers(0, 10 ** 7), st.floats(0, 1e7)))
def test_every_schedule_returns_a_finite_real_rate(schedule, step):
    # the documented promise: at any step, any valid arguments: a finite float >= 0
    value = schedule(step)
    assert isinstance(value, float) and math.isfinite(value) and value >= 0


# ----------------------------------------------------------------------------- CosineDecayRestarts, t_mul < 1
def _keras_restarts(step, lr0, t0, t_mul, m_mul, alpha):
    """Literal transcription of Keras 3's CosineDecayRestarts.__call__ (geometric branch)."""
    f = step / t0
    i = np.floor(np.log(1.0 - f * (1.0 - t_mul)) / np.log(t_mul))
    sum_r = (1.0 - t_mul ** i) / (1.0 - t_mul)
    f = (f - sum_r) / t_mul ** i
    return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1.0 + np.cos(np.pi * f)) + alpha)


def test_cosine_decay_restarts_with_shrinking_periods_matches_keras():
    from deepgrad.optimizers import schedules as S
    s = S.CosineDecayRestarts(0.1, 10, t_mul=0.5, m_mul=0.8, alpha=0.1)
    # periods of 10, 5, 2.5, ... steps: restarts at steps 10 and 15, all periods end at 20
    for step in range(20):
        assert s(step) == pytest.approx(_keras_restarts(step, 0.1, 10, 0.5, 0.8, 0.1), rel=1e-12)
    assert s(15) == pytest.approx(0.1 * (0.9 * 0.8 ** 2 + 0.1), rel=1e-12)  # i = 2, f = 0: 0.5 * (1 + cos 0) = 1
    with pytest.raises(ValueError, match="t_mul"):
        s(20)


def test_cosine_decay_restarts_past_the_last_period_fails_before_the_step():
    # The optimizer evaluates the schedule before any change: the step past the end raises
    # ValueError naming t_mul and leaves the weights and `iterations` as they were.
    from deepgrad.optimizers import schedules as S
    opt = O.SGD(S.CosineDecayRestarts(0.1, 10, t_mul=0.5))
    w = np.ones(1)
    for _ in range(20):
        opt.apply_gradients([(np.ones(1), w)])
    before = w.copy()
    with pytest.raises(ValueError, match="t_mul"):
        opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_array_equal(w, before)
    assert opt.iterations == 20


