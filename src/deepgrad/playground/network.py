"""The network tab's maths: a deepgrad ``Sequential`` trained by ``fit``, one epoch at a time.

A :class:`NetworkRun` holds the data, the model (and the race's second model, built with the
same initial weights) and what the page draws. Training is ``model.fit(..., epochs=1)``
called once per epoch, so the losses are exactly those of one ``fit(..., epochs=N)`` with the
same seed (``tests/playground/test_network.py`` checks it).

deepgrad's random generator is global (initializers, ``fit``'s shuffling). Several pages may
train at once, each in its own server thread, so every use of it here runs under
:data:`RNG_LOCK` with the run's own generator state swapped in and the caller's restored
after: each run draws the same numbers as a lone program that called
``deepgrad.utils.set_random_seed(seed)``, and the process's own generator is left as it was.
"""

from __future__ import annotations

import contextlib
import math
import threading

import numpy as np

from .. import config, layers, optimizers, regularizers
from ..models import Sequential
from . import datasets, params as _params

__all__ = ["NetworkRun", "RNG_LOCK", "build_model", "model_code", "GRID", "THUMB"]

RNG_LOCK = threading.Lock()
GRID = 48    # heatmap resolution (points per side)
THUMB = 20   # per-unit thumbnail resolution


@contextlib.contextmanager
def seeded(state: dict):
    """Run the block with deepgrad's global generator in ``state`` (updated in place to the
    state after the block); the generator's previous state is restored afterwards."""
    with RNG_LOCK:
        gen = config.rng()
        saved = gen.bit_generator.state
        gen.bit_generator.state = state["rng"]
        try:
            yield
        finally:
            state["rng"] = gen.bit_generator.state
            gen.bit_generator.state = saved


def task(settings: dict) -> str:
    """``"binary"``, ``"multiclass"`` or ``"regression"``."""
    if settings["dataset"] in datasets.REGRESSION:
        return "regression"
    return "binary" if settings["classes"] == 2 else "multiclass"


#: task -> (output activation, loss, metrics)
HEADS = {"binary": ("sigmoid", "binary_crossentropy", ["accuracy"]),
         "multiclass": ("softmax", "sparse_categorical_crossentropy", ["accuracy"]),
         "regression": ("linear", "mean_squared_error", [])}


def learning_rate(spec: dict, settings: dict, steps_per_epoch: int):
    """The optimizer's rate: a float, or a Keras schedule stepped per batch."""
    decay_steps = settings["decay_epochs"] * steps_per_epoch
    if settings["schedule"] == "exponential":
        return optimizers.schedules.ExponentialDecay(spec["lr"], decay_steps, settings["decay"])
    if settings["schedule"] == "cosine":
        return optimizers.schedules.CosineDecay(spec["lr"], decay_steps)
    return spec["lr"]


def build_model(settings: dict) -> Sequential:
    """The (uncompiled) network of ``settings``: the chosen features in, ``layers`` hidden
    Dense layers, one output head. Its weights come from deepgrad's global generator."""
    reg = {"none": None, "l1": regularizers.L1(settings["reg_rate"]),
           "l2": regularizers.L2(settings["reg_rate"])}[settings["regularization"]]
    head, _, _ = HEADS[task(settings)]
    units = settings["classes"] if task(settings) == "multiclass" else 1
    stack = [layers.Input((len(settings["features"]),))]
    stack += [layers.Dense(u, activation=settings["activation"], kernel_regularizer=reg)
              for u in settings["layers"]]
    stack.append(layers.Dense(units, activation=head, kernel_regularizer=reg))
    return Sequential(stack)


def model_code(settings: dict, spec: dict) -> list[str]:
    """The Python lines that build and compile the same model (for the exported script)."""
    reg = {"none": "None", "l1": f"regularizers.L1({settings['reg_rate']!r})",
           "l2": f"regularizers.L2({settings['reg_rate']!r})"}[settings["regularization"]]
    head, loss, metrics = HEADS[task(settings)]
    units = settings["classes"] if task(settings) == "multiclass" else 1
    lines = ["model = deepgrad.Sequential([", f"    layers.Input(({len(settings['features'])},)),"]
    lines += [f"    layers.Dense({u}, activation={settings['activation']!r}, kernel_regularizer={reg}),"
              for u in settings["layers"]]
    lines += [f"    layers.Dense({units}, activation={head!r}, kernel_regularizer={reg}),", "])"]
    cls, fixed, sliders = _params.OPTIMIZERS[spec["name"]]
    kw = ", ".join([f"learning_rate={spec['lr']!r}"] + [f"{k}={v!r}" for k, v in fixed.items()]
                   + [f"{k}={bool(spec[k]) if k == 'nesterov' else spec[k]!r}" for k in sliders])
    lines.append(f"model.compile(optimizer=optimizers.{cls}({kw}), loss={loss!r}, metrics={metrics!r})")
    return lines


class NetworkRun:
    """Data, model(s) and history of one page's run. Not thread-safe: one thread drives it."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.task = task(settings)
        x, y = datasets.make(settings["dataset"], settings["points"], settings["noise"],
                             settings["data_seed"], settings["classes"])
        self.points = datasets.split(x, y, settings["train"])
        xtr, ytr, xte, yte = self.points
        shape = (lambda v: v.astype(np.float32).reshape(-1, 1)) if self.task != "multiclass" else (lambda v: v)
        self.x, self.y = datasets.features(xtr, settings["features"]), shape(ytr)
        self.x_test, self.y_test = datasets.features(xte, settings["features"]), shape(yte)
        self.grid = datasets.features(datasets.grid(GRID), settings["features"])
        thumb = datasets.grid(THUMB)
        self.thumb_grid = datasets.features(thumb, settings["features"])
        self.thumb_inputs = _round(datasets.features(thumb, list(datasets.FEATURES)).T)  # every feature's picture
        self.steps_per_epoch = math.ceil(len(self.x) / settings["batch"])
        self.state = {"rng": np.random.Generator(np.random.PCG64(settings["seed"])).bit_generator.state}
        with seeded(self.state):
            self.models = [build_model(settings)]
        specs = [settings["optimizer"]] + ([settings["race"]] if settings["race"] else [])
        if settings["race"]:
            with seeded({"rng": self.state["rng"]}):  # its draws are overwritten below
                twin = build_model(settings)
            twin.set_weights(self.models[0].get_weights())
            self.models.append(twin)
        self.specs = [None] * len(self.models)
        for i, spec in enumerate(specs):
            self.set_optimizer(i, spec, settings)
        self.epoch = 0
        self.history = [[] for _ in self.models]

    def set_optimizer(self, i: int, spec: dict, settings: dict) -> None:
        """Give model ``i`` the optimizer ``spec``. Only the learning rate changed: set on the
        same object (its moments and step count kept). Otherwise a new optimizer object
        (``compile`` again, as in Keras: fresh state, the weights kept)."""
        model, old = self.models[i], self.specs[i]
        same_rest = old is not None and {k: v for k, v in old.items() if k != "lr"} == \
            {k: v for k, v in spec.items() if k != "lr"} and settings["schedule"] == "constant" \
            and self.settings["schedule"] == "constant"
        if same_rest:
            model.optimizer.learning_rate = spec["lr"]
        else:
            _, loss, metrics = HEADS[self.task]
            opt = _params.build_optimizer(spec, learning_rate(spec, settings, self.steps_per_epoch))
            model.compile(optimizer=opt, loss=loss, metrics=metrics)
        self.specs[i] = dict(spec)

    def change(self, settings: dict) -> None:
        """Apply the optimizer and schedule of ``settings`` mid-run (the race's too)."""
        self.set_optimizer(0, settings["optimizer"], settings)
        if len(self.models) > 1 and settings["race"]:
            self.set_optimizer(1, settings["race"], settings)
        for key in ("optimizer", "race", "schedule", "decay", "decay_epochs"):
            self.settings[key] = settings[key]

    def train_epoch(self) -> list[dict]:
        """One epoch of ``fit`` for each model, from the same generator state (same shuffling
        for the race's two models). Returns each model's History row."""
        rows = []
        start = self.state["rng"]
        for model, hist in zip(self.models, self.history):
            self.state["rng"] = start
            with seeded(self.state), np.errstate(all="ignore"):
                h = model.fit(self.x, self.y, batch_size=self.settings["batch"], epochs=1,
                              verbose=0, shuffle=True, validation_data=(self.x_test, self.y_test))
            row = {k: (v[-1] if math.isfinite(v[-1]) else None) for k, v in h.history.items()}
            row["lr"] = float(model.optimizer.learning_rate)
            row["optimizer"] = self.specs[len(rows)]["name"]
            hist.append(row)
            rows.append(row)
        self.epoch += 1
        return rows

    def diverged(self) -> bool:
        return any(h[-1]["loss"] is None or h[-1].get("val_loss") is None for h in self.history if h)

    def frame(self) -> dict:
        """What the page draws now: the main model's heatmap, unit thumbnails and weights, and in a
        race the racing model's heatmap (``race_heat``), drawn beside the first."""
        model = self.models[0]
        with np.errstate(all="ignore"):
            acts, h = [], self.thumb_grid
            for layer in model.layers[:-1]:
                h = layer.forward(h, training=False)
                acts.append(_round(h.T))
        weights = [{"w": _round(layer.get_weights()[0]), "b": _round(layer.get_weights()[1])}
                   for layer in model.layers]
        frame = {"epoch": self.epoch, "heat": self.heat(model), "units": acts, "weights": weights,
                 "inputs": self.thumb_inputs}
        if len(self.models) > 1:
            frame["race_heat"] = self.heat(self.models[1])
        return frame

    def heat(self, model) -> dict:
        """``model``'s predictions over the heatmap grid: the class and its probability for
        several classes, else the one output (a probability, or the regression value)."""
        with np.errstate(all="ignore"):
            out = model.predict(self.grid, batch_size=len(self.grid), verbose=0)
        if self.task == "multiclass":
            return {"cls": out.argmax(1).tolist(), "p": _round(out.max(1))}
        return {"p": _round(out[:, 0])}

    def describe(self) -> dict:
        """The points and shape of the run, sent once when it starts."""
        xtr, ytr, xte, yte = self.points
        return {"task": self.task, "classes": self.settings["classes"], "grid": GRID, "thumb": THUMB,
                "domain": datasets.DOMAIN, "features": self.settings["features"],
                "layers": self.settings["layers"], "train": _round(np.c_[xtr, ytr]),
                "test": _round(np.c_[xte, yte]), "racers": [s["name"] for s in self.specs],
                "steps_per_epoch": self.steps_per_epoch}


def _round(a, digits=4):
    """A nested list of floats for JSON, non-finite values as None."""
    a = np.round(np.asarray(a, dtype=np.float64), digits)
    return np.where(np.isfinite(a), a, None).tolist()
