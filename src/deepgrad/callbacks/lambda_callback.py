"""``LambdaCallback``: a callback made of plain functions (Keras semantics)."""

from __future__ import annotations

from .base import _HOOKS, Callback

_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class LambdaCallback(Callback):
    """Call the given functions at the matching hooks.

    Args (each optional, a callable):
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)`` (also spelled
            ``on_batch_begin``/``on_batch_end``, Keras 2's names).
        **kwargs: any other hook of :class:`~deepgrad.callbacks.Callback` (``on_test_end``,
            ``on_predict_batch_end``, ...) with that hook's arguments.

    Example: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin, "on_train_batch_end": on_train_batch_end}
        for name, fn in kwargs.items():
            hook = _ALIASES.get(name, name)
            if hook not in _HOOKS:
                raise TypeError(f"LambdaCallback: unexpected keyword argument {name!r}; hooks are "
                                f"{sorted(_HOOKS + list(_ALIASES))}.")
            if hooks.get(hook) is not None and fn is not None:
                raise ValueError(f"LambdaCallback: `{name}` and `{hook}` name the same hook; pass one.")
            hooks[hook] = fn if fn is not None else hooks.get(hook)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be callable, got {type(fn).__name__} {fn!r}.")
            setattr(self, name, _wrap(name, fn))


def _wrap(hook, fn):
    """Call ``fn`` with Keras's arguments: ``logs`` is always a dict (``{}`` when fit passes none)."""
    if hook.endswith(("_train_begin", "_train_end", "_test_begin", "_test_end", "_predict_begin", "_predict_end")):
        return lambda logs=None: fn(logs if logs is not None else {})
    return lambda index, logs=None: fn(index, logs if logs is not None else {})
