"""The optimizer API: apply_gradients, names, legacy spellings, config, exact resume, bad input,
the transforms' directions, 0-d variables, build and weight-decay exclusions, `iterations`."""

import json
import os
import tracemalloc
import warnings

import numpy as np
import pytest

from deepgrad import optimizers as O
from deepgrad.optimizers import _threaded as Th
from deepgrad.optimizers import schedules as S
from deepgrad.optimizers import transforms as T

ALL = [O.SGD, O.Adagrad, O.RMSprop, O.Adam, O.AdamW, O.Nadam, O.Adamax, O.Adadelta]
SHAPES = [(6, 4), (4,), (4, 3), (3,)]


def _model_buffers(seed=0, dtype=np.float64):
    """Parameters and gradients as adjacent views of one buffer each (a model's layout)."""
    rng = np.random.default_rng(seed)
    n = sum(int(np.prod(s)) for s in SHAPES)
    pbuf, gbuf = rng.standard_normal(n).astype(dtype), np.zeros(n, dtype)
    views = lambda buf: [buf[a:a + int(np.prod(s))].reshape(s)  # noqa: E731
                         for a, s in zip(np.cumsum([0] + [int(np.prod(s)) for s in SHAPES]), SHAPES)]
    return pbuf, views(pbuf), gbuf, views(gbuf)


def _train(opt, params, grads, steps, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for g in grads:
            g[...] = rng.standard_normal(g.shape)
        opt.apply_gradients(zip(grads, params))


def test_updates_in_place_and_counts_iterations():
    w = np.array([1.0, -2.0])
    ref = w
    opt = O.SGD(learning_rate=0.1)
    assert opt.apply_gradients([(np.array([1.0, 1.0]), w)]) == 1
    assert w is ref
    np.testing.assert_array_equal(w, [0.9, -2.1])  # w - 0.1 * g
    assert opt.iterations == 1


@pytest.mark.parametrize("cls", ALL)
def test_single_point_and_model_buffer_use_the_same_objects(cls):
    # a 2-vector point (the optimizer lab) and a model's flat views, same step
    point = np.array([0.5, -1.5])
    opt = cls(learning_rate=0.1)
    for _ in range(3):
        opt.apply_gradients([(2 * point, point)])
    other = np.array([0.5, -1.5])
    opt2 = cls(learning_rate=0.1)
    for _ in range(3):
        opt2.apply_gradients(zip([2 * other], [other]))
    np.testing.assert_array_equal(point, other)
    pbuf, params, gbuf, grads = _model_buffers()
    opt3 = cls(learning_rate=0.1)
    opt3.use_flat_buffers(pbuf, gbuf)  # the model's hand-off
    _train(opt3, params, grads, 2)
    assert opt3._layout.flat and len(opt3._layout.group_params) == 1
    # one flat buffer per slot
    assert all(len(v) == 1 for st in opt3._state for k, v in st.items() if isinstance(v, list))


@pytest.mark.parametrize("cls", ALL)
def test_flat_and_separate_paths_agree_bitwise(cls):
    pbuf, params, gbuf, grads = _model_buffers()
    sep = [p.copy() for p in params]
    sep_g = [g.copy() for g in grads]
    a, b = cls(learning_rate=0.05, clipnorm=1.0), cls(learning_rate=0.05, clipnorm=1.0)
    a.use_flat_buffers(pbuf, gbuf)
    rng = np.random.default_rng(3)
    for _ in range(5):
        for g, h in zip(grads, sep_g):
            g[...] = h[...] = rng.standard_normal(g.shape) * 3
        a.apply_gradients(zip(grads, params))
        b.apply_gradients(zip(sep_g, sep))
    assert a._layout.flat and not b._layout.flat
    for x, y in zip(params, sep):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("cls", ALL)
def test_threaded_slices_agree_bitwise(cls, monkeypatch):
    monkeypatch.setattr(Th, "MIN_ELEMENTS_PER_THREAD", 8)
    results, previous = [], O.get_num_threads()
    try:
        for threads in (1, 3):
            O.set_num_threads(threads)
            pbuf, params, gbuf, grads = _model_buffers()
            opt = cls(learning_rate=0.05, weight_decay=0.01)
            opt.use_flat_buffers(pbuf, gbuf)
            _train(opt, params, grads, 4)
            assert (opt._threads.parts is None) == (threads == 1)
            results.append((pbuf.copy(), opt.get_state()))
    finally:
        O.set_num_threads(previous)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for k, v in results[0][1].items():
        np.testing.assert_array_equal(v, results[1][1][k])


@pytest.mark.parametrize("split_cost, kept", [(1.0, True), (3.0, False)])
def test_the_thread_split_is_kept_only_if_its_timed_trial_steps_were_faster(monkeypatch, split_cost, kept):
    # A fake clock: a step run split costs `split_cost`, one in the calling thread costs 2.
    clock = [0.0]
    real_run = Th.run

    def run(transform, state, layout, parts):
        clock[0] += 2.0 if parts is None else split_cost
        return real_run(transform, state, layout, parts)

    monkeypatch.setattr(Th, "MIN_ELEMENTS_PER_THREAD", 8)
    monkeypatch.setattr(Th, "SPLIT_TRIAL_START", 2)
    monkeypatch.setattr(Th, "run", run)
    monkeypatch.setattr(Th.time, "perf_counter", lambda: clock[0])
    previous = O.get_num_threads()
    O.set_num_threads(2)
    try:
        pbuf, params, gbuf, grads = _model_buffers()
        opt = O.Adam(learning_rate=0.05)
        opt.use_flat_buffers(pbuf, gbuf)
        _train(opt, params, grads, 2)  # SPLIT_TRIAL_START steps in the calling thread
        assert clock[0] == 2 * 2.0 and opt._threads.trial == ([], []) and not opt._threads.use_split
        _train(opt, params, grads, 4 * Th.SPLIT_TRIAL_BLOCK - 1)
        assert opt._threads.trial is not None  # still timing
        _train(opt, params, grads, 1, seed=5)
        assert opt._threads.trial is None
        assert opt._threads.use_split == kept
        # after SPLIT_RETRIAL_STEPS more steps the trial starts again
        monkeypatch.setattr(Th, "SPLIT_RETRIAL_STEPS", 3)
        _train(opt, params, grads, 3, seed=6)
        assert opt._threads.trial == ([], []) and opt._threads.trial_index == 0
        _train(opt, params, grads, 4 * Th.SPLIT_TRIAL_BLOCK, seed=7)
        assert opt._threads.trial is None and opt._threads.use_split == kept
        # the trial alternated, and every step (either way) was the same algorithm: compare
        # with the same steps in one thread
        O.set_num_threads(1)
        pbuf1, params1, gbuf1, grads1 = _model_buffers()
        ref = O.Adam(learning_rate=0.05)
        _train(ref, params1, grads1, 2)
        _train(ref, params1, grads1, 4 * Th.SPLIT_TRIAL_BLOCK - 1)
        _train(ref, params1, grads1, 1, seed=5)
        _train(ref, params1, grads1, 3, seed=6)
        _train(ref, params1, grads1, 4 * Th.SPLIT_TRIAL_BLOCK, seed=7)
        np.testing.assert_array_equal(pbuf, pbuf1)
    finally:
        O.set_num_threads(previous)


def test_no_allocation_per_step():
    rng = np.random.default_rng(0)
    n = 200_000
    pbuf, gbuf = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    params = [pbuf[:150_000].reshape(300, 500), pbuf[150_000:]]
    grads = [gbuf[:150_000].reshape(300, 500), gbuf[150_000:]]
    opt = O.Adam(clipvalue=1.0, weight_decay=0.01)
    opt.use_flat_buffers(pbuf, gbuf)
    pairs = list(zip(grads, params))
    opt.apply_gradients(pairs)
    opt.apply_gradients(pairs)
    tracemalloc.start()
    for _ in range(5):
        opt.apply_gradients(pairs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.05 * pbuf.nbytes  # a temporary array of the buffer would be 800 kB


def test_names_and_aliases():
    assert isinstance(O.get("sgd"), O.SGD)
    for name, cls in [("adam", O.Adam), ("rmsprop", O.RMSprop), ("adagrad", O.Adagrad), ("adamw", O.AdamW),
                      ("nadam", O.Nadam), ("adamax", O.Adamax), ("adadelta", O.Adadelta), ("Adam", O.Adam),
                      ("RMSprop", O.RMSprop)]:
        assert type(O.get(name)) is cls
    opt = O.SGD()
    assert O.get(opt) is opt
    with pytest.raises(ValueError, match="Valid names: .*adam.*sgd"):
        O.get("adamm")
    with pytest.raises(TypeError, match="optimizer"):
        O.get(3)
    # the notes' spellings: keras.optimizers.adam(lr=0.05), SGD(lr=0.05, momentum=0.9)
    a = O.adam(lr=0.05)
    assert isinstance(a, O.Adam) and a.learning_rate == 0.05
    s = O.sgd(lr=0.05, momentum=0.9, nesterov=True)
    assert s.learning_rate == 0.05 and s.momentum == 0.9 and s.nesterov
    for alias in ("sgd", "adagrad", "rmsprop", "adam", "adamw", "nadam", "adamax", "adadelta"):
        assert isinstance(getattr(O, alias)(lr=0.1), O.Optimizer)
    with pytest.raises(ValueError, match="`lr`"):
        O.SGD(learning_rate=0.1, lr=0.2)
    with pytest.raises(TypeError, match="unexpected keyword"):
        O.SGD(momentun=0.9)


def test_keras_defaults():
    assert O.SGD().learning_rate == 0.01 and O.SGD().momentum == 0.0 and not O.SGD().nesterov
    assert O.Adam().learning_rate == 0.001 and O.Adam().epsilon == 1e-7
    assert (O.Adam().beta_1, O.Adam().beta_2) == (0.9, 0.999)
    assert O.Adagrad().initial_accumulator_value == 0.1
    assert (O.RMSprop().rho, O.RMSprop().epsilon) == (0.9, 1e-7)
    assert O.AdamW().weight_decay == 0.004
    assert (O.Adadelta().learning_rate, O.Adadelta().rho) == (0.001, 0.95)


def test_legacy_decay_is_inverse_time_decay():
    opt = O.SGD(lr=0.1, decay=0.5)
    assert isinstance(opt._learning_rate, S.InverseTimeDecay)
    w = np.zeros(1)
    seen = []
    for _ in range(4):
        seen.append(opt.learning_rate)
        opt.apply_gradients([(np.ones(1), w)])
    # the notes 004: lr = lr0 / (1 + decay * batch)
    assert seen == pytest.approx([0.1 / (1 + 0.5 * k) for k in range(4)], rel=1e-15)
    assert w[0] == pytest.approx(-sum(seen), rel=1e-15)


def test_learning_rate_property_and_setter():
    opt = O.Adam(learning_rate=S.ExponentialDecay(1.0, 2, 0.5))
    w = np.zeros(2)
    opt.apply_gradients([(np.ones(2), w)])
    opt.apply_gradients([(np.ones(2), w)])
    assert opt.learning_rate == pytest.approx(0.5)  # 1 * 0.5 ** (2 / 2)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1
    f = O.SGD(learning_rate=0.1)
    f.learning_rate = 0.02
    assert f.learning_rate == 0.02
    with pytest.raises(ValueError, match="learning_rate"):
        f.learning_rate = -1.0
    g = O.SGD(learning_rate=lambda step: 0.1 * (step + 1))
    assert g.learning_rate == pytest.approx(0.1)


@pytest.mark.parametrize("cls", ALL)
def test_config_round_trip_through_json(cls):
    opt = cls(learning_rate=S.CosineDecayRestarts(0.1, 5), clipnorm=2.0)
    cfg = json.loads(json.dumps(O.serialize(opt)))
    back = O.deserialize(cfg)
    assert type(back) is cls and back.get_config() == opt.get_config()
    assert isinstance(back._learning_rate, S.CosineDecayRestarts)
    assert cls.from_config(opt.get_config()).get_config() == opt.get_config()


def test_sgd_momentum_schedule_serializes():
    opt = O.SGD(0.1, momentum=S.SutskeverMomentum(0.95))
    back = O.deserialize(json.loads(json.dumps(O.serialize(opt))))
    assert isinstance(back.momentum, S.SutskeverMomentum) and back.momentum.max_momentum == 0.95


@pytest.mark.parametrize("cls", ALL)
def test_state_resume_is_exact(cls):
    # 20 steps straight == 10 steps, save config + state (through JSON), rebuild, 10 more steps
    pbuf, params, gbuf, grads = _model_buffers()
    start = pbuf.copy()
    opt = cls(learning_rate=S.ExponentialDecay(0.05, 3, 0.9))
    rng = np.random.default_rng(5)
    seq = [[rng.standard_normal(s) for s in SHAPES] for _ in range(20)]

    def run(o, steps):
        for gs in steps:
            for g, v in zip(grads, gs):
                g[...] = v
            o.apply_gradients(zip(grads, params))
    run(opt, seq)
    straight = pbuf.copy()

    pbuf[...] = start
    first = cls.from_config(opt.get_config())
    run(first, seq[:10])
    saved = json.dumps({k: v.tolist() for k, v in first.get_state().items()})
    cfg = json.dumps(O.serialize(first))
    resumed = O.deserialize(json.loads(cfg))
    resumed.set_state({k: np.asarray(v) for k, v in json.loads(saved).items()})  # before build: pending
    run(resumed, seq[10:])
    assert resumed.iterations == 20
    np.testing.assert_array_equal(pbuf, straight)


def test_state_names_and_validation():
    w = [np.zeros((2, 3)), np.zeros(3)]
    opt = O.Adam(amsgrad=True)
    opt.apply_gradients(zip([np.ones((2, 3)), np.ones(3)], w))
    st = opt.get_state()
    assert set(st) == {"iterations", "adam/count", "adam/m/0", "adam/m/1", "adam/v/0", "adam/v/1",
                       "adam/vhat/0", "adam/vhat/1"}
    assert int(st["iterations"]) == 1 and st["adam/m/0"].shape == (2, 3)
    # the notes' units: m = 0.9 * 0 + 0.1 * 1 = 0.1 and v = 0.999 * 0 + 0.001 * 1^2 after one step with g = 1
    np.testing.assert_allclose(st["adam/m/0"], 0.1)
    np.testing.assert_allclose(st["adam/v/1"], 0.001)
    np.testing.assert_allclose(st["adam/vhat/1"], 0.001)
    opt.set_state(st)
    bad = dict(st)
    bad["adam/m/0"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"adam/m/0.*\(2, 3\)"):
        opt.set_state(bad)
    missing = dict(st)
    del missing["adam/v/1"]
    with pytest.raises(ValueError, match="missing"):
        opt.set_state(missing)
    with pytest.raises(ValueError, match="iterations"):
        opt.set_state({})
    assert opt.get_state()["adam/m/0"] is not opt.get_state()["adam/m/0"]  # copies


@pytest.mark.parametrize("cls,names", [
    (O.Adam, {"adam/m/0": "m", "adam/v/0": "v"}), (O.Nadam, {"nadam/m/0": "m", "nadam/v/0": "v"}),
    (O.Adamax, {"adamax/m/0": "m"}), (O.RMSprop, {"rmsprop/velocity/0": "v"}),
    (O.Adadelta, {"adadelta/E_g/0": "v"}),
])
def test_state_is_in_textbook_units(cls, names):
    # literal moving averages: m = m + (g - m)(1 - beta_1), v = v + (g^2 - v)(1 - beta_2)
    # (rho for RMSprop/Adadelta)
    opt = cls(learning_rate=0.01)
    w, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    b1 = getattr(opt, "beta_1", 0.9)
    b2 = getattr(opt, "beta_2", getattr(opt, "rho", 0.9))
    rng = np.random.default_rng(4)
    for _ in range(10):
        g = rng.standard_normal(4)
        m = m + (g - m) * (1 - b1)
        v = v + (g ** 2 - v) * (1 - b2)
        opt.apply_gradients([(g, w)])
    st = opt.get_state()
    for key, which in names.items():
        np.testing.assert_allclose(st[key], {"m": m, "v": v}[which], rtol=1e-12)


def test_layout_change_keeps_the_state():
    # 3 steps on the flat buffer, then the same variables arrive as separate arrays: the state
    # moves along, and the 4th step equals the 4th step of an optimizer that stayed flat.
    pbuf, params, gbuf, grads = _model_buffers()
    moved = O.Adam(0.01)
    moved.use_flat_buffers(pbuf, gbuf)
    _train(moved, params, grads, 3)
    sep, sep_g = [p.copy() for p in params], [np.ones_like(p) for p in params]
    moved.apply_gradients(zip(sep_g, sep))
    assert not moved._layout.flat and moved.iterations == 4
    pbuf2, params2, gbuf2, grads2 = _model_buffers()
    stayed = O.Adam(0.01)
    stayed.use_flat_buffers(pbuf2, gbuf2)
    _train(stayed, params2, grads2, 3)
    gbuf2[...] = 1.0
    stayed.apply_gradients(zip(grads2, params2))
    for x, y in zip(sep, params2):
        np.testing.assert_array_equal(x, y)


def test_weight_objects_and_exclusion_from_weight_decay():
    class W:  # a layer Weight: .name and .value
        def __init__(self, name, value):
            self.name, self.value = name, value
    k, b, c = W("dense/kernel", np.ones(3)), W("dense/bias", np.ones(2)), np.ones(2)
    opt = O.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[c], var_names=["bias"])
    opt.apply_gradients([(np.zeros(3), k), (np.zeros(2), b), (np.zeros(2), c)])
    np.testing.assert_allclose(k.value, 1 - 0.1 * 0.5)  # w - w * wd * lr
    np.testing.assert_array_equal(b.value, 1.0)
    np.testing.assert_array_equal(c, 1.0)
    with pytest.raises(ValueError, match="before"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_exclusion_on_the_flat_path():
    pbuf, params, gbuf, grads = _model_buffers()
    before = [p.copy() for p in params]
    opt = O.Adam(learning_rate=0.1, weight_decay=0.5)
    opt.use_flat_buffers(pbuf, gbuf)
    opt.exclude_from_weight_decay(var_list=[params[1], params[3]])
    opt.apply_gradients(zip(grads, params))  # zero gradients: Adam's step is 0, only decay moves w
    assert opt._layout.flat
    np.testing.assert_allclose(params[0], before[0] * (1 - 0.05))
    np.testing.assert_array_equal(params[1], before[1])
    np.testing.assert_allclose(params[2], before[2] * (1 - 0.05))
    np.testing.assert_array_equal(params[3], before[3])


def test_user_chain_wrapped_in_the_optimizer_api():
    pbuf, params, gbuf, grads = _model_buffers()
    pbuf2, params2, gbuf2, grads2 = _model_buffers()
    mine = O.TransformOptimizer(T.chain(T.clip(1.0), T.scale_by_adam(epsilon=1e-7), T.scale_by_learning_rate(0.01)))
    preset = O.Adam(0.01, clipvalue=1.0)
    rng = np.random.default_rng(2)
    for _ in range(10):
        for g, h in zip(grads, grads2):
            g[...] = h[...] = rng.standard_normal(g.shape) * 3
        mine.apply_gradients(zip(grads, params))
        preset.apply_gradients(zip(grads2, params2))
    np.testing.assert_allclose(pbuf, pbuf2, rtol=1e-12)
    assert "scale_by_learning_rate/count" in mine.get_state()
    with pytest.raises(TypeError, match="init/update"):
        O.TransformOptimizer(object())
    with pytest.raises(TypeError, match="serializable"):
        mine.get_config()


class _HalfStep:
    """A user's transformation with only init/update (no ``apply``): ``u = -g / 2``."""

    def init(self, params):
        return {}

    def update(self, updates, state, params):
        return [-0.5 * g for g in updates], state


def test_a_user_transformation_without_apply_ends_a_chain():
    w = np.array([1.0, -2.0])
    opt = O.TransformOptimizer(_HalfStep())
    opt.apply_gradients([(np.array([4.0, 2.0]), w)])
    np.testing.assert_array_equal(w, [1.0 - 2.0, -2.0 - 1.0])


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                    {"momentum": 0.5, "dampening": 0.5}])
def test_momentums_fused_apply_is_its_update_then_the_addition(kwargs):
    # The optimizer steps through apply() (BLAS axpby, one or two passes); a chain that goes on
    # after it (weight decay) uses update() and the addition. Same step: bit for bit, except
    # Nesterov's w + mu*v - lr*g, added in two roundings instead of one (to 1 ulp).
    t = T.scale_by_momentum(0.1, **kwargs)
    rng = np.random.default_rng(4)
    fused = rng.standard_normal(1000).astype(np.float32)
    plain = fused.copy()
    s1, s2 = t.init([fused]), t.init([plain])
    for _ in range(20):
        g = rng.standard_normal(1000).astype(np.float32)
        s1 = t.apply([g], s1, [fused])
        (u,), s2 = t.update([g], s2, [plain])
        plain += u
        if kwargs.get("nesterov"):
            # each of the two sums rounds once: at most one ulp of its operands' magnitude
            scale = np.abs(plain - u) + np.abs(u) + np.abs(s1["velocity"][0]) + np.abs(g)
            assert np.all(np.abs(fused - plain) <= 2 * np.finfo(np.float32).eps * scale)
            plain[...] = fused  # keep comparing one step at a time
        else:
            np.testing.assert_array_equal(fused, plain)
    assert s1["count"] == s2["count"] == 20


@pytest.mark.parametrize("cls", ALL)
def test_nonfinite_gradient_skips_the_step(cls):
    pbuf, params, gbuf, grads = _model_buffers()
    opt = cls(learning_rate=0.1)
    _train(opt, params, grads, 2)
    before_p, before_s = pbuf.copy(), opt.get_state()
    for bad in (np.nan, np.inf, -np.inf):
        grads[2][1, 1] = bad
        with pytest.warns(RuntimeWarning, match="non-finite gradient"):
            opt.apply_gradients(zip(grads, params))
        np.testing.assert_array_equal(pbuf, before_p)
        after = opt.get_state()
        assert all(np.array_equal(after[k], before_s[k]) for k in before_s)
    assert opt.iterations == 2 and opt.nonfinite_steps == 3


def test_huge_finite_gradient_is_applied():
    # its square overflows the cheap check (a dot product); the exact test then accepts it
    w = np.zeros(2)
    opt = O.SGD(learning_rate=1e-200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients([(np.array([1e200, 1.0]), w)])
    assert opt.iterations == 1 and w[0] == pytest.approx(-1.0)


def test_schedule_returning_nonfinite_raises_before_any_change():
    w = np.ones(3)
    opt = O.Adam(learning_rate=lambda step: float("nan") if step == 1 else 0.1)
    opt.apply_gradients([(np.ones(3), w)])
    before, state = w.copy(), opt.get_state()
    with pytest.raises(ValueError, match="schedule returned nan at step 1"):
        opt.apply_gradients([(np.ones(3), w)])
    np.testing.assert_array_equal(w, before)
    assert opt.iterations == 1 and all(np.array_equal(opt.get_state()[k], state[k]) for k in state)
    m = O.SGD(0.1, momentum=lambda step: 1.5)
    with pytest.raises(ValueError, match="momentum"):
        m.apply_gradients([(np.ones(3), w)])


def test_mismatched_grads_and_params():
    w = [np.zeros((2, 2)), np.zeros(3)]
    opt = O.Adam()
    with pytest.raises(ValueError, match=r"grads_and_vars.*\(3,\).*\(2, 2\)"):
        opt.apply_gradients([(np.zeros(3), w[0])])
    assert opt.iterations == 0 and opt._transform is None
    opt.apply_gradients(zip([np.ones((2, 2)), np.ones(3)], w))
    before = [x.copy() for x in w]
    with pytest.raises(ValueError, match="grads_and_vars.*same variables"):
        opt.apply_gradients(zip([np.ones((2, 2))], w[:1]))
    with pytest.raises(ValueError, match="grads_and_vars.*same variables"):
        opt.apply_gradients(zip([np.ones(3), np.ones((2, 2))], [w[1], w[0]]))
    with pytest.raises(ValueError, match="grads_and_vars.*does not match"):
        opt.apply_gradients(zip([np.ones((2, 2)), np.ones(4)], w))
    with pytest.raises(TypeError, match="grads_and_vars"):
        opt.apply_gradients(5)
    with pytest.raises(TypeError, match="writeable float NumPy array"):
        opt.apply_gradients([(np.ones(3), [0.0, 0.0, 0.0])])
    with pytest.raises(ValueError, match="pair"):
        opt.apply_gradients([np.ones(3)])
    with pytest.raises(ValueError, match="empty"):
        O.SGD().apply_gradients([])
    for x, y in zip(w, before):
        np.testing.assert_array_equal(x, y)
    assert opt.iterations == 1


def test_set_num_threads_validation():
    with pytest.raises(ValueError, match="`n`"):
        O.set_num_threads(0)
    assert O.get_num_threads() >= 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_threaded_step_in_a_forked_child(monkeypatch):
    # the child must not wait on the parent's worker threads (they do not exist after fork)
    monkeypatch.setattr(Th, "MIN_ELEMENTS_PER_THREAD", 8)
    previous = O.get_num_threads()
    O.set_num_threads(2)
    try:
        pbuf, params, gbuf, grads = _model_buffers()
        opt = O.Adam()
        opt.use_flat_buffers(pbuf, gbuf)
        _train(opt, params, grads, 1)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: one more threaded step, report the iteration count
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                opt.apply_gradients(zip(grads, params))
            os.write(w, str(opt.iterations).encode())
            os._exit(0)
        os.close(w)
        _, status = os.waitpid(pid, 0)
        assert os.read(r, 16) == b"2" and status == 0
    finally:
        O.set_num_threads(previous)


def test_threaded_parts_follow_new_buffers(monkeypatch):
    # the same variables in new (flat) buffers: the per-thread slices must move to them
    monkeypatch.setattr(Th, "MIN_ELEMENTS_PER_THREAD", 8)
    previous = O.get_num_threads()
    O.set_num_threads(2)
    try:
        pbuf, params, gbuf, grads = _model_buffers()
        opt = O.Adam(0.1)
        opt.use_flat_buffers(pbuf, gbuf)
        _train(opt, params, grads, 2)
        old = pbuf.copy()
        pbuf2, params2, gbuf2, grads2 = _model_buffers()
        pbuf2[...] = pbuf
        gbuf2[...] = 1.0
        opt.use_flat_buffers(pbuf2, gbuf2)
        opt.apply_gradients(zip(grads2, params2))
        np.testing.assert_array_equal(pbuf, old)
        assert np.all(pbuf2 != old) and opt._threads.parts is not None
    finally:
        O.set_num_threads(previous)


# ----------------------------------------------------------------------------- tiny epsilon / clip values
@pytest.mark.parametrize("make,name", [
    (lambda: O.Adam(epsilon=1e-50), "epsilon"), (lambda: O.RMSprop(epsilon=1e-40), "epsilon"),
    (lambda: O.Adagrad(epsilon=1e-45), "epsilon"), (lambda: O.SGD(clipvalue=1e-39), "clipvalue"),
    (lambda: O.Adam(clipnorm=1e-60), "clipnorm"), (lambda: O.Adam(global_clipnorm=1e-60), "global_clipnorm"),
])
def test_a_value_below_the_dtypes_smallest_normal_is_refused_at_the_build(make, name):
    # float32's smallest positive normal is 1.18e-38: 1e-50 became 0 in the step and a zero
    # gradient then gave 0 / 0 = NaN weights (issue 13). Refused before anything changes.
    w = np.ones(3, dtype=np.float32)
    opt = make()
    with pytest.raises(ValueError, match=rf"`{name}`.*float32.*1\.18e-38"):
        opt.apply_gradients([(np.zeros(3, dtype=np.float32), w)])
    np.testing.assert_array_equal(w, 1.0)
    assert opt.iterations == 0 and opt._transform is None
    # in float64 (smallest normal 2.2e-308) the same value is a positive number: a zero
    # gradient leaves the weights as they were
    w64 = np.ones(3)
    make().apply_gradients([(np.zeros(3), w64)])
    np.testing.assert_array_equal(w64, 1.0)


def test_the_smallest_normal_itself_is_accepted():
    w = np.ones(3, dtype=np.float32)
    O.Adam(epsilon=float(np.finfo(np.float32).tiny)).apply_gradients([(np.zeros(3, dtype=np.float32), w)])
    np.testing.assert_array_equal(w, 1.0)


# ----------------------------------------------------------------------------- the model's hand-off
def test_a_model_hands_its_flat_buffers_to_the_optimizer():
    # Sequential packs its trainable weights into one buffer and tells the optimizer: the step
    # then runs on the whole buffers, and fit's result equals the per-variable path bit for bit.
    from deepgrad.layers import Dense
    from deepgrad.models import Sequential
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    results = []
    for hand_off in (True, False):
        model = Sequential([Dense(4, input_shape=(3,), activation="tanh"), Dense(2)])
        model.set_weights([np.full(s, 0.1) for s in [(3, 4), (4,), (4, 2), (2,)]])
        opt = O.Adam(0.01)
        if not hand_off:
            opt.use_flat_buffers = lambda params, grads: None  # ignore the hand-off
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
        assert opt._layout.flat == hand_off
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_use_flat_buffers_checks_its_arguments():
    opt = O.SGD()
    with pytest.raises(TypeError, match="`params`"):
        opt.use_flat_buffers(np.ones((2, 2)), np.ones(4))
    with pytest.raises(TypeError, match="`grads`"):
        opt.use_flat_buffers(np.ones(4), [0.0] * 4)
    with pytest.raises(ValueError, match="one shape and dtype"):
        opt.use_flat_buffers(np.ones(4), np.ones(5))
    # buffers that do not hold the stepped arrays are not used: the step runs per variable
    pbuf, params, gbuf, grads = _model_buffers()
    opt.use_flat_buffers(np.ones(pbuf.size), np.ones(pbuf.size))
    _train(opt, params, grads, 1)
    assert not opt._layout.flat


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




@pytest.mark.parametrize("kwargs", [{"use_ema": True, "ema_overwrite_frequency": 2},
                                    {"gradient_accumulation_steps": 2, "use_ema": True}])
@pytest.mark.parametrize("cls", [O.Adam, O.Lion, O.Ftrl])
def test_threaded_slices_with_the_keras_options_agree_bitwise(cls, kwargs, monkeypatch):
    # the wrappers of the whole step (EMA, accumulation) split between threads like the rest
    monkeypatch.setattr(Th, "MIN_ELEMENTS_PER_THREAD", 8)
    results, previous = [], O.get_num_threads()
    try:
        for threads in (1, 3):
            O.set_num_threads(threads)
            pbuf, params, gbuf, grads = _model_buffers()
            opt = cls(learning_rate=0.05, **kwargs)
            opt.use_flat_buffers(pbuf, gbuf)
            _train(opt, params, grads, 5)
            assert (opt._threads.parts is None) == (threads == 1)
            results.append((pbuf.copy(), opt.get_state()))
    finally:
        O.set_num_threads(previous)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for k, v in results[0][1].items():
        np.testing.assert_array_equal(v, results[1][1][k])
