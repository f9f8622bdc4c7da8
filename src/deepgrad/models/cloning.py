"""``models.clone_model``: the same architecture with freshly initialized weights (Keras 3)."""

from __future__ import annotations

from .sequential import Sequential


def clone_model(model):
    """A new Sequential with layers rebuilt from each layer's config: same classes, names and
    settings, new weights drawn by the initializers (Keras 3's ``clone_model``); not compiled."""
    if not isinstance(model, Sequential):
        raise TypeError(f"clone_model: `model` must be a deepgrad Sequential, got {type(model).__name__}.")
    from .functional import Model
    clone = Model.empty(name=model.name) if isinstance(model, Model) else Sequential(name=model.name)
    for layer in model._layers:
        clone.add(type(layer).from_config(layer.get_config()))
    if model.built and not clone.built and model.input_shape is not None:
        clone.build(model.input_shape)
    return clone
