"""The checks of the arguments every optimizer takes (``Optimizer.__init__``) and of the
hyperparameters that must stay positive numbers in the parameters' dtype (at the build)."""

from __future__ import annotations

import numbers
import operator

import numpy as np

from deepgrad._validation import check_bool, check_float, check_int

from . import schedules as _schedules

#: Hyperparameters that must stay a positive number in the parameters' dtype.
TINY_CHECKED = ("epsilon", "clipnorm", "clipvalue", "global_clipnorm")


def check_learning_rate(value, where):
    """A float >= 0, a schedule, or a callable ``step -> float``."""
    if isinstance(value, _schedules.LearningRateSchedule) or (callable(value) and not isinstance(value, numbers.Real)):
        return value
    return check_float(value, "learning_rate", where, low=0.0)


def common_arguments(where, default_learning_rate, learning_rate, weight_decay, clipnorm, clipvalue,
                     global_clipnorm, kwargs):
    """``(learning_rate, weight_decay, {clip name: value})`` from the base arguments, with the
    legacy ``lr=`` alias and ``decay=`` (Keras 2: ``InverseTimeDecay(lr, 1, decay)``)."""
    kwargs = dict(kwargs)
    if "lr" in kwargs:
        if learning_rate is not None:
            raise ValueError(f"{where}: pass `learning_rate` or its alias `lr`, not both.")
        learning_rate = kwargs.pop("lr")
    decay = kwargs.pop("decay", None)
    if kwargs:
        raise TypeError(f"{where}: unexpected keyword argument(s) {sorted(kwargs)}.")
    lr = check_learning_rate(default_learning_rate if learning_rate is None else learning_rate, where)
    if decay is not None:
        decay = check_float(decay, "decay", where, low=0.0)
        if not isinstance(lr, float):
            raise ValueError(f"{where}: `decay` needs a float `learning_rate`, got {lr!r}.")
        if decay > 0:
            lr = _schedules.InverseTimeDecay(lr, 1, decay)
    clips = {k: v for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                               ("global_clipnorm", global_clipnorm)) if v is not None}
    if len(clips) > 1:
        raise ValueError(f"{where}: only one of `clipnorm`, `clipvalue`, `global_clipnorm` can be set, "
                         f"got {sorted(clips)}.")
    clips = {k: check_float(v, k, where, low=0.0, low_inclusive=False) for k, v in clips.items()}
    return lr, check_float(weight_decay, "weight_decay", where, low=0.0, allow_none=True), clips


def check_tiny(opt, params):
    """Refuse an ``epsilon`` or clip value below the smallest positive normal number of a
    parameter's dtype (the step would round it to 0: 0 / 0 = NaN weights)."""
    for dtype in {p.dtype for p in params}:
        tiny = float(np.finfo(dtype).tiny)
        for name in TINY_CHECKED:
            value = getattr(opt, name, None)
            if isinstance(value, float) and value < tiny:
                raise ValueError(f"{type(opt).__name__}: `{name}`={value!r} is below the smallest positive "
                                 f"normal {dtype} number ({tiny:.3g}): the step would round it to 0. "
                                 f"Use `{name}` >= {tiny:.3g} or a wider dtype.")


def keras_options(where, use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps):
    """Keras 3's ``use_ema``/``ema_momentum``/``ema_overwrite_frequency`` and
    ``gradient_accumulation_steps`` (an int >= 2 or None), checked."""
    use_ema = check_bool(use_ema, "use_ema", where)
    ema_momentum = check_float(ema_momentum, "ema_momentum", where, low=0.0, high=1.0)
    if ema_overwrite_frequency is not None:
        ema_overwrite_frequency = check_int(ema_overwrite_frequency, "ema_overwrite_frequency", where, minimum=1)
    if gradient_accumulation_steps is not None:
        gradient_accumulation_steps = check_int(gradient_accumulation_steps, "gradient_accumulation_steps", where,
                                                minimum=2)
    return use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps


def check_iterations(value, where):
    """A step count for the ``iterations`` setter: an int >= 0 (not a bool)."""
    try:
        step = operator.index(value)
    except TypeError:
        step = None
    if step is None or isinstance(value, (bool, np.bool_)) or step < 0:
        raise ValueError(f"{where}: `iterations` must be an int >= 0, got {value!r}.")
    return step
