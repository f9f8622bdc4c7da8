"""Multi-step trajectories (float64, 60 steps) of every optimizer, pinned two ways:

1. to a literal transcription of Keras 3's update equations (``keras_literal`` below, written
   from the reference file, variable by variable, independent of the library's transforms);
2. to ``torch.optim`` wherever the formulas coincide, through these mappings:
   - SGD (momentum, nesterov), constant rate: torch SGD with the same lr/momentum
     (Keras ``v = -lr * torch_buffer``).
   - Adam/AdamW (amsgrad too): torch with ``eps_t = epsilon / sqrt(1 - beta_2^t)`` set before
     each step (Keras adds epsilon to the uncorrected root). Keras ``weight_decay`` = torch AdamW.
   - Adagrad, RMSprop, Adamax: Keras keeps epsilon inside the root (Adamax: beside ``u``),
     torch outside; with torch ``eps=0`` and Keras ``epsilon=1e-300`` both are exactly the
     epsilon-free rule (``a + 1e-300 == a`` in float64 for the accumulators here).
     RMSprop keeps the rate inside its momentum buffer (torch outside): equal at a constant rate.
   - Nadam: torch NAdam with ``momentum_decay=1.0`` (0.96^t); float64 default dtype makes
     torch's ``mu_product`` float64.
   - Adadelta: identical rules.
   - Schedules: torch's ``lr`` set to the schedule's value before each step.
   Gradients are a fixed random sequence (independent of the weights), so differences are pure
   rounding and cannot be amplified by the dynamics.
"""

import math

import numpy as np
import pytest
import torch

from deepgrad import optimizers as O
from deepgrad.optimizers import schedules as S

STEPS = 60
SHAPES = [(3, 4), (5,)]


def _close(a, b):
    """Relative tolerance 1e-10 elementwise (atol 1e-13 of the largest entry for zeros)."""
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13 * max(np.abs(b).max(), 1e-300))


def _flat_params(values):
    """Views into one buffer, as a model holds them."""
    buf = np.concatenate([v.ravel() for v in values])
    out, i = [], 0
    for v in values:
        out.append(buf[i:i + v.size].reshape(v.shape))
        i += v.size
    return buf, out


def _grad_sequence(seed, scale):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * scale for s in SHAPES] for _ in range(STEPS)]


def _w0(seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


# ----------------------------------------------------------------------------- transcription
def keras_literal(name, hp, ws, grads, lr_of, clip=None, weight_decay=None):
    """Keras 3's equations, literally (reference file §1), one variable at a time."""
    ws = [w.copy() for w in ws]
    n = len(ws)
    z = lambda: [np.zeros_like(w) for w in ws]  # noqa: E731
    a = [np.full_like(w, hp.get("initial_accumulator_value", 0.1)) for w in ws]
    m, v, vh, mom, gbar = z(), z(), z(), z(), z()
    u_product = 1.0
    traj = []
    for it, gs in enumerate(grads):
        gs = [g.copy() for g in gs]
        lr = lr_of(it)
        t = it + 1
        if clip is not None:
            kind, c = clip
            if kind == "value":
                gs = [np.clip(g, -c, c) for g in gs]
            elif kind == "norm":
                gs = [g * c / max(np.sqrt(np.sum(g * g)), c) for g in gs]
            else:
                N = np.sqrt(sum(np.sum(g * g) for g in gs))
                gs = [g * c * min(1 / N, 1 / c) for g in gs]
        if weight_decay:
            ws = [w - w * weight_decay * lr for w in ws]
        if name == "nadam":
            b1 = hp.get("beta_1", 0.9)
            u_t = b1 * (1 - 0.5 * 0.96 ** t)
            u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            u_product_t = u_product * u_t
            u_product = u_product_t
        for i in range(n):
            g, w = gs[i], ws[i]
            if name == "sgd":
                mu, d = hp.get("momentum", 0.0), hp.get("dampening", 0.0)
                if callable(mu):
                    mu = mu(it)
                if mu == 0 and not callable(hp.get("momentum")):
                    w = w - g * lr
                else:
                    m[i] = mu * m[i] - (1 - d) * lr * g
                    w = w + (mu * m[i] - (1 - d) * lr * g if hp.get("nesterov") else m[i])
            elif name == "adagrad":
                a[i] = a[i] + g ** 2
                w = w - lr * g / np.sqrt(a[i] + hp["epsilon"])
            elif name == "rmsprop":
                rho = hp.get("rho", 0.9)
                v[i] = rho * v[i] + (1 - rho) * g ** 2
                if hp.get("centered"):
                    gbar[i] = rho * gbar[i] + (1 - rho) * g
                    D = v[i] - gbar[i] ** 2 + hp["epsilon"]
                else:
                    D = v[i] + hp["epsilon"]
                delta = lr * g / np.sqrt(D)
                if hp.get("momentum", 0) > 0:
                    mom[i] = hp["momentum"] * mom[i] + delta
                    w = w - mom[i]
                else:
                    w = w - delta
            elif name in ("adam", "adamw"):
                b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999)
                m[i] = m[i] + (g - m[i]) * (1 - b1)
                v[i] = v[i] + (g ** 2 - v[i]) * (1 - b2)
                alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                if hp.get("amsgrad"):
                    vh[i] = np.maximum(vh[i], v[i])
                    w = w - alpha * m[i] / (np.sqrt(vh[i]) + hp["epsilon"])
                else:
                    w = w - alpha * m[i] / (np.sqrt(v[i]) + hp["epsilon"])
            elif name == "nadam":
                b2 = hp.get("beta_2", 0.999)
                m[i] = m[i] + (g - m[i]) * (1 - b1)
                v[i] = v[i] + (g ** 2 - v[i]) * (1 - b2)
                m_hat = u_t1 * m[i] / (1 - u_product_t * u_t1) + (1 - u_t) * g / (1 - u_product_t)
                v_hat = v[i] / (1 - b2 ** t)
                w = w - lr * m_hat / (np.sqrt(v_hat) + hp["epsilon"])
            elif name == "adamax":
                b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999)
                m[i] = m[i] + (g - m[i]) * (1 - b1)
                v[i] = np.maximum(b2 * v[i], np.abs(g))
                w = w - lr * m[i] / ((1 - b1 ** t) * (v[i] + hp["epsilon"]))
            elif name == "adadelta":
                rho, eps = hp.get("rho", 0.95), hp["epsilon"]
                v[i] = rho * v[i] + (1 - rho) * g ** 2
                delta = np.sqrt(mom[i] + eps) / np.sqrt(v[i] + eps) * g
                mom[i] = rho * mom[i] + (1 - rho) * delta ** 2
                w = w - lr * delta
            ws[i] = w
        traj.append([w.copy() for w in ws])
    return traj


CLASSES = {"sgd": O.SGD, "adagrad": O.Adagrad, "rmsprop": O.RMSprop, "adam": O.Adam, "adamw": O.AdamW,
           "nadam": O.Nadam, "adamax": O.Adamax, "adadelta": O.Adadelta}


def deepgrad_run(name, hp, ws, grads, learning_rate, flat=True, **kwargs):
    buf, params = _flat_params(ws) if flat else (None, [w.copy() for w in ws])
    gbuf, gviews = _flat_params([np.zeros(s) for s in SHAPES])
    opt = CLASSES[name](learning_rate=learning_rate, **{**hp, **kwargs})
    traj = []
    for gs in grads:
        for gv, g in zip(gviews, gs):
            gv[...] = g
        opt.apply_gradients(zip(gviews, params))
        traj.append([p.copy() for p in params])
    assert opt.iterations == len(grads)
    return traj, opt


# ----------------------------------------------------------------------------- regimes
HP = {
    "sgd": [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}, {"momentum": 0.5, "dampening": 0.5}],
    "adagrad": [{"epsilon": 1e-7}, {"initial_accumulator_value": 0.5, "epsilon": 1e-3}],
    "rmsprop": [{"epsilon": 1e-7}, {"momentum": 0.9, "epsilon": 1e-7},
                {"centered": True, "rho": 0.8, "epsilon": 1e-7}],
    "adam": [{"epsilon": 1e-7}, {"amsgrad": True, "epsilon": 1e-7}, {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}],
    "adamw": [{"epsilon": 1e-7}, {"amsgrad": True, "epsilon": 1e-7, "weight_decay": 0.1}],
    "nadam": [{"epsilon": 1e-7}, {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-7}],
    "adamax": [{"epsilon": 1e-7}, {"beta_1": 0.5, "epsilon": 1e-3}],
    "adadelta": [{"epsilon": 1e-7}, {"rho": 0.5, "epsilon": 1e-6}],
}
REGIMES = {  # name: (learning rate, gradient scale, extra optimizer kwargs)
    "default": (0.01, 1.0, {}),
    "large_lr": (1.5, 1.0, {}),
    "tiny_grads": (0.01, 1e-6, {}),
    "clipvalue": (0.05, 3.0, {"clipvalue": 0.5}),
    "clipnorm": (0.05, 3.0, {"clipnorm": 1.0}),
    "global_clipnorm": (0.05, 3.0, {"global_clipnorm": 2.0}),
    "weight_decay": (0.1, 1.0, {"weight_decay": 0.05}),
}
SCHEDULES = {
    "exponential": lambda: S.ExponentialDecay(0.1, 7, 0.5, staircase=False),
    "exponential_staircase": lambda: S.ExponentialDecay(0.1, 7, 0.5, staircase=True),
    "inverse_time": lambda: S.InverseTimeDecay(0.1, 1, 0.05),
    "piecewise": lambda: S.PiecewiseConstantDecay([10, 30], [0.1, 0.03, 0.001]),
    "polynomial": lambda: S.PolynomialDecay(0.1, 40, end_learning_rate=0.001, power=2.0),
    "polynomial_cycle": lambda: S.PolynomialDecay(0.1, 25, power=0.5, cycle=True),
    "cosine_warmup": lambda: S.CosineDecay(0.01, 30, alpha=0.1, warmup_target=0.1, warmup_steps=10),
    "cosine_restarts": lambda: S.CosineDecayRestarts(0.1, 8, t_mul=2.0, m_mul=0.8, alpha=0.05),
    "callable": lambda: (lambda step: 0.1 / (1 + step) ** 0.5),
}

CASES = [(n, i) for n in HP for i in range(len(HP[n]))]


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("name,i", CASES)
def test_trajectory_matches_keras_transcription(name, i, regime):
    lr, scale, extra = REGIMES[regime]
    hp = dict(HP[name][i])
    grads = _grad_sequence(7, scale)
    wd = extra.get("weight_decay", hp.get("weight_decay", 0.004 if name == "adamw" else None))
    clip = next(((k.replace("clip", "") or "norm", v) for k, v in extra.items() if "clip" in k), None)
    clip = None if clip is None else ({"value": "value", "norm": "norm", "global_norm": "global"}[clip[0]], clip[1])
    ours, _ = deepgrad_run(name, hp, _w0(), grads, lr, **extra)
    ref = keras_literal(name, hp, _w0(), grads, lambda it: lr, clip=clip, weight_decay=wd)
    for a, b in zip(ours, ref):
        for x, y in zip(a, b):
            _close(x, y)
    # the per-variable (non-flat) path gives the same trajectory
    separate, _ = deepgrad_run(name, hp, _w0(), grads, lr, flat=False, **extra)
    for x, y in zip(separate[-1], ours[-1]):
        _close(x, y)


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("name,i", CASES)
def test_trajectory_with_schedule_matches_keras_transcription(name, i, schedule):
    hp = dict(HP[name][i])
    grads = _grad_sequence(3, 1.0)
    sched = SCHEDULES[schedule]()
    wd = hp.get("weight_decay", 0.004 if name == "adamw" else None)
    ours, opt = deepgrad_run(name, hp, _w0(), grads, sched)
    ref = keras_literal(name, hp, _w0(), grads, lambda it: float(sched(it)), weight_decay=wd)
    for x, y in zip(ours[-1], ref[-1]):
        _close(x, y)
    assert opt.learning_rate == pytest.approx(float(sched(STEPS)), rel=1e-15)


# ----------------------------------------------------------------------------- torch parity
def _torch_run(make, ws, grads, per_step=None, clipvalue=None):
    torch.set_default_dtype(torch.float64)
    try:
        params = [torch.nn.Parameter(torch.tensor(w)) for w in ws]
        opt = make(params)
        traj = []
        for it, gs in enumerate(grads):
            for p, g in zip(params, gs):
                p.grad = torch.tensor(g)
            if clipvalue is not None:
                torch.nn.utils.clip_grad_value_(params, clipvalue)
            if per_step is not None:
                per_step(opt.param_groups[0], it)
            opt.step()
            traj.append([p.detach().numpy().copy() for p in params])
        return traj
    finally:
        torch.set_default_dtype(torch.float32)


def _adam_eps(eps, b2):
    """Keras's epsilon on the uncorrected root = torch's eps / sqrt(1 - beta_2^t)."""
    def per_step(group, it):
        group["eps"] = eps / math.sqrt(1 - b2 ** (it + 1))
    return per_step


def _chain(*fs):
    def per_step(group, it):
        for f in fs:
            if f is not None:
                f(group, it)
    return per_step


TORCH = {  # (deepgrad name, hp, torch factory(params, lr), per-step hook or None)
    "sgd": ("sgd", {}, lambda p, lr: torch.optim.SGD(p, lr=lr), None),
    "sgd_momentum": ("sgd", {"momentum": 0.9}, lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9), None),
    "sgd_nesterov": ("sgd", {"momentum": 0.9, "nesterov": True},
                     lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True), None),
    "adagrad": ("adagrad", {"epsilon": 1e-300, "initial_accumulator_value": 0.1},
                lambda p, lr: torch.optim.Adagrad(p, lr=lr, initial_accumulator_value=0.1, eps=0.0), None),
    "rmsprop": ("rmsprop", {"epsilon": 1e-300, "rho": 0.9},
                lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=0.0), None),
    "rmsprop_momentum_centered": ("rmsprop", {"epsilon": 1e-300, "rho": 0.8, "momentum": 0.7, "centered": True},
                                  lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.8, eps=0.0, momentum=0.7,
                                                                    centered=True), None),
    "adam": ("adam", {"epsilon": 1e-7}, lambda p, lr: torch.optim.Adam(p, lr=lr), _adam_eps(1e-7, 0.999)),
    "adam_amsgrad": ("adam", {"epsilon": 1e-7, "amsgrad": True, "beta_1": 0.8, "beta_2": 0.99},
                     lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.8, 0.99), amsgrad=True), _adam_eps(1e-7, 0.99)),
    "adam_weight_decay": ("adam", {"epsilon": 1e-7, "weight_decay": 0.1},
                          lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.1), _adam_eps(1e-7, 0.999)),
    "adamw": ("adamw", {"epsilon": 1e-7}, lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.004),
              _adam_eps(1e-7, 0.999)),
    "nadam": ("nadam", {"epsilon": 1e-7}, lambda p, lr: torch.optim.NAdam(p, lr=lr, eps=1e-7, momentum_decay=1.0),
              None),
    "adamax": ("adamax", {"epsilon": 1e-300}, lambda p, lr: torch.optim.Adamax(p, lr=lr, eps=0.0), None),
    "adadelta": ("adadelta", {"epsilon": 1e-6, "rho": 0.9},
                 lambda p, lr: torch.optim.Adadelta(p, lr=lr, rho=0.9, eps=1e-6), None),
}
TORCH_REGIMES = ["default", "large_lr", "tiny_grads", "clipvalue"]
# the rate sits inside Keras's momentum buffers and outside torch's: they agree only at a constant rate
CONSTANT_RATE_ONLY = {"sgd_momentum", "sgd_nesterov", "rmsprop_momentum_centered"}


@pytest.mark.parametrize("regime", TORCH_REGIMES)
@pytest.mark.parametrize("case", list(TORCH))
def test_trajectory_matches_torch(case, regime):
    name, hp, make, hook = TORCH[case]
    lr, scale, extra = REGIMES[regime]
    grads = _grad_sequence(11, scale)
    ours, _ = deepgrad_run(name, hp, _w0(), grads, lr, **extra)
    ref = _torch_run(lambda p: make(p, lr), _w0(), grads, per_step=hook, clipvalue=extra.get("clipvalue"))
    for a, b in zip(ours, ref):
        for x, y in zip(a, b):
            _close(x, y)


@pytest.mark.parametrize("schedule", ["exponential_staircase", "inverse_time", "piecewise", "cosine_warmup",
                                      "cosine_restarts", "polynomial"])
@pytest.mark.parametrize("case", [c for c in TORCH if c not in CONSTANT_RATE_ONLY])
def test_trajectory_with_schedule_matches_torch(case, schedule):
    name, hp, make, hook = TORCH[case]
    sched = SCHEDULES[schedule]()
    grads = _grad_sequence(5, 1.0)
    ours, _ = deepgrad_run(name, hp, _w0(), grads, sched)

    def set_lr(group, it):
        group["lr"] = float(sched(it))
    ref = _torch_run(lambda p: make(p, 0.0), _w0(), grads, per_step=_chain(set_lr, hook))
    for x, y in zip(ours[-1], ref[-1]):
        _close(x, y)


def test_keras_and_torch_momentum_differ_under_a_changing_rate():
    # reference §1: eta halved each step, 6 steps, from w=0 with g=1: Keras -0.808, torch -0.346
    # (numbers recomputed here: Keras v_t = 0.9 v - eta_t; torch b_t = 0.9 b + 1, w -= eta_t b_t).
    sched = lambda step: 0.5 ** step * 0.1  # noqa: E731
    opt = O.SGD(sched, momentum=0.9)
    w = np.zeros(1)
    for _ in range(6):
        opt.apply_gradients([(np.ones(1), w)])
    v, keras_w, b, torch_w = 0.0, 0.0, 0.0, 0.0
    for t in range(6):
        v = 0.9 * v - sched(t)
        keras_w += v
        b = 0.9 * b + 1.0
        torch_w -= sched(t) * b
    assert w[0] == pytest.approx(keras_w, rel=1e-12)
    assert abs(keras_w - torch_w) > 0.1
