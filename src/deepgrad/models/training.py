"""The training loop: ``fit``, ``evaluate``, ``predict`` and the ``*_on_batch`` calls, with Keras semantics.

Each batch goes through one training step, ``Sequential._train_step`` in ``sequential.py`` beside
the forward and backward passes it runs: forward -> loss value and gradient -> backward ->
regularization gradients -> ``optimizer.apply_gradients`` -> weight constraints
(``w <- constraint(w)``, as Keras). Nothing else touches the weights.

Batch GD, SGD and mini-batch GD are the same loop at different ``batch_size``: ``batch_size=1``
is stochastic gradient descent, ``batch_size=None`` (or ``len(x)``) full-batch gradient descent
(this differs from Keras, where None means 32), anything between is mini-batch.

Data checks run before anything changes: shapes, lengths, finiteness, label ranges.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import config
from .. import metrics as metrics_mod
from .._validation import check_float, check_int
from ..callbacks.base import CallbackList, History
from ..layers.base import check_batch_split
from . import _data_checks as checks
from . import data_adapter as adapter


class TrainingMixin:
    """fit / evaluate / predict for :class:`~deepgrad.models.Sequential`."""

    # ------------------------------------------------------------------ build
    def _build_for(self, x):
        """Build an unbuilt model for ``x``'s samples: the first state change (it draws the
        initial weights), made only after every argument of the call was checked."""
        if not self.built:
            self.build((None,) + x.shape[1:])

    def _build_metrics(self, y, where):
        """Resolve the metric names once the target and output shapes are known.

        As Keras 3: ``metrics`` ignore sample and class weights, ``weighted_metrics`` take them;
        a weighted metric whose name is taken by a plain one is logged as ``weighted_<name>``.
        Training and evaluation keep separate metric objects, so validating inside ``fit``
        never disturbs the running training metrics. Each metric is tried on the first target
        row here, so a metric that cannot take these targets fails before any training step.
        """
        specs = [(m, False) for m in self._metric_specs] + [(m, True) for m in self._weighted_metric_specs]
        if not self.compiled_metrics and specs:
            y_pred = np.zeros((1,) + tuple(self.output_shape[1:]), dtype=self._layers[-1].dtype)
            train = [metrics_mod.get(m, y_true=y[:1], y_pred=y_pred) for m, _ in specs]
            # a Metric object given to compile trains; evaluation gets a fresh copy of it
            evaluation = [type(m).from_config(m.get_config()) if isinstance(m, metrics_mod.Metric)
                          else metrics_mod.get(m, y_true=y[:1], y_pred=y_pred) for m, _ in specs]
            for (spec, _), m in zip(specs, evaluation):
                try:
                    m.update_state(y[:1], y_pred)
                except (ValueError, TypeError, IndexError) as e:
                    raise ValueError(f"{where}: metric {spec!r} cannot take targets of shape {y.shape[1:]} "
                                     f"and outputs of shape {tuple(self.output_shape[1:])}: {e}") from None
                m.reset_state()
            keys = []
            for m, (_, weighted) in zip(train, specs):
                keys.append(f"weighted_{m.name}" if weighted and m.name in keys else m.name)
            self._metric_keys, self._metric_weighted = keys, [w for _, w in specs]
            self.compiled_metrics, self._eval_metrics = train, evaluation
        return self.compiled_metrics

    # ------------------------------------------------------------------ one step
    def _probabilities(self, out):
        return self.output_activation.forward(out) if self.output_activation is not None else out

    def _update_metrics(self, metrics, y, out, sw):
        if metrics:
            pred = self._probabilities(out)
            for m, weighted in zip(metrics, self._metric_weighted):
                m.update_state(y, pred, sw if weighted else None, mask=self.output_mask)

    def _warn_if_nothing_trains(self):
        if not self.trainable_weights:
            warnings.warn("The model does not have any trainable weights: fit only computes the loss.",
                          UserWarning, stacklevel=3)

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over ``(x, y)``; returns a :class:`History`.

        Keras semantics: the epoch ``loss`` is the batch-size-weighted mean of the batch losses
        (regularization penalties included); ``validation_split`` takes the LAST rows before
        shuffling; ``shuffle`` re-shuffles the training rows each epoch; the last partial batch
        is kept (ceil(N / batch_size) steps); ``initial_epoch=3, epochs=5`` runs epochs 3 and 4.
        ``batch_size=None`` means full-batch gradient descent (Keras: 32).
        ``x`` may also be an iterable of ``(x, y[, sample_weight])`` batches (a generator, a
        dataset), with ``steps_per_epoch``; ``validation_data`` likewise, with
        ``validation_steps`` (see :mod:`.data_adapter` for Keras 3's rules).
        """
        where = "fit"
        self._require_compiled(where)
        # every argument is checked before the data builds an unbuilt model
        epochs = check_int(epochs, "epochs", where, minimum=0)
        initial_epoch = check_int(initial_epoch, "initial_epoch", where, minimum=0)
        validation_split = check_float(validation_split, "validation_split", where, low=0.0, high=1.0,
                                       high_inclusive=False)
        verbose = checks.check_verbose(verbose, where)
        validation_freq = checks.check_validation_freq(validation_freq, where)
        if validation_batch_size is not None:
            validation_batch_size = check_int(validation_batch_size, "validation_batch_size", where, minimum=1)
        steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", where, minimum=1, allow_none=True)
        validation_steps = check_int(validation_steps, "validation_steps", where, minimum=1, allow_none=True)
        callbacks = checks.check_callbacks(callbacks, where)
        if sample_weight is not None and class_weight is not None:
            raise ValueError(f"{where}: give `class_weight` or `sample_weight`, not both.")
        class_weight = checks.check_class_weight(class_weight, where)
        if adapter.is_batch_iterable(x):
            adapter.refuse_with_iterable(where, y=y is not None, sample_weight=sample_weight is not None,
                                         class_weight=class_weight, validation_split=validation_split,
                                         batch_size=batch_size not in (None, 32) and batch_size)
            data = adapter.IterableBatches(x, steps_per_epoch, self._batch_preparer(where), where)
            first = data.first_batch()  # checked, then it builds an unbuilt model (Keras: the first batch)
            if first is None:
                raise ValueError(f"{where}: `x` yielded no batch.")
            y_sample, like = first[1], first[0].shape[1:]
        else:
            if steps_per_epoch is not None:
                raise ValueError(f"{where}: `steps_per_epoch` applies to an iterable of batches; with arrays an "
                                 f"epoch is ceil(N / batch_size) batches, got steps_per_epoch={steps_per_epoch}.")
            data, val = self._fit_arrays(x, y, sample_weight, class_weight, batch_size, shuffle, validation_split,
                                         validation_data, validation_steps, validation_batch_size, where)
            y_sample, like = data.y, None
        if adapter.is_batch_iterable(x) or adapter.is_batch_iterable(validation_data):
            val = self._validation_batches(validation_data, validation_steps, validation_batch_size or 32,
                                           like, where)
        self._build_metrics(y_sample, where)
        self._prepare_training()
        self._warn_if_nothing_trains()
        history = History()
        cbs = callbacks + [history]  # as Keras: History sees the logs the user's callbacks added
        if verbose:
            from ..callbacks.progbar import ProgbarLogger
            cbs.append(ProgbarLogger(verbose))
        params = {"verbose": verbose, "epochs": epochs, "steps": data.steps, "do_validation": val is not None,
                  "samples": data.samples}
        cbl = CallbackList(cbs, model=self, params=params)
        self.history = history
        self.stop_training = False
        self._training_mode_backward(True)
        try:
            logs = self._fit_epochs(data, val, cbl, epochs, initial_epoch, validation_freq)
        finally:
            self._training_mode_backward(False)
            self._epoch_progress = self._resume_point = None  # fit_progress: None outside fit
        cbl.on_train_end(logs)
        return history

    def _fit_arrays(self, x, y, sample_weight, class_weight, batch_size, shuffle, validation_split,
                    validation_data, validation_steps, validation_batch_size, where):
        """fit's array data: every check (validation data included), the validation split, then the
        build (the first state change). Returns the training and validation batches."""
        x, y = checks.check_rows(x, y, where)
        n_all = x.shape[0]
        batch_size = n_all if batch_size is None else check_int(batch_size, "batch_size", where, minimum=1)
        x = checks.prepare_x(self, x, "x", where)
        y = checks.prepare_y(self, y, x, where)
        sw = checks.prepare_sample_weight(self, sample_weight, n_all, where)
        val = None
        if validation_data is not None and not adapter.is_batch_iterable(validation_data):
            val = self._validation_batches(validation_data, validation_steps, validation_batch_size or batch_size,
                                           x.shape[1:], where)
        elif validation_split > 0:
            split_at = int(math.floor(n_all * (1.0 - validation_split)))
            if split_at == 0 or split_at == n_all:
                raise ValueError(f"{where}: `validation_split`={validation_split} leaves an empty training or "
                                 f"validation set for {n_all} samples.")
            val = adapter.ArrayBatches(x[split_at:], y[split_at:], None if sw is None else sw[split_at:],
                                       validation_batch_size or batch_size)
            x, y, sw = x[:split_at], y[:split_at], (None if sw is None else sw[:split_at])
        if class_weight is not None:  # as Keras: the training rows only, never the validation rows
            sw = checks.class_weight_to_sample_weight(class_weight, y, self.layers[0].dtype)
        self._build_for(x)  # every argument checked: the first state change
        # a stateful layer with a static batch size takes no other batch size (Keras)
        check_batch_split(self.layers, x.shape[0], batch_size, where)
        if val is not None:
            check_batch_split(self.layers, val.samples, val.batch_size, where,
                              "validation_batch_size" if validation_batch_size else "batch_size")
        return adapter.ArrayBatches(x, y, sw, batch_size, shuffle), val

    def _validation_batches(self, validation_data, steps, batch_size, like, where):
        """``validation_data`` as batches: a tuple ``(x_val, y_val[, sample_weight])`` of arrays
        (checked against samples shaped ``like``), or an iterable of batches with ``steps``."""
        if validation_data is None:
            return None
        if adapter.is_batch_iterable(validation_data):
            return adapter.IterableBatches(validation_data, steps, self._batch_preparer(where, "validation_data"),
                                           where, "validation_data")
        if steps is not None:
            raise ValueError(f"{where}: `validation_steps` applies to an iterable of validation batches, got "
                             f"validation_steps={steps} with arrays.")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(f"{where}: `validation_data` must be a tuple (x_val, y_val) or "
                             f"(x_val, y_val, sample_weight), or an iterable of such batches.")
        vx, vy = checks.check_rows(validation_data[0], validation_data[1], where,
                                   "validation_data[0]", "validation_data[1]")
        vx = checks.prepare_x(self, vx, "validation_data[0]", where, like=like)
        vy = checks.prepare_y(self, vy, vx, where, "validation_data[1]")
        vsw = checks.prepare_sample_weight(self, validation_data[2] if len(validation_data) == 3 else None,
                                          vx.shape[0], where, "validation_data[2]")
        return adapter.ArrayBatches(vx, vy, vsw, batch_size)

    def _batch_preparer(self, where, argname="x"):
        """The checks of one batch from an iterable (the array path's), then the build."""
        def prepare(x, y, sw):
            x = checks.prepare_x(self, x, argname, where)
            if y is not None:
                y = checks.prepare_y(self, y, x, where, f"{argname} targets")
                sw = checks.prepare_sample_weight(self, sw, x.shape[0], where, f"{argname} sample_weight")
            self._build_for(x)
            return x, y, sw
        return prepare

    def _fit_epochs(self, data, val, cbl, epochs, initial_epoch, validation_freq):
        logs = {}
        cbl.on_train_begin()
        resume = self._resume_point  # set by resume_fit (a callback's on_train_begin)
        self._resume_point = None
        first_epoch = resume["epoch"] if resume else initial_epoch
        for epoch in range(first_epoch, epochs):
            if self.stop_training:
                break
            for m in self.compiled_metrics:
                m.reset_state()
            cbl.on_epoch_begin(epoch)
            start_batch = 0
            if resume and resume["epoch"] == epoch:
                order = resume["order"]
                start_batch = resume["batch"]
                seen, loss_sum = resume["seen"], resume["loss_sum"]
                if resume["rng_state"] is not None:
                    config.rng().bit_generator.state = resume["rng_state"]
                resume = None
            else:
                order = data.new_order()
                seen, loss_sum = 0, 0.0
            self._epoch_order = order  # fit_progress shows it
            self._epoch_progress = {"epoch": epoch, "batch": start_batch, "seen": seen, "loss_sum": loss_sum}
            logs = {}
            for b, (xb, yb, swb) in data.batches(order, start_batch):
                cbl.on_train_batch_begin(b)
                loss, out = self._train_step(xb, yb, swb)
                nb = xb.shape[0]
                seen += nb
                loss_sum += loss * nb
                self._update_metrics(self.compiled_metrics, yb, out, swb)
                self._epoch_progress = {"epoch": epoch, "batch": b + 1, "seen": seen, "loss_sum": loss_sum}
                logs = self._logs(loss_sum / seen)
                cbl.on_train_batch_end(b, logs)
                if self.stop_training:
                    break
            if data.ran_out and not logs:  # an iterable with no batch left (Keras warned): training ends
                break
            # as Keras, validation runs even when a callback stopped training during the epoch
            if val is not None and checks.should_validate(epoch, validation_freq):
                val_logs = self._evaluate_batches(val, cbl)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbl.on_epoch_end(epoch, logs)
            if data.ran_out:
                self.stop_training = True
        return logs

    def _logs(self, loss, metrics=None):
        logs = {"loss": float(loss)}
        for key, m in zip(self._metric_keys, self.compiled_metrics if metrics is None else metrics):
            logs[key] = float(m.result())
        return logs

    # ------------------------------------------------------------------ evaluate
    def _evaluate_batches(self, data, cbl=None):
        """Loss and metrics over ``data``'s batches in inference mode (its own metric objects)."""
        metrics = self._eval_metrics if self.compiled_metrics else []
        for m in metrics:
            m.reset_state()
        if cbl is not None:
            cbl.on_test_begin()
        total, seen = 0.0, 0
        self._reuse_buffers(True)  # each output is consumed before the next batch
        try:
            for b, (xb, yb, swb) in data.batches():
                if cbl is not None:
                    cbl.on_test_batch_begin(b)
                with self.fused_logits():  # out: logits when the loss is fused
                    out = self.forward(xb, training=False)
                loss = self.loss_fn(yb, out, swb, mask=self.output_mask) * getattr(self, "_loss_weight", 1.0)
                total += loss * xb.shape[0]
                seen += xb.shape[0]
                self._update_metrics(metrics, yb, out, swb)
                if cbl is not None:
                    cbl.on_test_batch_end(b, self._logs(total / seen, metrics))
        finally:
            self._reuse_buffers(False)
        logs = self._logs(total / max(seen, 1) + self.regularization_penalty(), metrics)
        if cbl is not None:
            cbl.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=32, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (and metrics) in inference mode: ``[loss, *metrics]``, or the loss alone without metrics.

        ``x`` may be an iterable of ``(x, y[, sample_weight])`` batches, with ``steps`` (Keras 3)."""
        where = "evaluate"
        self._require_compiled(where)
        verbose = checks.check_verbose(verbose, where)
        callbacks = checks.check_callbacks(callbacks, where)
        steps = check_int(steps, "steps", where, minimum=1, allow_none=True)
        if adapter.is_batch_iterable(x):
            adapter.refuse_with_iterable(where, y=y is not None, sample_weight=sample_weight is not None,
                                         batch_size=batch_size not in (None, 32) and batch_size)
            data = adapter.IterableBatches(x, steps, self._batch_preparer(where), where)
            first = data.first_batch()
            if first is None:
                raise ValueError(f"{where}: `x` yielded no batch.")
            y_sample = first[1]
        else:
            if steps is not None:
                raise ValueError(f"{where}: `steps` applies to an iterable of batches, got steps={steps} with arrays.")
            x, y = checks.check_rows(x, y, where)
            batch_size = x.shape[0] if batch_size is None else check_int(batch_size, "batch_size", where, minimum=1)
            x = checks.prepare_x(self, x, "x", where)
            y = checks.prepare_y(self, y, x, where)
            sw = checks.prepare_sample_weight(self, sample_weight, x.shape[0], where)
            self._build_for(x)
            check_batch_split(self.layers, x.shape[0], batch_size, where)
            data, y_sample = adapter.ArrayBatches(x, y, sw, batch_size), y
        self._build_metrics(y_sample, where)
        cbl = checks.callback_list(callbacks, self, verbose, data.steps)
        logs = self._evaluate_batches(data, cbl)
        if return_dict:
            return logs
        values = list(logs.values())
        return values if len(values) > 1 else values[0]

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=32, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in inference mode (dropout off), batch by batch, as one array.

        ``x`` may be an iterable of batches (``x``, ``(x,)`` or ``(x, y...)``: the targets are
        ignored, as Keras), with ``steps``."""
        where = "predict"
        if not self.layers:
            raise ValueError("predict: the model has no layers.")
        verbose = checks.check_verbose(verbose, where)
        callbacks = checks.check_callbacks(callbacks, where)
        steps = check_int(steps, "steps", where, minimum=1, allow_none=True)
        if adapter.is_batch_iterable(x):
            adapter.refuse_with_iterable(where, batch_size=batch_size not in (None, 32) and batch_size)
            data = adapter.IterableBatches(x, steps, self._batch_preparer(where), where, for_predict=True)
            n = None
        else:
            if steps is not None:
                raise ValueError(f"{where}: `steps` applies to an iterable of batches, got steps={steps} with arrays.")
            if batch_size is not None:
                batch_size = check_int(batch_size, "batch_size", where, minimum=1)
            x = checks.prepare_x(self, x, "x", where)
            self._build_for(x)
            batch_size = batch_size or max(x.shape[0], 1)
            check_batch_split(self.layers, x.shape[0], batch_size, where)
            n = x.shape[0]
            data = adapter.ArrayBatches(x, x[:, :0], None, batch_size)  # no targets: an empty stand-in
        cbl = checks.callback_list(callbacks, self, verbose, data.steps)
        cbl.on_predict_begin()
        result, rows_done, parts = None, 0, []
        self._reuse_buffers(True)  # each output is copied out before the next batch
        try:
            for b, (xb, _, _) in data.batches():
                cbl.on_predict_batch_begin(b)
                out = self.forward(xb, training=False)
                if n is None:  # an iterable: the batches are kept, then joined
                    rows = out.copy()
                    parts.append(rows)
                else:
                    if result is None:
                        result = np.empty((n,) + out.shape[1:], dtype=out.dtype)
                    rows = result[rows_done:rows_done + out.shape[0]]
                    rows[...] = out
                rows_done += out.shape[0]
                cbl.on_predict_batch_end(b, {"outputs": rows})  # as Keras 3
        finally:
            self._reuse_buffers(False)
        cbl.on_predict_end()
        if parts:
            return np.concatenate(parts)
        if result is None:
            return np.empty((0,) + tuple(self.output_shape[1:]), dtype=self._layers[0].dtype)
        return result

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics) of that batch."""
        where = "train_on_batch"
        self._require_compiled(where)
        if sample_weight is not None and class_weight is not None:
            raise ValueError(f"{where}: give `class_weight` or `sample_weight`, not both.")
        class_weight = checks.check_class_weight(class_weight, where)
        x, y = checks.check_rows(x, y, where)
        x = checks.prepare_x(self, x, "x", where)
        y = checks.prepare_y(self, y, x, where)
        sw = checks.prepare_sample_weight(self, sample_weight, x.shape[0], where)
        self._build_for(x)
        if class_weight is not None:
            sw = checks.class_weight_to_sample_weight(class_weight, y, self.layers[0].dtype)
        self._build_metrics(y, where)
        self._prepare_training()
        self._warn_if_nothing_trains()
        for m in self.compiled_metrics:
            m.reset_state()
        self._training_mode_backward(True)
        try:
            loss, out = self._train_step(x, y, sw)
        finally:
            self._training_mode_backward(False)
        self._update_metrics(self.compiled_metrics, y, out, sw)
        logs = self._logs(loss)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x, y, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode."""
        where = "test_on_batch"
        self._require_compiled(where)
        x, y = checks.check_rows(x, y, where)
        x = checks.prepare_x(self, x, "x", where)
        y = checks.prepare_y(self, y, x, where)
        sw = checks.prepare_sample_weight(self, sample_weight, x.shape[0], where)
        self._build_for(x)
        self._build_metrics(y, where)
        logs = self._evaluate_batches(adapter.ArrayBatches(x, y, sw, x.shape[0]))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def predict_on_batch(self, x):
        """Outputs for one batch in inference mode."""
        x = checks.prepare_x(self, x, "x", "predict_on_batch")
        self._build_for(x)
        return self._forward_rows(x, training=False)

    # ------------------------------------------------------------------ resuming: the public hand-off
    @property
    def fit_progress(self):
        """Where the running ``fit`` is, for a callback that backs training up (BackupAndRestore
        reads it after a batch or at an epoch's end): ``{"epoch", "batch"`` (batches done in the
        epoch), ``"seen"`` (samples done), ``"loss_sum"`` (sum of batch loss x batch size),
        ``"order"}`` (the epoch's shuffling permutation, or None without shuffling). None
        outside ``fit`` and before its first epoch begins."""
        if self._epoch_progress is None:
            return None
        return dict(self._epoch_progress, order=self._epoch_order)

    def resume_fit(self, epoch, batch=0, order=None, seen=0, loss_sum=0.0, rng_state=None):
        """Make the ``fit`` that is starting begin at ``epoch`` after ``batch`` batches (call it
        from a callback's ``on_train_begin``, as BackupAndRestore does): the epoch goes on with
        the shuffling ``order`` it had, ``seen`` samples and ``loss_sum`` already counted, and
        the global generator in ``rng_state`` (``config.rng().bit_generator.state``, or None to
        leave it). Checked here, before anything changes; applies to that one ``fit``."""
        where = "resume_fit"
        epoch = check_int(epoch, "epoch", where, minimum=0)
        batch = check_int(batch, "batch", where, minimum=0)
        seen = check_int(seen, "seen", where, minimum=0)
        if batch > 0 and seen == 0:
            raise ValueError(f"{where}: `seen` must be > 0 after {batch} batches, got 0.")
        loss_sum = check_float(loss_sum, "loss_sum", where)
        if order is not None:
            order = np.asarray(order)
            is_permutation = order.ndim == 1 and order.dtype.kind in "iu" and np.array_equal(
                np.sort(order), np.arange(len(order)))
            if not is_permutation:
                raise ValueError(f"{where}: `order` must be a permutation of range(n), got shape {order.shape}, "
                                 f"dtype {order.dtype}.")
        if rng_state is not None and not isinstance(rng_state, dict):
            raise TypeError(f"{where}: `rng_state` must be a bit generator state dict, got {type(rng_state).__name__}.")
        self._resume_point = {"epoch": epoch, "batch": batch, "order": order, "seen": seen,
                              "loss_sum": loss_sum, "rng_state": rng_state}

    def _forward_rows(self, x, training):
        """``forward``, but an empty batch gives an empty result of the output's shape, as
        ``predict`` does (reshaping layers like Flatten or RNNs cannot infer it from 0 rows)."""
        if x.shape[0] == 0:
            return np.empty((0,) + tuple(self.output_shape[1:]), dtype=self._layers[-1].dtype)
        return self.forward(x, training=training)

