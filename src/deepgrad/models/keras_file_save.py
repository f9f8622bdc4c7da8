"""Writing Keras 3 ``.keras`` files: :func:`save_keras` (the layout is described in
:mod:`deepgrad.models.keras_file`, which reads them)."""

from __future__ import annotations

import datetime
import io as _io
import json
import warnings
import zipfile

from ..io import atomic_write
from .keras_optimizer_state import keras_state
from .keras_file import _CONFIG, _METADATA, _WEIGHTS, KERAS_VERSION, _h5_names, _h5py, _layout

# ---------------------------------------------------------------------- deepgrad -> Keras
_MODULES = {"_initializer": "keras.initializers", "_regularizer": "keras.regularizers",
            "_constraint": "keras.constraints"}


def _keras_object(obj, module):
    return {"module": module, "class_name": obj["class_name"], "config": obj["config"], "registered_name": None}


def _keras_layer(layer, cfg=None, class_name=None):
    """A deepgrad layer's config in Keras's serialized form."""
    cfg = dict(layer.get_config() if cfg is None else cfg)
    class_name = class_name or type(layer).__name__
    for key, value in list(cfg.items()):
        for suffix, module in _MODULES.items():
            if key.endswith(suffix) and isinstance(value, dict):
                cfg[key] = _keras_object(value, module)
    for key in ("layer", "backward_layer"):
        inner = getattr(layer, "forward_layer" if key == "layer" and hasattr(layer, "forward_layer") else key, None)
        if isinstance(cfg.get(key), dict) and inner is not None:
            cfg[key] = _keras_layer(inner, cfg[key]["config"], cfg[key]["class_name"])
    entry = {"module": "keras.layers", "class_name": class_name, "config": cfg, "registered_name": None}
    shape = getattr(layer, "input_shape", None)
    if shape is not None and class_name != "InputLayer":
        entry["build_config"] = {"input_shape": list(shape)}
    return entry


def _keras_compile_config(model):
    from .. import losses, optimizers
    from .saving import serialize_metric

    if model.optimizer is None or model.loss is None:
        return None
    opt = optimizers.serialize(model.optimizer)
    opt["config"] = dict(opt["config"])
    if opt["config"].pop("dampening", 0.0) != 0.0:  # deepgrad's SGD only (PyTorch's option)
        warnings.warn("save: Keras's SGD has no `dampening`; the .keras file holds no compile config "
                      "(the weights and layers are saved).", RuntimeWarning, stacklevel=4)
        return None
    if isinstance(opt["config"].get("learning_rate"), dict):
        opt["config"]["learning_rate"] = _keras_object(opt["config"]["learning_rate"], "keras.optimizers.schedules")
    loss = losses.serialize(model.loss)
    return {"optimizer": _keras_object(opt, "keras.optimizers"),
            "loss": loss if isinstance(loss, str) else _keras_object(loss, "keras.losses"),
            "loss_weights": None,
            "metrics": [m if isinstance(m, str) else _keras_object(m, "keras.metrics")
                        for m in map(serialize_metric, model._metric_specs)] or None,
            "weighted_metrics": [m if isinstance(m, str) else _keras_object(m, "keras.metrics")
                                 for m in map(serialize_metric, model._weighted_metric_specs)] or None,
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _functional(model, entries):
    """The config of a one-path ``Model``: each layer called once on the one before it."""
    previous = None
    for layer, entry in zip(model._layers, entries):
        entry["name"] = entry["config"]["name"]
        entry["inbound_nodes"] = [] if previous is None else [{"args": [{"class_name": "__keras_tensor__", "config": {
            "shape": list(layer.input_shape), "dtype": "float32", "keras_history": [previous, 0, 0]}}], "kwargs": {}}]
        previous = entry["name"]
    return {"input_layers": [entries[0]["name"], 0, 0], "output_layers": [previous, 0, 0]}


def keras_config(model, include_optimizer=True) -> dict:
    """``config.json`` of a ``.keras`` file for ``model``: a ``keras.Sequential``, or for a
    one-path ``Model`` a ``Functional`` whose layers each take the previous one's output."""
    from .functional import Model

    entries = [_keras_layer(layer) for layer in model._layers]
    shape = list(model.input_shape)
    mcfg = {"name": model.name, "trainable": model.trainable, "layers": entries}
    if isinstance(model, Model):
        kind, module = "Functional", "keras.src.models.functional"
        mcfg.update(_functional(model, entries))
    else:
        kind, module = "Sequential", "keras"
        mcfg.update(dtype="float32", build_input_shape=shape)
    return {"module": module, "class_name": kind, "config": mcfg, "registered_name": None,
            "build_config": {"input_shape": shape},
            "compile_config": _keras_compile_config(model) if include_optimizer else None}


def _write_layer(group, layer, name):
    group.create_group("vars").attrs["name"] = name
    weights = [w.value for w in layer.weights]
    k = 0
    for sub, count in _layout(layer):
        node = group.require_group(sub)
        node.attrs["name"] = name
        for i in range(count):
            value = weights[k]
            if type(layer).__name__ == "Normalization" and i == 2:
                value = value.reshape(())  # Keras keeps the sample count as a scalar
            node.create_dataset(str(i), data=value)
            k += 1


def _weights_h5(model, include_optimizer) -> bytes:
    h5py = _h5py()
    buffer = _io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = model.name
        root = f.create_group("layers")
        for layer, name in zip(model.layers, _h5_names([type(l).__name__ for l in model.layers])):
            _write_layer(root.create_group(name), layer, layer.name)
        state = keras_state(model) if include_optimizer else None
        if state is not None:
            group = f.create_group("optimizer/vars")
            group.attrs["name"] = model.optimizer.name
            for i, value in enumerate(state):
                group.create_dataset(str(i), data=value)
    return buffer.getvalue()


def save_keras(model, path, include_optimizer=True) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` file, atomically: layers and weights, and with
    ``include_optimizer`` the compile config and (Adam, AdamW, SGD, RMSprop, Adagrad) the
    optimizer's state in Keras's layout."""
    from .. import __version__

    members = {
        _METADATA: json.dumps({"keras_version": KERAS_VERSION, "deepgrad_version": __version__,
                               "date_saved": datetime.datetime.now(datetime.timezone.utc)
                               .strftime("%Y-%m-%d@%H:%M:%S")}).encode(),
        _CONFIG: json.dumps(keras_config(model, include_optimizer), allow_nan=False).encode(),
        _WEIGHTS: _weights_h5(model, include_optimizer),
    }
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, raw in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), raw)
    atomic_write(path, buffer.getvalue())
