"""Fuzz: a learning-rate schedule either refuses its arguments at construction or hands the optimizer a real,
finite, non-negative rate at every step (issue 13 item 5 and "Done when"). ExponentialDecay growing at rate
2.0, CosineDecayRestarts with m_mul=2 and PolynomialDecay with a fractional power over a fractional period used
to raise OverflowError or return a complex number mid-training.
"""

import math

from hypothesis import given, settings, strategies as st

from deepgrad.optimizers import schedules as S

_NUMBERS = st.one_of(st.sampled_from([0.0, 0.5, 0.7, 1.0, 2.0, 1e-300, 1e300, -1.0, math.nan, math.inf]),
                     st.floats(0.01, 10.0))
_STEPS = st.sampled_from([0, 1, 63, 1023, 1024, 10 ** 6, 2 ** 40])
_MAKERS = {
    "ExponentialDecay": lambda d: S.ExponentialDecay(d(_NUMBERS), d(_NUMBERS), d(_NUMBERS), staircase=d(st.booleans())),
    "InverseTimeDecay": lambda d: S.InverseTimeDecay(d(_NUMBERS), d(_NUMBERS), d(_NUMBERS), staircase=d(st.booleans())),
    "PolynomialDecay": lambda d: S.PolynomialDecay(d(_NUMBERS), d(_NUMBERS), d(_NUMBERS), power=d(_NUMBERS),
                                                   cycle=d(st.booleans())),
    "CosineDecay": lambda d: S.CosineDecay(d(_NUMBERS), d(_NUMBERS), alpha=d(_NUMBERS)),
    "CosineDecayRestarts": lambda d: S.CosineDecayRestarts(d(_NUMBERS), d(_NUMBERS), t_mul=d(_NUMBERS),
                                                           m_mul=d(_NUMBERS), alpha=d(_NUMBERS)),
}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(kind=st.sampled_from(sorted(_MAKERS)), data=st.data())
def test_a_schedule_is_refused_or_real_finite_and_non_negative(kind, data):
    try:
        schedule = _MAKERS[kind](data.draw)
    except (ValueError, TypeError):
        return
    for step in data.draw(st.lists(_STEPS, min_size=1, max_size=3)):
        rate = schedule(step)
        assert isinstance(rate, float) or (hasattr(rate, "dtype") and rate.dtype.kind == "f"), (schedule, step, rate)
        assert math.isfinite(rate) and rate >= 0, (schedule, step, rate)


def test_a_tiny_decay_steps_gives_a_finite_rate():
    # found by the fuzz above: 5 / 1e-310 (subnormal) is inf, and staircase's floor(inf) raised OverflowError
    # mid-training; InverseTimeDecay with decay_rate 0 computed 0 * inf = NaN. Expected values:
    # 0.5 ** inf = 0 (ExponentialDecay), 0.1 / (1 + 0.5 * inf) = 0, and no decay at all when decay_rate is 0.
    assert S.ExponentialDecay(0.1, 1e-310, 0.5, staircase=True)(5) == 0.0
    assert S.InverseTimeDecay(0.1, 1e-310, 0.5, staircase=True)(5) == 0.0
    assert S.InverseTimeDecay(0.1, 1e-310, 0.0)(5) == 0.1
