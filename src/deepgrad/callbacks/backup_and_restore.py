"""``BackupAndRestore``: resume an interrupted ``fit`` exactly where it stopped.

A backup is a ``.deepgrad`` model file (see :mod:`deepgrad.models.saving`) with two extra
members: ``training.json`` (epoch, batches done, running loss sum, the global random
generator's state, the History so far) and ``training.safetensors`` (the epoch's shuffling
order). It is written atomically, so a kill at any moment (SIGKILL, power cut) leaves the
previous complete backup.

Exactness: with the same program and seed, a run killed at any point and started again ends
with weights bit-for-bit identical to a run never interrupted. The restore puts back the
weights, the optimizer's slots and step count, every seeded layer's generator (``Dropout(seed=)``,
also inside wrappers such as ``TimeDistributed``) and the global generator (dropout masks,
shuffling), and ``fit`` continues the epoch from the next batch with the same permutation.
The training *metrics'* running state for the interrupted epoch is not saved (the epoch loss
is: the sum and count of the batch losses).

A backup belongs to its data: resuming with a different number of training samples raises
``ValueError`` before the model is touched (deepgrad refuses rather than restarting the epoch
as Keras does, since the saved permutation and epoch loss would be meaningless); delete the
backup folder to start over.
"""

from __future__ import annotations

import json
import math
import numbers
import os

import numpy as np

from .. import config
from .._validation import check_bool, check_int
from ..models import saving
from .base import Callback

BACKUP_NAME = "backup.deepgrad"


class BackupAndRestore(Callback):
    """Back up the training state regularly; on the next ``fit``, restore it and continue.

    Args:
        backup_dir: folder for the backup file (``backup_dir/backup.deepgrad``), created if missing.
            Use one folder per training job.
        save_freq: ``"epoch"`` (default: at the end of each epoch) or an int ``n``: every ``n``
            batches (a backup falling on an epoch's last batch is taken at that epoch's end,
            after validation, instead).
        delete_checkpoint: delete the backup when ``fit`` finishes (default True, as Keras).

    ``on_train_begin``: if a backup exists, the model must be the same architecture, compiled
    the same way; its state is restored, ``model.history`` gets the finished epochs back, and
    ``fit`` resumes. A backup that does not fit raises :class:`~deepgrad.models.ModelFileError`.
    Keras's ``double_checkpoint`` is unnecessary here: every write is atomic.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        where = "BackupAndRestore"
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(f"{where}: `backup_dir` must be a non-empty path, got {backup_dir!r}.")
        if save_freq != "epoch":
            if isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral):
                # a ValueError for any value that is neither 'epoch' nor an int, as Keras 3
                raise ValueError(f"{where}: `save_freq` must be 'epoch' or an int >= 1, got "
                                 f"{type(save_freq).__name__} {save_freq!r}.")
            check_int(save_freq, "save_freq", where, minimum=1)
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint", where)
        self.path = os.path.join(self.backup_dir, BACKUP_NAME)
        self._batches_since_save = 0
        self._save_at_epoch_end = False

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        if self.save_freq != "epoch" and self.params.get("samples") is None:
            raise ValueError(f"BackupAndRestore: `save_freq`={self.save_freq} backs up in the middle of an "
                             f"epoch, which needs array data; with an iterable of batches use "
                             f"save_freq='epoch' (training resumes at the start of the interrupted epoch).")
        os.makedirs(self.backup_dir, exist_ok=True)
        self._batches_since_save = 0
        self._save_at_epoch_end = False
        if os.path.exists(self.path):
            self._restore()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save < self.save_freq:
            return
        self._batches_since_save = 0
        progress = self.model.fit_progress  # the model's public hand-off
        if progress["batch"] >= self.params.get("steps", 0) or self.model.stop_training:
            self._save_at_epoch_end = True  # the epoch's end (after validation) is the next safe point
            return
        self._save(progress, progress["order"])

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" or self._save_at_epoch_end:
            self._save_at_epoch_end = False
            order = self.model.fit_progress["order"]
            boundary = {"epoch": epoch + 1, "batch": 0, "seen": 0, "loss_sum": 0.0,
                        "shuffle": order is not None, "n": None if order is None else int(len(order))}
            self._save(boundary, None, closing=(epoch, logs or {}))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)

    # ------------------------------------------------------------------ backup
    def _save(self, progress, order, closing=None):
        """Back up the training state; ``closing=(epoch, logs)`` adds the epoch being closed to the
        saved History (History records it after the user's callbacks, as in Keras)."""
        history = self.model.history
        epochs = list(history.epoch) if history is not None else []
        records = {k: list(v) for k, v in history.history.items()} if history is not None else {}
        if closing is not None and closing[0] not in epochs:
            epochs.append(closing[0])
            for k, v in sorted(closing[1].items()):
                records.setdefault(k, []).append(v)
        state = {
            "epoch": int(progress["epoch"]), "batch": int(progress["batch"]),
            "seen": int(progress["seen"]), "loss_sum": float(progress["loss_sum"]),
            "shuffle": bool(progress.get("shuffle", order is not None)),
            "n": progress.get("n", None if order is None else int(len(order))),
            "rng_state": config.rng().bit_generator.state,
            "history": {"epoch": epochs, "history": records},
        }
        extra = {saving.TRAINING_JSON: json.dumps(state, default=_jsonable).encode("utf-8")}
        if order is not None:
            extra[saving.TRAINING_TENSORS] = saving.tensors_to_bytes(
                {"order": np.asarray(order, dtype=np.int64)}, {"format": "deepgrad.training"})
        saving.write_archive(self.path, self.model, include_optimizer=True, extra=extra, compile_config=False)

    def _restore(self):
        where = "BackupAndRestore"
        what = f"{where}: {self.path!r}"
        members = saving.read_archive(self.path, where=where)
        if saving.TRAINING_JSON not in members:
            raise saving.ModelFileError(f"{what} is a model file, not a training backup.")
        state = saving.parse_json(members[saving.TRAINING_JSON], f"{what}: {saving.TRAINING_JSON}")
        _check_state(state, what)
        model = self.model
        tensors, _ = saving.parse_safetensors(members[saving.WEIGHTS], f"{what}: {saving.WEIGHTS}")
        arrays = saving.check_weights(model, tensors, what)
        samples = self.params.get("samples")
        if samples is not None and samples != state["n"]:  # before anything changes
            raise ValueError(f"{what} was made for {state['n']} training samples, this fit has {samples}: "
                             f"delete the backup to start over with the new data.")
        steps, epochs = self.params.get("steps"), self.params.get("epochs")
        if (steps is not None and state["batch"] > steps) or (epochs is not None and state["epoch"] > epochs):
            raise ValueError(f"{what} stopped at epoch {state['epoch']}, batch {state['batch']}, beyond this "
                             f"fit's {epochs} epochs of {steps} batches: it was made for another fit "
                             f"(delete it to start over).")
        order = None
        if saving.TRAINING_TENSORS in members:
            t, _ = saving.parse_safetensors(members[saving.TRAINING_TENSORS], f"{what}: {saving.TRAINING_TENSORS}")
            order = t.get("order")
            if order is None or order.ndim != 1 or order.dtype != np.int64:
                raise saving.ModelFileError(f"{what}: the shuffling order must be a 1-D int64 array.")
            if not np.array_equal(np.sort(order), np.arange(len(order))):
                raise saving.ModelFileError(f"{what}: the shuffling order is not a permutation.")
        opt_state = None
        if saving.OPTIMIZER in members and model.optimizer is not None:
            opt_state, _ = saving.parse_safetensors(members[saving.OPTIMIZER], f"{what}: {saving.OPTIMIZER}")
        layer_states = {}
        if saving.STATE in members:
            layer_states = saving.parse_json(members[saving.STATE], f"{what}: {saving.STATE}")
            layer_states = layer_states.get("layer_rng", {}) if isinstance(layer_states, dict) else None
        generators = saving.check_layer_rng_states(model, layer_states, what)
        rng_state = state["rng_state"]
        gen = np.random.Generator(type(config.rng().bit_generator)())
        saving.set_generator_state(gen, rng_state, what)
        if state["batch"] == 0 and state["shuffle"]:  # an epoch boundary: draw the epoch's order as fit would
            order = gen.permutation(state["n"])
            rng_state = gen.bit_generator.state
        # every check passed (the optimizer validates its state before changing anything): apply
        if opt_state is not None:
            saving.set_optimizer_state(model, opt_state, what)
        model.set_weights(arrays)
        for g, st in generators:
            g.bit_generator.state = st
        model.resume_fit(state["epoch"], state["batch"], order, state["seen"], state["loss_sum"], rng_state)
        if model.history is not None:
            model.history.epoch = list(state["history"]["epoch"])
            model.history.history = {k: list(v) for k, v in state["history"]["history"].items()}


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"BackupAndRestore: cannot store a log value of type {type(v).__name__}.")


def _check_state(state, what):
    ok = (isinstance(state, dict)
          and all(type(state.get(k)) is int and state[k] >= 0 for k in ("epoch", "batch", "seen"))
          and isinstance(state.get("loss_sum"), (int, float)) and isinstance(state.get("shuffle"), bool)
          and (state.get("n") is None or (type(state["n"]) is int and 0 <= state["n"] < 2 ** 40))
          and isinstance(state.get("history"), dict)
          and isinstance(state["history"].get("epoch"), list)
          and isinstance(state["history"].get("history"), dict)
          and all(isinstance(v, list) for v in state["history"]["history"].values()))
    if not ok:
        raise saving.ModelFileError(f"{what}: {saving.TRAINING_JSON} is not a valid training state.")
    # every number in its domain: the running loss sum is finite and the counts agree with each other
    if not math.isfinite(state["loss_sum"]):
        raise saving.ModelFileError(f"{what}: {saving.TRAINING_JSON} has a non-finite 'loss_sum' "
                                    f"({state['loss_sum']}).")
    if (state["batch"] == 0) != (state["seen"] == 0) or (state["n"] is not None and state["seen"] > state["n"]):
        raise saving.ModelFileError(f"{what}: {saving.TRAINING_JSON} counts disagree: batch {state['batch']}, "
                                    f"seen {state['seen']} of n={state['n']} samples.")
    if state["batch"] == 0 and state["shuffle"] and state["n"] is None:
        raise saving.ModelFileError(f"{what}: {saving.TRAINING_JSON} lacks the number of samples 'n'.")
