"""Callbacks: Keras's hook names, called by ``Sequential.fit/evaluate/predict``.

Order in ``fit``: ``on_train_begin`` -> per epoch ``on_epoch_begin`` -> per batch
``on_train_batch_begin`` / ``on_train_batch_end(batch, logs)`` (which call Keras 2's
``on_batch_begin`` / ``on_batch_end`` unless overridden, as Keras 3) -> validation
(``on_test_*``) -> ``on_epoch_end(epoch, logs)`` -> ``on_train_end``.
Setting ``model.stop_training = True`` ends training after the current batch. Every hook
gets a ``logs`` dict, ``{}`` where there is nothing to log (Keras 3); ``on_predict_batch_end``
gets ``{"outputs": that batch's predictions}``.
``fit`` adds a new ``History`` after the user's callbacks (so what they put in the epoch logs,
such as ``learning_rate``, is recorded), then the progress bar, and returns the History.
"""

from __future__ import annotations


class Callback:
    """Base class: override any hook. ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # Keras's backward-compatible alias

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]
_UNINDEXED = {name for name in _HOOKS if name.endswith(("_begin", "_end")) and "epoch" not in name
              and "batch" not in name}


class CallbackList:
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks=(), model=None, params=None):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"`callbacks` must hold Callback instances, got {type(cb).__name__}."
                )
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, name):
        """``cbl.on_epoch_end(epoch, logs)`` calls every callback's hook with the same ``logs``
        dict (what one callback adds, the next sees), ``{}`` when none is given (Keras 3)."""
        if name in _HOOKS:
            indexed = name not in _UNINDEXED  # epoch or batch first, then logs

            def call(index=None, logs=None):
                logs = {} if logs is None else logs
                for cb in self.callbacks:
                    hook = getattr(cb, name)
                    hook(index, logs) if indexed else hook(logs)

            if indexed:
                return call
            return lambda logs=None: call(None, logs)
        raise AttributeError(name)


class History(Callback):
    """Records the epoch logs: ``history.history[key]`` is a list with one value per epoch.

    Keys follow Keras (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, and
    ``learning_rate`` when a learning-rate callback logs it); ``history.epoch`` lists the
    0-based epoch indices that ran; ``history.params`` holds ``verbose``, ``epochs``, ``steps``.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in sorted((logs or {}).items()):
            self.history.setdefault(k, []).append(v)
