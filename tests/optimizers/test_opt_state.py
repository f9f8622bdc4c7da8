"""Optimizer state (optimizers/_state.py): textbook units, states written by older versions, and
the validation of every loaded value against its slot's domain, before anything changes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgrad import optimizers as O

DATA = os.path.join(os.path.dirname(__file__), "data", "state_rescaled_v1.json")


def _fixture():
    with open(DATA) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- the old format
@pytest.mark.parametrize("case", sorted(_fixture()["cases"]))
@pytest.mark.parametrize("when", ["before_build", "after_build"])
def test_a_state_saved_in_the_rescaled_format_loads_and_resumes(case, when):
    # The fixture was written by the code before this change (get_state() after 5 steps, moving
    # averages stored as m_sum = m / (1 - beta_1), ...), with the weights after 3 more steps
    # (w8). Loading converts to the notes' units; the 3 steps must give w8 to the trajectory
    # tests' tolerance (the old code added the same terms in another order: rounding only).
    data = _fixture()
    c = data["cases"][case]
    opt = getattr(O, c["class"])(**c["config"])
    w = [np.array(x) for x in c["w5"]]
    state = {k: np.asarray(v) for k, v in c["state"].items()}
    if when == "after_build":
        opt.build([np.zeros_like(x) for x in w])
    opt.set_state(state)
    assert opt.iterations == 5
    for gs in data["grads"][5:8]:
        opt.apply_gradients(zip([np.array(g) for g in gs], w))
    for a, b in zip(w, c["w8"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    new = opt.get_state()
    assert not any("_sum" in k for k in new)


def test_the_rescaled_adam_moments_become_m_and_v():
    # m = (1 - beta_1) * m_sum, v = (1 - beta_2) * v_sum (the old derived entries' definition)
    c = _fixture()["cases"]["adam"]
    opt = O.Adam(**c["config"])
    opt.set_state({k: np.asarray(v) for k, v in c["state"].items()})
    opt.build([np.zeros((2, 3)), np.zeros(3)])
    st_ = opt.get_state()
    np.testing.assert_allclose(st_["adam/m/0"], 0.1 * np.array(c["state"]["adam/m_sum/0"]), rtol=1e-15)
    np.testing.assert_allclose(st_["adam/v/1"], 0.001 * np.array(c["state"]["adam/v_sum/1"]), rtol=1e-12)


def test_a_saved_file_with_the_old_derived_entries_loads():
    # model files held get_state() with its derived read-only copies ("adam/m/0" beside
    # "adam/m_sum/0"): the rescaled entry wins, the copies do not count as unexpected names.
    c = _fixture()["cases"]["rmsprop_centered_momentum"]
    state = {k: np.asarray(v) for k, v in c["state"].items()}
    for i in range(2):
        state[f"rmsprop/velocity/{i}"] = 0.1 * state[f"rmsprop/v_sum/{i}"]
        state[f"rmsprop/average_gradient/{i}"] = 0.1 * state[f"rmsprop/gbar_sum/{i}"]
        state[f"rmsprop/M/{i}"] = -state[f"rmsprop/momentum/{i}"]
    opt = O.RMSprop(**c["config"])
    w = [np.array(x) for x in c["w5"]]
    opt.set_state(state)
    for gs in _fixture()["grads"][5:8]:
        opt.apply_gradients(zip([np.array(g) for g in gs], w))
    for a, b in zip(w, c["w8"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------------------- domains
def _trained(cls, kwargs, steps=3):
    w = [np.ones((2, 2)), np.ones(2)]
    opt = cls(**kwargs)
    rng = np.random.default_rng(0)
    for _ in range(steps):
        opt.apply_gradients(zip([rng.standard_normal(x.shape) for x in w], w))
    return opt, w


BAD = [
    (O.Adam, {}, "adam/v/0", -1.0, ">= 0"),
    (O.Adam, {}, "adam/m/1", np.nan, "finite"),
    (O.Adam, {}, "adam/m/0", np.inf, "finite"),
    (O.Adam, {"amsgrad": True}, "adam/vhat/1", -1e-3, ">= 0"),
    (O.Adagrad, {}, "adagrad/accumulator/0", -0.5, ">= 0"),
    (O.RMSprop, {}, "rmsprop/velocity/1", -2.0, ">= 0"),
    (O.RMSprop, {"momentum": 0.5}, "rmsprop/M/0", np.nan, "finite"),
    (O.Nadam, {}, "nadam/v/0", -np.inf, "finite"),
    (O.Adamax, {}, "adamax/norm/0", -1.0, ">= 0"),
    (O.Adadelta, {}, "adadelta/E_d/1", -1.0, ">= 0"),
    (O.SGD, {"momentum": 0.9}, "momentum/velocity/0", np.inf, "finite"),
    (O.Nadam, {}, "nadam/u_product", 0.0, r"\(0, 1\]"),
    (O.Nadam, {}, "nadam/u_product", 1.5, r"\(0, 1\]"),
    (O.Adam, {}, "adam/count", -3, ">= 0"),
]


@pytest.mark.parametrize("cls,kwargs,name,value,match", BAD,
                         ids=[f"{c.__name__}-{n}-{v}" for c, _, n, v, _m in BAD])
@pytest.mark.parametrize("when", ["built", "unbuilt"])
def test_a_value_outside_its_domain_is_refused_before_any_change(cls, kwargs, name, value, match, when):
    # The old code loaded these silently; the next step then made every weight NaN.
    src, _ = _trained(cls, kwargs)
    state = src.get_state()
    bad = np.array(state[name], dtype=float if name.count("/") == 2 or "u_product" in name else np.int64)
    if bad.ndim:
        bad.flat[-1] = value
    else:
        bad = np.asarray(value, dtype=bad.dtype)
    state[name] = bad
    opt = cls(**kwargs)
    w = [np.ones((2, 2)), np.ones(2)]
    if when == "built":
        opt.apply_gradients(zip([np.ones((2, 2)), np.ones(2)], w))
    before, w_before = opt.get_state(), [x.copy() for x in w]
    with pytest.raises(ValueError, match=f"{name}.*{match}"):
        opt.set_state(state)
    after = opt.get_state()
    assert set(after) == set(before) and all(np.array_equal(after[k], before[k]) for k in before)
    assert opt._pending_state is None and opt.iterations == (1 if when == "built" else 0)
    for a, b in zip(w, w_before):
        np.testing.assert_array_equal(a, b)


def test_a_negative_centered_variance_is_refused():
    # centered RMSprop divides by sqrt(v - gbar^2 + epsilon): v >= gbar^2 holds for any
    # gradients (Cauchy-Schwarz on the two averages), so gbar = 2, v = 1 cannot come from training.
    src, _ = _trained(O.RMSprop, {"centered": True})
    state = src.get_state()
    state["rmsprop/average_gradient/0"] = np.full((2, 2), 2.0)
    state["rmsprop/velocity/0"] = np.full((2, 2), 1.0)
    opt = O.RMSprop(centered=True)
    with pytest.raises(ValueError, match=r"variable 0.*centered variance"):
        opt.set_state(state)
    assert opt._pending_state is None


def test_a_trained_centered_state_passes_its_own_check():
    # v - gbar^2 of a long run of nearly constant gradients sits at rounding level: accepted
    opt = O.RMSprop(centered=True, rho=0.5)
    w = np.ones(3)
    for _ in range(200):
        opt.apply_gradients([(np.full(3, 0.3) + 1e-17, w)])
    O.RMSprop(centered=True, rho=0.5).set_state(opt.get_state())


# ----------------------------------------------------------------------------- fuzz
_CASES = [(O.Adam, {"amsgrad": True}), (O.Adagrad, {}), (O.RMSprop, {"centered": True, "momentum": 0.5}),
          (O.Nadam, {}), (O.Adamax, {}), (O.Adadelta, {}), (O.SGD, {"momentum": 0.9})]
_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, -1e-300, 1e308]))


def _in_domain(opt, state):
    """Every value of a loaded state in its slot's domain (from the transforms' declarations)."""
    from deepgrad.optimizers import _state
    for prefix, t, st_ in _state.leaves(opt._transform, opt._state):
        for key, value in st_.items():
            if key.startswith("_") or key == "count":
                continue
            domain = (t.slots if isinstance(value, list) else t.scalars).get(key, "real")
            for name, a in state.items():
                if name == f"{prefix}/{key}" or name.startswith(f"{prefix}/{key}/"):
                    assert np.all(np.isfinite(a)), name
                    if domain == ">= 0":
                        assert np.all(a >= 0), name
                    elif domain == "(0, 1]":
                        assert 0 < a <= 1, name


@settings(max_examples=120, deadline=None, derandomize=True)
@given(case=st.sampled_from(range(len(_CASES))), data=st.data())
def test_every_loaded_state_value_is_in_its_domain(case, data):
    # Random corruptions of a valid state: set_state either refuses (ValueError, nothing
    # changed) or loads a state whose every value is in its domain.
    cls, kwargs = _CASES[case]
    src, _ = _trained(cls, kwargs)
    state = src.get_state()
    names = sorted(k for k in state if k != "iterations" and not k.endswith("/count"))
    for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)):
        a = np.array(state[name], dtype=float)
        a.flat[data.draw(st.integers(0, a.size - 1))] = data.draw(_VALUES)
        state[name] = a
    opt = cls(**kwargs)
    opt.apply_gradients(zip([np.ones((2, 2)), np.ones(2)], [np.ones((2, 2)), np.ones(2)]))
    before = opt.get_state()
    try:
        opt.set_state(state)
    except ValueError:
        after = opt.get_state()
        assert all(np.array_equal(after[k], before[k], equal_nan=True) for k in before)
        return
    _in_domain(opt, opt.get_state())


def test_a_value_beyond_a_float32_slot_is_refused():
    # 1e300 is finite in the saved float64 array but inf once written into a float32 slot
    w = [np.ones(3, dtype=np.float32)]
    src = O.Adam()
    src.apply_gradients([(np.ones(3, dtype=np.float32), w[0])])
    state = src.get_state()
    state["adam/v/0"] = np.array([1.0, 1e300, 1.0])
    opt = O.Adam()
    opt.apply_gradients([(np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32))])
    before = opt.get_state()
    with pytest.raises(ValueError, match="adam/v/0.*float32"):
        opt.set_state(state)
    assert all(np.array_equal(opt.get_state()[k], before[k]) for k in before)


# ----------------------------------------------------------------------------- set_state before the build
def _adam_state(steps=3, lr=0.1):
    w = np.array([1.0, -1.0])
    opt = O.Adam(lr)
    for _ in range(steps):
        opt.apply_gradients([(np.array([0.5, 2.0]), w)])
    return opt.get_state(), w


def test_pending_state_with_a_wrong_shape_raises_at_set_state():
    state, _ = _adam_state()
    bad = dict(state)
    bad["adam/m/0"] = np.zeros(3)  # its variable's v_sum is (2,)
    opt = O.Adam(0.1)
    with pytest.raises(ValueError, match=r"adam/m/0.*\(3,\)"):
        opt.set_state(bad)
    assert opt.iterations == 0 and opt._pending_state is None  # nothing changed
    unknown = dict(state)
    unknown["rmsprop/velocity/0"] = np.zeros(2)
    with pytest.raises(ValueError, match="unexpected.*rmsprop"):
        opt.set_state(unknown)
    missing = dict(state)
    del missing["adam/v/0"]
    with pytest.raises(ValueError, match="missing.*adam/v/0"):
        opt.set_state(missing)
    with pytest.raises(ValueError, match="iterations"):
        opt.set_state({**state, "iterations": np.asarray(-1)})
    with pytest.raises(ValueError, match="no slots"):
        opt.set_state({"iterations": np.asarray(3), "adam/count": np.asarray(3)})
    assert opt.iterations == 0 and opt._pending_state is None


def test_pending_state_sets_iterations_and_learning_rate_at_once():
    # Keras reads the schedule at iterations: after set_state the rate is lr(3) = 0.5^3.
    from deepgrad.optimizers import schedules as S
    src = O.SGD(S.ExponentialDecay(1.0, 1, 0.5), momentum=0.9)
    w = np.ones(2)
    for _ in range(3):
        src.apply_gradients([(np.ones(2), w)])
    dst = O.SGD(S.ExponentialDecay(1.0, 1, 0.5), momentum=0.9)
    dst.set_state(src.get_state())
    assert dst.iterations == 3 and dst.learning_rate == 0.125
    w2 = w.copy()
    src.apply_gradients([(np.ones(2), w)])
    dst.apply_gradients([(np.ones(2), w2)])
    np.testing.assert_array_equal(w2, w)  # the slots were restored at the build
    assert dst.iterations == 4


def test_pending_state_that_does_not_fit_the_variables_leaves_the_optimizer_unbuilt():
    # The slots are consistent with one another but shaped (2,), the variable (3,): the first
    # step raises with nothing changed, and does so again (the requested state is not dropped
    # for a silent fresh start).
    state, _ = _adam_state()
    opt = O.Adam(0.1)
    opt.set_state(state)
    w = np.ones(3)
    for _ in range(2):
        with pytest.raises(ValueError, match=r"adam/m/0.*\(3,\)"):
            opt.apply_gradients([(np.ones(3), w)])
        np.testing.assert_array_equal(w, 1.0)
        assert opt.iterations == 3 and opt._transform is None


def test_set_state_on_a_built_optimizer_is_atomic():
    # The last slot is not numeric: every entry is checked before the first one is written.
    state, w = _adam_state()
    opt = O.Adam(0.1)
    opt.apply_gradients([(np.array([1.0, 1.0]), np.zeros(2))])
    before = opt.get_state()
    bad = {**state, "adam/v/0": np.array(["a", "b"])}
    with pytest.raises(TypeError, match="adam/v/0"):
        opt.set_state(bad)
    after = opt.get_state()
    assert all(np.array_equal(after[k], before[k]) for k in before)
    opt.set_state(state)
    assert opt.iterations == 3 and int(opt.get_state()["adam/count"]) == 3
