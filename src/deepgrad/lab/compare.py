"""The notes' network experiment: one MLP, every optimizer call of the notes.

The model (as in the notes)::

    Dense(512, relu, input_shape=(784,)) -> Dropout(0.2) -> Dense(512, relu) -> Dropout(0.2)
    -> Dense(10, softmax); loss categorical_crossentropy, metric accuracy, batch_size 128,
    validation_data = the test set

trained on Fashion-MNIST (pixels / 255, flattened to 784; labels one-hot) with each optimizer
of :data:`NOTES_RUNS`. Every run starts from the same seed, so all optimizers start from the
same weights and see the same batches.

:func:`compare` writes into ``out``:

* ``histories/<key>.json`` and ``histories/<key>.csv`` as each run finishes (the History plus
  seconds per epoch; ``resume=True`` skips runs whose JSON is there for the same settings);
* ``curves.png`` / ``curves.svg``: validation loss and accuracy per epoch for all runs;
* ``results.md``: final train/validation loss and accuracy and seconds per epoch.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..io import atomic_write

__all__ = ["NOTES_RUNS", "run_keys", "build_optimizer", "build_model", "load_arrays",
           "train_one", "compare", "results_table", "save_curves"]

#: key -> (optimizer class name, keyword arguments): the notes' calls in the notes' order.
#: ``sgd`` is the notes' ``optimizer='sgd'`` (Keras default learning rate 0.01), ``adam`` the
#: notes' ``optimizer='adam'``; ``lr=`` in the notes is Keras 3's ``learning_rate=``. Adagrad's
#: ``initial_accumulator_value`` is Keras's default 0.1, the notes' "r_k initialized at 0.1".
NOTES_RUNS = {
    "sgd": ("SGD", {"learning_rate": 0.01}),
    "sgd-0.05": ("SGD", {"learning_rate": 0.05}),
    "momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    "nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {"learning_rate": 0.05, "epsilon": 1e-5,
                            "initial_accumulator_value": 0.1}),
    "rmsprop": ("RMSprop", {"learning_rate": 0.05, "rho": 0.9, "epsilon": 1e-7}),
    "adam": ("Adam", {}),
    "adam-0.05": ("Adam", {"learning_rate": 0.05, "beta_1": 0.85, "beta_2": 0.95,
                           "epsilon": 1e-5}),
}


def run_keys() -> list[str]:
    return list(NOTES_RUNS)


def call_string(key: str) -> str:
    """The constructor call of run ``key``, e.g. ``SGD(learning_rate=0.05, momentum=0.9)``."""
    cls, kw = NOTES_RUNS[key]
    return f"{cls}({', '.join(f'{k}={v!r}' for k, v in kw.items())})"


def build_optimizer(key: str):
    from .. import optimizers
    if key not in NOTES_RUNS:
        raise ValueError(f"unknown optimizer run {key!r}; valid runs: {', '.join(NOTES_RUNS)}")
    cls, kw = NOTES_RUNS[key]
    return getattr(optimizers, cls)(**kw)


def build_model():
    """The notes' MLP 784-512-512-10 (669,706 parameters)."""
    from ..layers.core import Dense, Dropout
    from ..models import Sequential
    return Sequential([
        Dense(512, activation="relu", input_shape=(784,)),
        Dropout(0.2),
        Dense(512, activation="relu"),
        Dropout(0.2),
        Dense(10, activation="softmax"),
    ])


@lru_cache(maxsize=2)
def load_arrays(full: bool = False, n_train: int | None = None, n_val: int | None = None):
    """``(x_train, y_train, x_val, y_val)``: float32 pixels / 255 of shape (N, 784) and
    one-hot float32 labels (N, 10). ``full=False``: the embedded subset. ``n_train``/``n_val``
    keep the first rows only (for quick runs)."""
    from ..datasets import fashion_mnist
    from ..utils import to_categorical
    (xt, yt), (xv, yv) = fashion_mnist.load_data(subset=not full)
    xt, yt, xv, yv = xt[:n_train], yt[:n_train], xv[:n_val], yv[:n_val]

    def prep(x):
        return (x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0))

    return (prep(xt), to_categorical(yt, 10).astype(np.float32),
            prep(xv), to_categorical(yv, 10).astype(np.float32))


def _epoch_timer():
    from ..callbacks.base import Callback

    class EpochTimer(Callback):
        """Seconds per epoch (training and validation), and a stop on a non-finite loss."""

        def __init__(self):
            super().__init__()
            self.seconds = []
            self.diverged = False

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._t0)

        def on_train_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                self.diverged = True
                self.model.stop_training = True

    return EpochTimer()


def train_one(task: dict) -> dict:
    """Train the notes' MLP for one run; ``task`` holds ``key, epochs, seed, full, n_train,
    n_val, batch_size``. Returns a JSON-ready result dict (History, seconds per epoch, finals)."""
    from ..utils import set_random_seed
    x, y, xv, yv = load_arrays(task["full"], task["n_train"], task["n_val"])
    set_random_seed(task["seed"])
    model = build_model()
    model.compile(optimizer=build_optimizer(task["key"]), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    timer = _epoch_timer()
    hist = model.fit(x, y, batch_size=task["batch_size"], epochs=task["epochs"], verbose=0,
                     validation_data=(xv, yv), callbacks=[timer])
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    finals = {k: (vals[-1] if vals else None) for k, vals in history.items()}
    diverged = timer.diverged or any(v is not None and not math.isfinite(v)
                                     for v in finals.values())
    return {
        "key": task["key"], "optimizer": call_string(task["key"]), "settings": _settings(task),
        "history": history, "epoch": list(getattr(hist, "epoch", range(len(timer.seconds)))),
        "seconds_per_epoch": timer.seconds, "final": finals, "diverged": diverged,
    }


def _settings(task: dict) -> dict:
    return {k: task[k] for k in ("epochs", "seed", "full", "n_train", "n_val", "batch_size")}


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def _from_json(obj):
    if isinstance(obj, str) and obj in ("nan", "inf", "-inf"):
        return float(obj)
    if isinstance(obj, dict):
        return {k: _from_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_json(v) for v in obj]
    return obj


def write_result(result: dict, out: Path) -> None:
    """``histories/<key>.json`` (everything) and ``.csv`` (one row per epoch), each written
    atomically (:func:`deepgrad.io.atomic_write`: temporary file, fsync, rename). Both texts
    are built before either file is touched, and the JSON, which ``resume`` reads as "this
    run finished", is written last."""
    d = Path(out) / "histories"
    d.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_json_safe(result), indent=1)
    keys = sorted(result["history"])
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["epoch", *keys, "seconds"])
    for i, sec in enumerate(result["seconds_per_epoch"]):
        w.writerow([result["epoch"][i] if i < len(result["epoch"]) else i,
                    *[result["history"][k][i] if i < len(result["history"][k]) else ""
                      for k in keys], f"{sec:.3f}"])
    atomic_write(d / f"{result['key']}.csv", buf.getvalue().encode())
    atomic_write(d / f"{result['key']}.json", text.encode())


def _finished(out: Path, task: dict, progress=lambda line: None):
    """The finished run's result from ``histories/<key>.json``, or None to (re)run it: no file,
    other settings, or a damaged history (unreadable, not a result dict, a field missing or of
    the wrong type), which gets one progress line saying it is rerun."""
    p = Path(out) / "histories" / f"{task['key']}.json"
    if not p.exists():
        return None
    try:
        res = _from_json(json.loads(p.read_text()))
    except (OSError, ValueError):
        res = None
    if not _is_result(res, task["key"]):
        progress(f"[resume] {task['key']}: {p} is damaged, rerun")
        return None
    return res if res["settings"] == _settings(task) else None


def _is_result(res, key) -> bool:
    """The shape :func:`_train_one` writes: what the table, the curves and the CSV read."""
    if not isinstance(res, dict) or res.get("key") != key or not isinstance(res.get("optimizer"), str):
        return False
    history, final, seconds = res.get("history"), res.get("final"), res.get("seconds_per_epoch")
    numbers = (int, float, type(None))
    return (isinstance(res.get("settings"), dict) and isinstance(res.get("diverged"), bool)
            and isinstance(history, dict)
            and all(isinstance(v, list) and all(isinstance(e, numbers) for e in v) for v in history.values())
            and isinstance(final, dict) and all(isinstance(v, numbers) for v in final.values())
            and isinstance(seconds, list) and all(isinstance(v, (int, float)) for v in seconds))


def _fmt(v):
    if v is None:
        return "-"
    if not math.isfinite(v):
        return "nan"
    return f"{v:.4f}"


def results_table(results: list[dict]) -> str:
    """Markdown table: final train/validation loss and accuracy, seconds per epoch."""
    rows = ["| run | optimizer call | train loss | train acc | val loss | val acc | s/epoch | note |",
            "|---|---|---|---|---|---|---|---|"]
    for r in results:
        f = r["final"]
        sec = r["seconds_per_epoch"]
        rows.append(
            f"| {r['key']} | `{r['optimizer']}` | {_fmt(f.get('loss'))} | "
            f"{_fmt(f.get('accuracy'))} | {_fmt(f.get('val_loss'))} | "
            f"{_fmt(f.get('val_accuracy'))} | {np.mean(sec):.2f} | "
            f"{'diverged' if r['diverged'] else ''} |")
    return "\n".join(rows)


def save_curves(results: list[dict], out) -> list[str]:
    """Training (dashed) and validation (solid) loss and accuracy per epoch for every run
    (PNG + SVG). Colours: Okabe-Ito without its yellow (readable on white)."""
    from . import plots as _plots
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator
    fig = _plots.new_figure((13, 5.8))
    a1, a2 = fig.subplots(1, 2)
    for r, st in zip(results, _plots.styles_for([r["key"] for r in results])):
        h = r["history"]
        label = r["key"] + (" (diverged)" if r["diverged"] else "")
        for key, ax in (("loss", a1), ("accuracy", a2)):
            for prefix, ls, lab in (("", "--", "_train"), ("val_", "-", label)):
                ys = h.get(prefix + key, [])
                ax.plot(np.arange(1, len(ys) + 1), ys, color=st["color"], linestyle=ls,
                        marker=st["marker"], markersize=4, label=lab,
                        alpha=0.75 if prefix == "" else 1.0)
    a1.set_yscale("log")
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss (categorical cross-entropy, log scale)")
    a1.set_title("Loss per epoch: training dashed, validation solid")
    a2.set_xlabel("epoch")
    a2.set_ylabel("accuracy")
    a2.set_title("Accuracy per epoch: training dashed, validation solid")
    for a in (a1, a2):
        a.grid(True, alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = a2.get_legend_handles_labels()
    handles += [Line2D([], [], color="0.3", linestyle="--"), Line2D([], [], color="0.3")]
    labels += ["training", "validation"]
    a2.legend(handles, labels, fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.suptitle("The notes' MLP (784-512-512-10, dropout 0.2) on Fashion-MNIST, one run per optimizer")
    return _plots.save_figure(fig, Path(out) / "curves.png")


def check_writable(out) -> Path:
    """Create ``out`` if needed; raise ``PermissionError`` with a clear message if it cannot be written."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise PermissionError(f"cannot write to the output folder {str(out)!r} "
                              f"({e.strerror or e})") from None
    return out


def compare(out, keys=None, epochs: int = 2, full: bool = False, jobs: int = 1,
            scheduler=None, resume: bool = False, seed: int = 0, n_train=None, n_val=None,
            batch_size: int = 128, progress=print) -> list[dict]:
    """Train the notes' MLP with each optimizer run in ``keys`` (default: all of
    :data:`NOTES_RUNS`) and write the outputs listed in the module docstring. Returns the
    result dicts in ``keys`` order."""
    from .._validation import check_int
    from .parallel import run_tasks
    keys = list(NOTES_RUNS) if keys is None else list(keys)
    for k in keys:
        if k not in NOTES_RUNS:
            raise ValueError(f"unknown optimizer run {k!r}; valid runs: {', '.join(NOTES_RUNS)}")
    epochs = check_int(epochs, "epochs", "compare", minimum=1)
    out = check_writable(out)
    tasks = [{"key": k, "epochs": epochs, "seed": seed, "full": full, "n_train": n_train,
              "n_val": n_val, "batch_size": batch_size} for k in keys]
    done = {}
    for t in tasks:
        res = _finished(out, t, progress) if resume else None
        if res is not None:
            done[t["key"]] = res
            progress(f"[resume] {t['key']}: already finished, skipped")
    todo = [t for t in tasks if t["key"] not in done]
    x, _, xv, _ = load_arrays(full, n_train, n_val)
    where = f"scheduler {scheduler}" if scheduler else f"{jobs} job{'s' * (jobs > 1)}"
    progress(f"training {len(todo)} run(s): {epochs} epoch(s) each on {len(x)} training / "
             f"{len(xv)} validation images ({'full' if full else 'embedded subset'}), {where}")
    t0 = time.perf_counter()
    counter = [len(done)]

    def finished(i, res):
        write_result(res, out)
        done[res["key"]] = res
        counter[0] += 1
        f = res["final"]
        progress(f"[{counter[0]}/{len(tasks)}] {res['key']:<10} {res['optimizer']:<58} "
                 f"val_loss {_fmt(f.get('val_loss'))}  val_acc {_fmt(f.get('val_accuracy'))}  "
                 f"{np.mean(res['seconds_per_epoch']):.1f} s/epoch"
                 f"{'  DIVERGED' if res['diverged'] else ''}  ({time.perf_counter() - t0:.0f} s)")

    run_tasks(train_one, todo, jobs=jobs, scheduler=scheduler, on_result=finished)
    results = [done[k] for k in keys]
    atomic_write(out / "results.md", (
        f"Fashion-MNIST ({'full' if full else 'embedded subset'}: {len(x)} train / {len(xv)} "
        f"validation images), {epochs} epoch(s), batch {batch_size}, seed {seed}\n\n"
        + results_table(results) + "\n").encode())
    save_curves(results, out)
    progress(f"wrote {out / 'results.md'}, {out / 'curves.png'} and {out / 'histories'}/")
    return results
