"""Optimizers with Keras 3's names, defaults and update rules, built from composable transforms.

    from deepgrad import optimizers
    opt = optimizers.SGD(learning_rate=0.05, momentum=0.9)     # or optimizers.get("sgd")
    opt.apply_gradients(zip(grads, params))                     # updates the arrays in place

Strings resolve (``"sgd"``, ``"adam"``, ``"rmsprop"``, ...); the notes' legacy spellings work:
``lr=`` for ``learning_rate``, ``decay=`` (Keras 2) and lower-case aliases
(``optimizers.adam(lr=0.05)``). See ``docs/optimizers.md``.
"""

from deepgrad.registry import Registry

from . import functional, schedules, transforms
from ._threaded import get_num_threads, set_num_threads
from .base import Optimizer
from .optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Ftrl, Lamb, Lion, Nadam, RMSprop,
                         TransformOptimizer)

OPTIMIZERS = Registry("optimizer")
for _cls in (SGD, Adagrad, Adam, Adamax, Nadam, Adadelta, Lion, Lamb, Ftrl):
    OPTIMIZERS.register()(_cls)
OPTIMIZERS.register("rmsprop")(RMSprop)
OPTIMIZERS.register("adamw")(AdamW)

# The notes' lower-case call spellings (Keras 2 aliases): optimizers.adam(lr=0.05), ...
sgd, adagrad, rmsprop, adam, adamw, nadam, adamax, adadelta = (
    SGD, Adagrad, RMSprop, Adam, AdamW, Nadam, Adamax, Adadelta)

__all__ = [
    "Optimizer", "TransformOptimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Nadam",
    "Adamax", "Adadelta", "sgd", "adagrad", "rmsprop", "adam", "adamw", "nadam", "adamax",
    "adadelta", "Lion", "Lamb", "Ftrl", "get", "set_num_threads", "get_num_threads", "serialize", "deserialize",
    "schedules", "transforms", "functional",
]


def get(identifier):
    """An optimizer from a name (``"sgd"``, ``"adam"``, ...: defaults), a config dict
    ``{"class_name", "config"}`` or an optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        return OPTIMIZERS.get(identifier, "optimizer")
    raise TypeError(f"`optimizer` must be an Optimizer, a name or a config dict, got {type(identifier).__name__}.")


def serialize(optimizer) -> dict:
    """``{"class_name": ..., "config": ...}``, JSON-serializable (schedules included)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize: `optimizer` must be an Optimizer, got {type(optimizer).__name__}.")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config) -> Optimizer:
    """Inverse of :func:`serialize`."""
    if not isinstance(config, dict):
        raise TypeError(f"deserialize: `config` must be a dict, got {type(config).__name__}.")
    return OPTIMIZERS.get(config, "config")
