"""deepgrad: deep learning from scratch on NumPy, with the Keras API of the lecture notes.

    import deepgrad as keras
    from deepgrad import models, layers, optimizers

Submodules are imported on first use, so ``import deepgrad`` stays fast and the optional
plotting stack (``deepgrad.lab``) is only loaded when asked for.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations", "callbacks", "config", "datasets", "gradcheck", "initializers", "lab",
    "layers", "losses", "metrics", "models", "optimizers", "regularizers", "utils",
    "backend", "constraints", "preprocessing",
)


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name == "Sequential":
        from .models import Sequential
        return Sequential
    if name == "Model":  # keras.Model(inputs, outputs): one-path functional networks
        from .models import Model
        return Model
    if name == "Input":  # keras.Input, as keras.layers.Input
        from .layers import Input
        return Input
    raise AttributeError(f"module 'deepgrad' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + ["Sequential", "Input", "Model"])
