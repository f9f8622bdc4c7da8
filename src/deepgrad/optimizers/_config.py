"""An optimizer's config: its constructor arguments as JSON-serializable values (a schedule as
``{"class_name", "config"}``, :mod:`.schedules`), and the way back."""

from __future__ import annotations

from . import schedules as _schedules


def get_config(opt) -> dict:
    """The base arguments of ``opt``, then its algorithm's own (``opt._hyper_config()``)."""
    lr = opt._learning_rate
    if isinstance(lr, _schedules.LearningRateSchedule):
        lr = _schedules.serialize(lr)
    elif callable(lr):
        raise TypeError(f"{type(opt).__name__}.get_config: a plain callable `learning_rate` ({lr!r}) "
                        "cannot be serialized; use a LearningRateSchedule.")
    return {"name": opt.name, "learning_rate": lr, "weight_decay": opt.weight_decay,
            "clipnorm": opt.clipnorm, "global_clipnorm": opt.global_clipnorm,
            "clipvalue": opt.clipvalue, "use_ema": opt.use_ema, "ema_momentum": opt.ema_momentum,
            "ema_overwrite_frequency": opt.ema_overwrite_frequency,
            "gradient_accumulation_steps": opt.gradient_accumulation_steps, **opt._hyper_config()}


def from_config(cls, config):
    """``cls(**config)``, a serialized schedule deserialized first."""
    config = dict(config)
    if isinstance(config.get("learning_rate"), dict):
        config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
    return cls(**config)
