"""The page's settings, parsed and checked: the same ``key=value`` pairs as the page's URL.

A hand-edited URL reaches the server as it is; every value is checked here against
:data:`OPTIMIZERS` and the limits below, and a bad one raises :class:`SettingError` whose
message names the setting, what is allowed and what came. The page shows that message.

The optimizers are deepgrad's own classes (``deepgrad.optimizers``), built by
:func:`build_optimizer`; the playground has no optimizer code of its own.
"""

from __future__ import annotations

import math

from . import datasets

__all__ = ["SettingError", "OPTIMIZERS", "LIMITS", "optimizer_spec", "build_optimizer",
           "surface_settings", "network_settings"]


class SettingError(ValueError):
    """A setting the page (or a hand-edited URL) sent is unknown or out of range."""


#: preset -> (class name, fixed keyword arguments, {slider: (low, high, default, log scale)})
OPTIMIZERS = {
    "sgd": ("SGD", {}, {}),
    "momentum": ("SGD", {}, {"momentum": (0.0, 0.99, 0.9, False), "nesterov": (0, 1, 0, False)}),
    "nesterov": ("SGD", {"nesterov": True}, {"momentum": (0.0, 0.99, 0.9, False)}),
    "adagrad": ("Adagrad", {}, {"initial_accumulator_value": (0.0, 1.0, 0.0, False),
                                "epsilon": (1e-10, 1e-1, 1e-8, True)}),
    "rmsprop": ("RMSprop", {}, {"rho": (0.0, 0.999, 0.9, False), "epsilon": (1e-10, 1e-1, 1e-8, True)}),
    "adam": ("Adam", {}, {"beta_1": (0.0, 0.999, 0.9, False), "beta_2": (0.0, 0.9999, 0.999, False),
                          "epsilon": (1e-10, 1e-1, 1e-8, True)}),
}
LR_RANGE = (1e-5, 10.0)

LIMITS = {
    "steps": (0, 2000), "grid": (10, 200), "points": (20, 2000), "layers": 6, "units": (1, 8),
    "noise": (0, 50), "train": (10, 90), "batch": (1, 2000), "seed": (0, 2**31 - 1),
    "classes": (2, 5), "epochs": (0, 100000), "reg_rate": (0.0, 1.0), "decay": (0.01, 1.0), "decay_epochs": (1, 10000),
}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
SCHEDULES = ("constant", "exponential", "cosine")
REGULARIZATIONS = ("none", "l1", "l2")


def _number(params, key, low, high, default, kind=float, where=""):
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw) if kind is float else int(str(raw), 10)
    except (TypeError, ValueError):
        raise SettingError(f"{where}{key} must be {'an integer' if kind is int else 'a number'} "
                           f"from {low:g} to {high:g}, got {raw!r}") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise SettingError(f"{where}{key} must be from {low:g} to {high:g}, got {raw!r}")
    return value


def _choice(params, key, allowed, default):
    value = params.get(key) or default
    if value not in allowed:
        raise SettingError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _no_unknown(params, known):
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise SettingError(f"unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(known))}")


def optimizer_keys(prefix: str) -> set:
    """Every key an optimizer spec may use under ``prefix`` (``"adam."`` or ``""``)."""
    keys = {"lr"} | {k for *_, sliders in OPTIMIZERS.values() for k in sliders}
    return {prefix + k for k in keys}


def optimizer_spec(name, params, prefix="", default_lr=0.01) -> dict:
    """``{"name", "lr", hyperparameters...}`` for preset ``name`` from ``params[prefix + key]``."""
    if name not in OPTIMIZERS:
        raise SettingError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    spec = {"name": name, "lr": _number(params, prefix + "lr", *LR_RANGE, default_lr)}
    for key, (low, high, default, _log) in OPTIMIZERS[name][2].items():
        spec[key] = _number(params, prefix + key, low, high, default)
    return spec


def build_optimizer(spec: dict, learning_rate=None):
    """The deepgrad optimizer object of ``spec``; ``learning_rate`` (a schedule) replaces ``spec["lr"]``."""
    from .. import optimizers
    cls_name, fixed, sliders = OPTIMIZERS[spec["name"]]
    kwargs = dict(fixed)
    for key in sliders:
        kwargs[key] = bool(spec[key]) if key == "nesterov" else spec[key]
    lr = spec["lr"] if learning_rate is None else learning_rate
    return getattr(optimizers, cls_name)(learning_rate=lr, **kwargs)


def surface_settings(params: dict, problem_names) -> dict:
    """The error-surface tab: ``problem``, ``steps``, ``start=x,y``, ``batch``, ``optimizers=a,b``
    and per optimizer ``NAME.lr``, ``NAME.momentum``, ... (unknown keys refused)."""
    known = {"tab", "problem", "steps", "start", "batch", "optimizers", "step"}
    for name in OPTIMIZERS:
        known |= optimizer_keys(name + ".")
    _no_unknown(params, known)
    problem = _choice(params, "problem", list(problem_names), "rosenbrock")
    names = [s for s in (params.get("optimizers") or "sgd,momentum,adam").split(",") if s]
    for n in names:
        if n not in OPTIMIZERS:
            raise SettingError(f"optimizers: unknown optimizer {n!r}; known: {', '.join(OPTIMIZERS)}")
    if len(set(names)) != len(names):
        raise SettingError(f"optimizers: each optimizer at most once, got {params['optimizers']!r}")
    start = None
    if params.get("start"):
        parts = params["start"].split(",")
        try:
            start = tuple(float(p) for p in parts)
        except ValueError:
            start = ()
        if len(start) != 2 or not all(math.isfinite(v) and abs(v) <= 1e3 for v in start):
            raise SettingError(f"start must be two numbers x,y within +-1000, got {params['start']!r}")
    return {"problem": problem, "steps": _number(params, "steps", *LIMITS["steps"], 200, int),
            "start": start, "batch": _number(params, "batch", 1, 1000, None, int),
            "optimizers": [optimizer_spec(n, params, n + ".") for n in names]}


NETWORK_KEYS = {"tab", "dataset", "classes", "noise", "train", "points", "data_seed", "features",
                "layers", "activation", "regularization", "reg_rate", "batch", "optimizer",
                "schedule", "decay", "decay_epochs", "race", "race_lr", "seed", "show_test",
                "epochs"} | optimizer_keys("")


def network_settings(params: dict) -> dict:
    """The network tab's settings (see ``docs/playground.md`` for each key); unknown keys refused."""
    _no_unknown(params, NETWORK_KEYS)
    s = {"dataset": _choice(params, "dataset", datasets.DATASETS, "circle")}
    s["classes"] = _number(params, "classes", *LIMITS["classes"], 2, int)
    if s["classes"] != 2 and s["dataset"] not in ("gauss", "spiral"):
        raise SettingError(f"classes must be 2 for {s['dataset']} (gauss and spiral take 2 to 5), "
                           f"got {s['classes']}")
    for key, default in (("noise", 0), ("train", 50), ("points", 500), ("seed", 0)):
        s[key] = _number(params, key, *LIMITS[key], default, int)
    s["data_seed"] = _number(params, "data_seed", *LIMITS["seed"], 1, int)
    feats = [f for f in (params.get("features") or "x1,x2").split(",") if f]
    bad = [f for f in feats if f not in datasets.FEATURES]
    if bad or not feats or len(set(feats)) != len(feats):
        raise SettingError(f"features must be distinct names from {', '.join(datasets.FEATURES)}, "
                           f"got {params.get('features')!r}")
    s["features"] = feats
    layers_raw = params.get("layers", "4,2")
    parts = [p for p in layers_raw.split(",") if p != ""]
    if len(parts) > LIMITS["layers"]:
        raise SettingError(f"layers: at most {LIMITS['layers']} hidden layers, got {len(parts)}")
    s["layers"] = [_number({"units": p}, "units", *LIMITS["units"], 1, int, where=f"layers[{i}]: ")
                   for i, p in enumerate(parts)]
    s["activation"] = _choice(params, "activation", ACTIVATIONS, "tanh")
    s["regularization"] = _choice(params, "regularization", REGULARIZATIONS, "none")
    s["reg_rate"] = _number(params, "reg_rate", *LIMITS["reg_rate"], 0.001)
    n_train = len(datasets.split(range(s["points"]), range(s["points"]), s["train"])[0])
    s["batch"] = _number(params, "batch", 1, n_train, min(10, n_train), int)
    s["optimizer"] = optimizer_spec(_choice(params, "optimizer", list(OPTIMIZERS), "sgd"), params,
                                    default_lr=0.03)
    s["schedule"] = _choice(params, "schedule", SCHEDULES, "constant")
    s["decay"] = _number(params, "decay", *LIMITS["decay"], 0.5)
    s["decay_epochs"] = _number(params, "decay_epochs", *LIMITS["decay_epochs"], 100, int)
    race = params.get("race") or "none"
    if race != "none" and race not in OPTIMIZERS:
        raise SettingError(f"race must be none or one of {', '.join(OPTIMIZERS)}, got {race!r}")
    s["race"] = None if race == "none" else optimizer_spec(
        race, {"race_lr": params.get("race_lr")}, "race_", default_lr=s["optimizer"]["lr"])
    s["show_test"] = params.get("show_test", "0") in ("1", "true")
    s["epochs"] = _number(params, "epochs", 0, 100000, 0, int)  # pause there (0: never)
    return s
