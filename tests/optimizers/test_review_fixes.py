"""Regression tests for the optimizer review (issue 4): each asserts Keras's behaviour and failed
on the code before its fix."""

from __future__ import annotations

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.optimizers import transforms as T


def _run(opt, w0, grad_f, steps):
    w = np.array(w0, dtype=np.float64)
    for _ in range(steps):
        opt.apply_gradients([(grad_f(w), w)])
    return w


# ----------------------------------------------------------------------------- scale_by_rms sign
@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"centered": True},
                                    {"momentum": 0.5, "centered": True}])
def test_scale_by_rms_without_rate_is_the_plus_direction(kwargs):
    # Every scale_by_* returns +direction without a learning rate, so the chain ending in
    # scale_by_learning_rate(lr) is the preset at a constant rate (Keras's RMSprop: the rate
    # inside the momentum buffer is a constant factor then). Minimising |w|^2 from (1, -2).
    grad = lambda w: 2 * w  # noqa: E731
    mine = O.TransformOptimizer(T.chain(T.scale_by_rms(**kwargs), T.scale_by_learning_rate(0.01)))
    preset = O.RMSprop(0.01, **kwargs)
    w_chain = _run(mine, [1.0, -2.0], grad, 20)
    w_preset = _run(preset, [1.0, -2.0], grad, 20)
    np.testing.assert_allclose(w_chain, w_preset, rtol=1e-12)
    assert np.all(np.abs(w_chain) < [1.0, 2.0])  # it descends


def test_scale_by_rms_direction_of_one_step():
    # One step from v = 0 on g = 3 (rho 0.9, eps 1e-7): v = 0.1 * 9 = 0.9, the direction is
    # g / sqrt(v + eps) = 3 / sqrt(0.9000001) > 0 (the update without a rate, Keras's delta at lr = 1).
    t = T.scale_by_rms()
    g = [np.array([3.0])]
    d, _ = t.update(g, t.init(g), g)
    np.testing.assert_allclose(d[0], 3.0 / np.sqrt(0.9 + 1e-7), rtol=1e-14)


# ----------------------------------------------------------------------------- dampening without momentum
def test_dampening_is_ignored_without_momentum():
    # torch.optim.SGD applies dampening to the momentum buffer only; with momentum=0 the step is
    # w - lr * g (the docstring's rule). Compared with torch over 5 steps on |w|^2.
    import torch
    w = _run(O.SGD(0.1, momentum=0.0, dampening=0.5), [1.0, -2.0], lambda w: 2 * w, 5)
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.0, dampening=0.5)
    for _ in range(5):
        tw.grad = 2 * tw.detach()
        topt.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(w, np.array([1.0, -2.0]) * 0.8 ** 5, rtol=1e-14)  # w <- w - 0.1 * 2w


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


# ----------------------------------------------------------------------------- 0-d parameters, atomic steps
def test_weight_decay_on_a_0d_parameter():
    # Keras: w <- w - w * weight_decay * lr before the update step; g = 0 leaves only the decay.
    w = np.array(1.0)
    O.SGD(0.1, weight_decay=0.1).apply_gradients([(np.array(0.0), w)])
    assert w.shape == ()
    assert float(w) == pytest.approx(1.0 - 1.0 * 0.1 * 0.1, rel=1e-15)  # 0.99


@pytest.mark.parametrize("make", [lambda: O.AdamW(0.1), lambda: O.Adam(0.1, weight_decay=0.01),
                                  lambda: O.SGD(0.1, momentum=0.9, weight_decay=0.1, clipnorm=0.3)])
def test_a_0d_parameter_steps_as_its_1_element_twin(make):
    # The rule is elementwise: a 0-d variable follows the trajectory of the same variable as shape (1,).
    a, b = np.array(1.0), np.array([1.0])
    oa, ob = make(), make()
    for t in range(5):
        oa.apply_gradients([(np.array(0.5 - 0.2 * t), a)])
        ob.apply_gradients([(np.array([0.5 - 0.2 * t]), b)])
    assert a.shape == () and float(a) == b[0]


def _snapshot(opt, params):
    return opt.get_state(), [p.copy() for p in params]


def _assert_unchanged(opt, params, snap):
    state, values = snap
    now = opt.get_state()
    assert set(now) == set(state) and all(np.array_equal(now[k], state[k]) for k in now)
    for p, v in zip(params, values):
        np.testing.assert_array_equal(p, v)


@pytest.mark.parametrize("bad", [np.ones(2) * 1j, np.array(["a", "b"]), np.ones(2, dtype=bool), ["a", "b"]],
                         ids=["complex", "str", "bool", "str-list"])
@pytest.mark.parametrize("make", [lambda: O.SGD(0.1, momentum=0.9), lambda: O.Adam(0.1, weight_decay=0.1)])
def test_a_gradient_that_cannot_be_applied_raises_before_any_change(make, bad):
    # The second variable's gradient is bad: the first one's slots must not move either.
    params = [np.ones(3), np.ones(2)]
    opt = make()
    opt.apply_gradients([(np.full(3, 0.5), params[0]), (np.full(2, 0.5), params[1])])
    snap = _snapshot(opt, params)
    with pytest.raises(TypeError, match=r"grads_and_vars`\[1\] gradient"):
        opt.apply_gradients([(np.full(3, 0.5), params[0]), (bad, params[1])])
    _assert_unchanged(opt, params, snap)
    assert opt.iterations == 1


# ----------------------------------------------------------------------------- build and weight-decay exclusions
class _Var:
    """A Weight-like variable: ``.name`` and ``.value``."""

    def __init__(self, name, value):
        self.name, self.value = name, value


def _model_like():
    """A kernel and a bias as adjacent views of one buffer, their gradients likewise (a model's layout)."""
    pbuf, gbuf = np.ones(8), np.zeros(8)
    kernel = _Var("dense/kernel", pbuf[:6].reshape(3, 2))
    bias = _Var("dense/bias", pbuf[6:])
    return [kernel, bias], [gbuf[:6].reshape(3, 2), gbuf[6:]], (pbuf, gbuf)


@pytest.mark.parametrize("exclude", [{"var_names": ["bias"]}, "weight", "array"])
def test_build_with_weight_objects_resolves_exclusions_for_bare_array_steps(exclude):
    # fit passes bare (grad, value) arrays; the names and objects come from build(weights).
    # Zero gradients: only the decay moves a variable, Keras's w <- w - w * weight_decay * lr.
    (kernel, bias), grads, buffers = _model_like()
    opt = O.SGD(0.1, weight_decay=0.5)
    opt.use_flat_buffers(*buffers)  # the model's hand-off
    if exclude == "weight":
        opt.exclude_from_weight_decay(var_list=[bias])
    elif exclude == "array":
        opt.exclude_from_weight_decay(var_list=[bias.value])
    else:
        opt.exclude_from_weight_decay(**exclude)
    opt.build([kernel, bias])
    pairs = [(grads[0], kernel.value), (grads[1], bias.value)]
    opt.apply_gradients(pairs)
    opt.apply_gradients(pairs)
    np.testing.assert_allclose(kernel.value, (1 - 1 * 0.5 * 0.1) ** 2, rtol=1e-15)  # two decays
    np.testing.assert_array_equal(bias.value, 1.0)
    assert opt._layout.flat  # the flat fast path still runs


def test_exclude_a_layer_weight_object():
    # Keras's idiom: var_list=[layer.bias] with the layer's variable object (it used to raise
    # AttributeError '__array_interface__').
    from deepgrad.layers import Dense
    layer = Dense(2)
    layer.build((None, 3))
    opt = O.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[layer.bias])
    layer.bias.value[...] = 1.0
    layer.kernel.value[...] = 1.0
    opt.apply_gradients([(np.zeros_like(layer.kernel.value), layer.kernel.value),
                         (np.zeros_like(layer.bias.value), layer.bias.value)])
    np.testing.assert_array_equal(layer.bias.value, 1.0)
    np.testing.assert_allclose(layer.kernel.value, 1 - 0.5 * 0.1, rtol=1e-6)  # float32
    with pytest.raises(TypeError, match="var_list"):
        O.SGD(weight_decay=0.1).exclude_from_weight_decay(var_list=[3.0])
    with pytest.raises(TypeError, match="var_names"):
        O.SGD(weight_decay=0.1).exclude_from_weight_decay(var_names=[3])


def test_build_once_built_does_nothing():
    # Keras's build returns early once built: a second build keeps the slots and the counts.
    w = np.ones(2)
    opt = O.Adam(0.1)
    for _ in range(5):
        opt.apply_gradients([(np.ones(2), w)])
    state = opt.get_state()
    opt.build([w])
    after = opt.get_state()
    assert set(after) == set(state) and all(np.array_equal(after[k], state[k]) for k in state)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])


def test_build_validates_its_variables_before_building():
    opt = O.SGD(0.1)
    with pytest.raises(TypeError, match=r"var_list`\[1\]"):
        opt.build([np.ones(2), np.ones(2, dtype=int)])
    with pytest.raises(ValueError, match="empty"):
        opt.build([])
    assert opt._transform is None  # not built: a later build or step starts afresh
    w = np.ones(2)
    opt.apply_gradients([(np.ones(2), w)])
    np.testing.assert_allclose(w, 0.9)


def test_exclude_from_weight_decay_by_name_inside_fit():
    # Keras: opt.exclude_from_weight_decay(var_names=["bias"]) spares every variable whose name
    # contains "bias". The targets equal the model's output, so every gradient is 0 and only the
    # decay moves the weights: kernel <- kernel * (1 - 0.5 * 0.1), bias unchanged.
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential
    model = Sequential([Dense(2, input_shape=(3,))])
    opt = O.SGD(0.1, weight_decay=0.5)
    model.compile(optimizer=opt, loss="mse")
    opt.exclude_from_weight_decay(var_names=["bias"])
    x = np.ones((4, 3))
    dense = model.layers[0]
    dense.kernel.value[...] = 0.5
    dense.bias.value[...] = 1.0
    y = x @ dense.kernel.value + dense.bias.value
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_array_equal(dense.bias.value, 1.0)
    np.testing.assert_allclose(dense.kernel.value, 0.5 * (1 - 0.5 * 0.1), rtol=1e-6)


# ----------------------------------------------------------------------------- iterations is the step
def test_setting_iterations_moves_the_schedule_step():
    # Keras: the update uses schedule(iterations). ExponentialDecay(1, 1, 0.5): lr(s) = 0.5^s.
    # After 3 steps, iterations = 0 restarts the schedule: the next step is -lr(0) * g = -1.
    from deepgrad.optimizers import schedules as S
    opt = O.SGD(S.ExponentialDecay(1.0, 1, 0.5))
    w = np.zeros(1)
    for _ in range(3):
        opt.apply_gradients([(np.ones(1), w)])
    opt.iterations = 0
    assert opt.learning_rate == 1.0
    before = w.copy()
    opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_array_equal(w - before, [-1.0])
    assert opt.iterations == 1
    assert int(opt.get_state()["momentum/count"]) == 1


def _keras_adam(g_seq, w0, lr, reset_at, b1=0.9, b2=0.999, eps=1e-7):
    """Literal transcription of Keras's Adam update, with ``iterations`` set to 0 before step ``reset_at``."""
    w, m, v, it = np.array(w0, dtype=float), 0.0, 0.0, 0
    for k, g in enumerate(g_seq):
        if k == reset_at:
            it = 0
        t = it + 1
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - alpha * m / (np.sqrt(v) + eps)
        it += 1
    return w


def test_setting_iterations_moves_the_bias_correction():
    # Keras's bias correction uses t = iterations + 1; the moments are kept across the reset.
    gs = [np.array([0.3 + 0.1 * k, -1.0 + 0.05 * k]) for k in range(8)]
    opt = O.Adam(0.05)
    w = np.array([1.0, 2.0])
    for k, g in enumerate(gs):
        if k == 5:
            opt.iterations = 0
        opt.apply_gradients([(g, w)])
    np.testing.assert_allclose(w, _keras_adam(gs, [1.0, 2.0], 0.05, reset_at=5), rtol=1e-12)


def test_iterations_set_before_the_build_is_the_first_step():
    # saving.py restores a state saved before any step by setting iterations on an unbuilt
    # optimizer: the first update then uses lr(iterations).
    from deepgrad.optimizers import schedules as S
    opt = O.SGD(S.ExponentialDecay(1.0, 1, 0.5))
    opt.iterations = 2
    w = np.zeros(1)
    opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_array_equal(w, [-0.25])  # -lr(2) * 1 = -0.5^2
    with pytest.raises(ValueError, match="iterations"):
        opt.iterations = -1
    with pytest.raises(ValueError, match="iterations"):
        opt.iterations = 1.5
    assert opt.iterations == 3


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
