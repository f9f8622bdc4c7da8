"""One table of bad input per optimizer entry point (issue 12 item 5): the constructors, ``apply_gradients``,
``set_state`` and the learning-rate schedules.

Each row: the call, the exception class, a regex the message must match (the argument's name and what was
expected). After every refusal a trained optimizer's ``iterations`` and state, the parameter it moves, and the
global generators are what they were.
"""

import re

import numpy as np
import pytest

from deepgrad import config, optimizers as O
from deepgrad.optimizers import schedules as S


def _trained():
    opt, w = O.Adam(amsgrad=True), np.linspace(-1.0, 1.0, 4).astype(np.float32)
    for k in range(3):
        opt.apply_gradients([(np.full(4, 0.1 * (k + 1), dtype=np.float32), w)])
    return opt, w


F32 = np.float32
CASES = [
    # constructors
    ("SGD learning_rate negative", lambda o, w: O.SGD(learning_rate=-0.1), ValueError,
     r"`learning_rate` must be a finite float in \[0.0, inf\)"),
    ("SGD learning_rate NaN", lambda o, w: O.SGD(learning_rate=float("nan")), ValueError, r"`learning_rate`.*nan"),
    ("SGD momentum", lambda o, w: O.SGD(momentum=1.5), ValueError, r"`momentum`"),
    ("SGD nesterov", lambda o, w: O.SGD(nesterov="yes"), TypeError, r"`nesterov` must be a bool"),
    ("Adam beta_1", lambda o, w: O.Adam(beta_1=1.0), ValueError, r"`beta_1`"),
    ("Adam epsilon", lambda o, w: O.Adam(epsilon=-1), ValueError, r"`epsilon` must be a finite float in \(0.0, inf\)"),
    ("Adam weight_decay", lambda o, w: O.Adam(weight_decay=-1), ValueError, r"`weight_decay`"),
    ("Adam clipnorm 0", lambda o, w: O.Adam(clipnorm=0), ValueError, r"`clipnorm`.*\(0.0, inf\)"),
    ("Adam clip both", lambda o, w: O.Adam(clipnorm=1.0, clipvalue=1.0), ValueError, r"clipvalue"),
    ("Adam ema_momentum", lambda o, w: O.Adam(use_ema=True, ema_momentum=2), ValueError, r"`ema_momentum`"),
    ("RMSprop rho", lambda o, w: O.RMSprop(rho=1.5), ValueError, r"`rho` must be a finite float in \[0.0, 1.0\)"),
    ("RMSprop rho str", lambda o, w: O.RMSprop(rho="0.9"), TypeError, r"`rho`"),
    ("Adagrad initial_accumulator_value", lambda o, w: O.Adagrad(initial_accumulator_value=-1), ValueError,
     r"`initial_accumulator_value`"),
    ("Nadam beta_2", lambda o, w: O.Nadam(beta_2=-0.1), ValueError, r"`beta_2`"),
    # apply_gradients
    ("apply_gradients not pairs", lambda o, w: o.apply_gradients(3), TypeError, r"`grads_and_vars` must be an iter"),
    ("apply_gradients shapes", lambda o, w: o.apply_gradients([(np.ones(3, F32), w)]), ValueError,
     r"grads_and_vars"),
    ("apply_gradients epsilon below float32", lambda o, w: O.Adam(epsilon=1e-50).apply_gradients(
        [(np.zeros(4, F32), w)]), ValueError, r"`epsilon`=1e-50 is below the smallest positive normal float32"),
    # set_state
    ("set_state list", lambda o, w: o.set_state([1]), ValueError, r"`state` must be a dict"),
    ("set_state no iterations", lambda o, w: o.set_state({"bogus": np.ones(2)}), ValueError,
     r"`state` must be a dict.*'iterations'"),
    ("set_state negative v", lambda o, w: o.set_state(
        {**o.get_state(), **{k: -np.abs(v) - 1 for k, v in o.get_state().items() if k.endswith("/v/0")}}),
     ValueError, r"/v"),
    ("set_state NaN m", lambda o, w: o.set_state(
        {**o.get_state(), **{k: v * np.nan for k, v in o.get_state().items() if k.endswith("/m/0")}}),
     ValueError, r"/m"),
    # schedules
    ("ExponentialDecay decay_steps", lambda o, w: S.ExponentialDecay(0.01, 0, 0.5), ValueError,
     r"`decay_steps` must be a finite float in \(0.0, inf\)"),
    ("PiecewiseConstantDecay values", lambda o, w: S.PiecewiseConstantDecay([1, 2], [0.1]), ValueError,
     r"`values` must have len\(boundaries\) \+ 1"),
    ("PiecewiseConstantDecay boundaries", lambda o, w: S.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]),
     ValueError, r"`boundaries` must be increasing"),
    ("CosineDecay alpha", lambda o, w: S.CosineDecay(0.1, 10, alpha=2), ValueError, r"`alpha`.*\[0.0, 1.0\]"),
    ("InverseTimeDecay decay_rate", lambda o, w: S.InverseTimeDecay(0.1, 10, -1), ValueError, r"`decay_rate`"),
]

# every optimizer class refuses bad common arguments (base class) ...
ALL = [O.SGD, O.Adagrad, O.RMSprop, O.Adam, O.AdamW, O.Nadam, O.Adamax, O.Adadelta]
COMMON = [
    ({"learning_rate": -0.1}, ValueError, r"`learning_rate`"),
    ({"learning_rate": float("nan")}, ValueError, r"`learning_rate`"),
    ({"learning_rate": "fast"}, TypeError, r"`learning_rate`"),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, ValueError, r"only one of"),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, ValueError, r"only one of"),
    ({"clipnorm": 0.0}, ValueError, r"`clipnorm`"),
    ({"clipvalue": -1.0}, ValueError, r"`clipvalue`"),
    ({"weight_decay": -0.1}, ValueError, r"`weight_decay`"),
    ({"decay": -0.1}, ValueError, r"`decay`"),
]
CASES += [(f"{cls.__name__} {kwargs}", lambda o, w, cls=cls, kwargs=kwargs: cls(**kwargs), exc, pattern)
          for cls in ALL for kwargs, exc, pattern in COMMON]
# ... and bad arguments of its own algorithm
ALGORITHM = [
    (O.SGD, {"momentum": 1.0}, "momentum"), (O.SGD, {"momentum": -0.1}, "momentum"),
    (O.SGD, {"dampening": 1.0}, "dampening"), (O.SGD, {"nesterov": 1}, "nesterov"),
    (O.RMSprop, {"rho": 1.0}, "rho"), (O.RMSprop, {"momentum": 1.5}, "momentum"),
    (O.RMSprop, {"epsilon": 0.0}, "epsilon"), (O.Adadelta, {"rho": -0.5}, "rho"),
    (O.Adam, {"beta_2": -0.1}, "beta_2"), (O.Adam, {"epsilon": 0.0}, "epsilon"),
    (O.AdamW, {"beta_1": 1.2}, "beta_1"), (O.AdamW, {"weight_decay": None}, "weight_decay"),
    (O.Nadam, {"beta_2": 1.0}, "beta_2"), (O.Adamax, {"beta_1": -0.01}, "beta_1"),
    (O.Adagrad, {"epsilon": 0.0}, "epsilon"),
]
CASES += [(f"{cls.__name__} {kwargs}", lambda o, w, cls=cls, kwargs=kwargs: cls(**kwargs), (ValueError, TypeError),
           rf"`{name}`") for cls, kwargs, name in ALGORITHM]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_bad_input_is_refused_with_its_name_before_any_change(call, exc, pattern):
    opt, w = _trained()
    state, weights = opt.get_state(), w.copy()
    rng, np_rng = config.rng().bit_generator.state, np.random.get_state()[1].copy()
    with pytest.raises(exc) as info:
        call(opt, w)
    assert re.search(pattern, str(info.value)), str(info.value)
    np.testing.assert_array_equal(w, weights)
    after = opt.get_state()
    assert int(opt.iterations) == 3 and set(after) == set(state)
    for k in state:
        np.testing.assert_array_equal(after[k], state[k])
    assert config.rng().bit_generator.state == rng
    np.testing.assert_array_equal(np.random.get_state()[1], np_rng)
