"""Reading Keras 3 ``.keras`` files: :func:`load_keras`, and :func:`load_keras_weights` for
``model.load_weights("m.keras")`` (writing: :mod:`.keras_file_save`).

A ``.keras`` file is a zip holding ``metadata.json`` (``{"keras_version", "date_saved"}``),
``config.json`` (the model's serialized config: ``{"module", "class_name", "config",
"registered_name", "build_config", "compile_config"}``, layers nested the same way) and
``model.weights.h5``. In the HDF5 file each layer of the model's ``layers`` list has a group
``layers/<name>`` whose ``vars/0, 1, ...`` datasets are its weights in Keras's order; ``<name>``
is the class name in snake case, ``_1``, ``_2``... for the second, third... of a class
(Keras names these from the model's attribute tree, not from ``layer.name``). Recurrent layers
keep their weights in ``cell/vars``, ``Bidirectional`` in ``forward_layer`` and
``backward_layer``, ``TimeDistributed`` in ``layer``. A Sequential's list leaves the
``InputLayer`` out, a functional model's keeps it.

Safety: nothing in the file runs. Every class is looked up in deepgrad's registries by name, and
only objects whose ``module`` is Keras's own (``keras`` or ``keras.*``) and that are not
registered custom objects are accepted; ``Lambda`` layers, unknown classes, shared layers and
branching functional graphs are refused with a :class:`ModelFileError` naming the file and the
layer. The zip is checked as a ``.deepgrad`` archive is (member names, sizes, compression ratio,
CRC), the HDF5 datasets' dtypes and sizes before they are read, and every weight's shape and
finiteness before a model is returned; HDF5 soft and external links and datasets stored outside
the file are refused. The compile config is restored when it maps onto deepgrad's optimizers,
losses and metrics (otherwise a warning, and the model comes back uncompiled), and with it the
optimizer's state for Adam, AdamW, SGD, RMSprop and Adagrad
(:mod:`deepgrad.models.keras_optimizer_state`). Masks: ``Embedding(mask_zero=True)`` and
``Masking`` load with their configs.
"""

from __future__ import annotations

import io as _io
import re
import warnings
import zipfile

import numpy as np

from .. import config
from .saving import MAX_FILE_BYTES, ModelFileError, open_zip, parse_json, read_member

KERAS_EXTENSION = ".keras"
KERAS_VERSION = "3.15.1"  # the Keras these files were checked against (metadata.json)
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MEMBERS = (_CONFIG, _METADATA, _WEIGHTS)
_MAX_JSON_BYTES = 16 * 2 ** 20
_MAX_RATIO = 100
_MAX_LAYERS = 100_000
_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
_WRAPPERS = ("Bidirectional", "TimeDistributed")

# Keras config keys deepgrad's layers lack, with the values under which leaving them out changes
# nothing deepgrad computes (ANY: the key never changes a prediction).
_ANY = object()
_NEUTRAL = {
    "quantization_config": (None,), "synchronized": (False,), "renorm": (False,), "renorm_clipping": (None,),
    "renorm_momentum": _ANY, "activity_regularizer": (None,), "unroll": _ANY, "sparse": (False,),
    "ragged": (False,), "optional": (False,), "data_format": ("channels_last",), "rms_scaling": (False,),
    "lora_rank": (None,), "lora_alpha": _ANY, "beta_regularizer": (None,), "gamma_regularizer": (None,),
    "input_axes": (None,), "output_axes": (None,), "seed": _ANY, "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None,),
}


# ---------------------------------------------------------------------- the zip
def _read_zip(path, max_bytes, where) -> dict:
    zf, infos = open_zip(path, max_bytes, where, ".keras file")
    names = [i.filename for i in infos]
    for name in names:
        if name not in _MEMBERS and not name.rstrip("/") == "assets":
            raise ModelFileError(f"{where}: {path!r} contains an unexpected or unsafe member {name!r}; "
                                 f"a .keras file deepgrad reads holds only {', '.join(_MEMBERS)}.")
    if len(set(names)) != len(names):
        raise ModelFileError(f"{where}: {path!r} contains duplicate members {sorted(names)}.")
    members, total = {}, 0
    for info in infos:
        if info.is_dir():
            continue
        limit = _MAX_JSON_BYTES if info.filename.endswith(".json") else max_bytes
        total += info.file_size
        if info.file_size > limit or total > max_bytes:
            raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} declares {info.file_size} bytes, "
                                 f"over the limit ({limit} per member, max_bytes={max_bytes} in all).")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} is encrypted or uses an unsupported "
                                 f"compression method {info.compress_type}.")
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} expands {info.file_size} bytes from "
                                 f"{info.compress_size}: a compression ratio over {_MAX_RATIO} (zip bomb?).")
        members[info.filename] = read_member(zf, info, path, where)
    for required in _MEMBERS:
        if required not in members:
            raise ModelFileError(f"{where}: {path!r} has no {required!r}; it is not a Keras 3 .keras file.")
    return members


# ---------------------------------------------------------------------- Keras config -> deepgrad config
def _check_builtin(obj, what):
    """Refuse objects from outside Keras, registered custom objects and Lambda layers."""
    module, cls = obj.get("module"), obj.get("class_name")
    if not isinstance(cls, str):
        raise ModelFileError(f"{what}: a serialized object has no str 'class_name': {str(obj)[:200]}")
    if module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
        raise ModelFileError(f"{what}: {cls!r} comes from module {module!r}, outside Keras; deepgrad loads "
                             f"Keras's built-in objects only (no custom code is ever run).")
    registered = obj.get("registered_name")
    if registered is not None and registered != cls:
        raise ModelFileError(f"{what}: {cls!r} is the custom object {registered!r}; deepgrad loads Keras's "
                             f"built-in objects only (no custom code is ever run).")
    if cls in ("Lambda", "__lambda__") or obj.get("class_name") == "function":
        raise ModelFileError(f"{what}: {cls!r} holds Python code; deepgrad never runs code from a file.")


def _plain(value, what, depth=0):
    """A Keras serialized value as deepgrad's: ``{"class_name", "config"}`` without module and
    registration keys, dtype policies as their dtype name, Keras-only neutral keys dropped."""
    if depth > 50:
        raise ModelFileError(f"{what}: the config nests deeper than 50 levels.")
    if isinstance(value, list):
        return [_plain(v, what, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" in value and "config" in value:
        _check_builtin(value, what)
        if value["class_name"] == "DTypePolicy":
            return (value.get("config") or {}).get("name", "float32")
        if value["class_name"] == "__keras_tensor__" or not isinstance(value["config"], dict):
            raise ModelFileError(f"{what}: unexpected serialized object {value['class_name']!r}.")
        return {"class_name": value["class_name"], "config": _plain(value["config"], what, depth + 1)}
    out = {}
    for key, v in value.items():
        neutral = _NEUTRAL.get(key)
        if neutral is _ANY or (neutral is not None and any(v is n or v == n for n in neutral)):
            continue
        out[key] = _plain(v, what, depth + 1)
    return out


def _layer_config(entry, what):
    """``(class_name, deepgrad config)`` of one Keras layer entry."""
    if not (isinstance(entry, dict) and isinstance(entry.get("class_name"), str)
            and isinstance(entry.get("config"), dict)):
        raise ModelFileError(f"{what}: a layer entry must be {{'class_name': str, 'config': {{...}}}}.")
    _check_builtin(entry, what)
    if entry.get("module") not in (None, "keras.layers"):
        raise ModelFileError(f"{what}: layer {entry['class_name']!r} has module {entry.get('module')!r}; "
                             f"expected 'keras.layers'.")
    cls = entry["class_name"]
    cfg = _plain(entry["config"], f"{what}: layer {_entry_name(entry)!r} ({cls})")
    if cls == "LayerNormalization" and isinstance(cfg.get("axis"), list) and len(cfg["axis"]) == 1:
        cfg["axis"] = cfg["axis"][0]  # Keras stores LayerNormalization's axis as a list
    if cls == "InputLayer":
        shape = cfg.pop("batch_shape", None)
        if isinstance(shape, list) and shape:
            cfg["shape"], batch = shape[1:], shape[0]
            if batch is not None:
                cfg["batch_size"] = batch
    for key in ("layer", "backward_layer"):
        if cls in _WRAPPERS and isinstance(entry["config"].get(key), dict):
            inner_cls, inner = _layer_config(entry["config"][key], what)
            cfg[key] = {"class_name": inner_cls, "config": inner}
    return cls, cfg


def _entry_name(entry):
    return entry.get("config", {}).get("name", "?") if isinstance(entry.get("config"), dict) else "?"


def _chain(cfg, what):
    """The layer entries of a one-path functional config, input first, in call order."""
    layers = cfg.get("layers")
    if not isinstance(layers, list):
        raise ModelFileError(f"{what}: the functional config needs a list 'layers'.")
    by_name, previous = {}, None
    for entry in layers:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in by_name:
            raise ModelFileError(f"{what}: functional layers need unique str names (shared layers are not "
                                 f"supported), got {name!r}.")
        by_name[name] = entry
        nodes = entry.get("inbound_nodes")
        if previous is None:
            if entry.get("class_name") != "InputLayer" or nodes:
                raise ModelFileError(f"{what}: the first functional layer must be an InputLayer.")
        else:
            ok = (isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], dict)
                  and isinstance(nodes[0].get("args"), list) and len(nodes[0]["args"]) == 1
                  and not nodes[0].get("kwargs") and isinstance(nodes[0]["args"][0], dict))
            history = (nodes[0]["args"][0].get("config") or {}).get("keras_history") if ok else None
            if not (isinstance(history, list) and history and history[0] == previous):
                raise ModelFileError(f"{what}: layer {name!r} is not called once on the previous layer's output: "
                                     f"deepgrad loads one-path functional models only (no branches, merges "
                                     f"or shared layers).")
        previous = name
    for key in ("input_layers", "output_layers"):
        ends = cfg.get(key)
        if isinstance(ends, list) and len(ends) == 1 and isinstance(ends[0], list):
            ends = ends[0]
        want = layers[0]["name"] if key == "input_layers" else previous
        if not (isinstance(ends, list) and ends and ends[0] == want):
            raise ModelFileError(f"{what}: {key} must name the chain's {'first' if 'input' in key else 'last'} "
                                 f"layer {want!r} (one input, one output).")
    return layers


def _snake(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _h5_names(class_names):
    """Keras's group names for a list of layer classes: ``dense``, ``dense_1``, ..."""
    seen, names = {}, []
    for cls in class_names:
        base = _snake(cls)
        names.append(base if base not in seen else f"{base}_{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return names


def _build(cfg, what):
    """An uncompiled deepgrad model (weights allocated) from a Keras model config."""
    from ..layers.base import LAYERS, Layer
    from .functional import Model
    from .sequential import Sequential

    if not isinstance(cfg, dict) or not isinstance(cfg.get("config"), dict):
        raise ModelFileError(f"{what}: {_CONFIG} must hold a serialized model ({{'class_name', 'config'}}).")
    _check_builtin(cfg, what)
    kind, mcfg = cfg.get("class_name"), cfg["config"]
    if kind == "Sequential":
        entries = mcfg.get("layers")
    elif kind in ("Functional", "Model"):
        entries = _chain(mcfg, what)
    else:
        raise ModelFileError(f"{what}: the model is a {kind!r}; deepgrad loads Sequential and one-path "
                             f"functional models (subclassed models hold code and are refused).")
    if not isinstance(entries, list) or len(entries) > _MAX_LAYERS:
        raise ModelFileError(f"{what}: the model config needs a list 'layers' (at most {_MAX_LAYERS}).")
    name = mcfg.get("name") if isinstance(mcfg.get("name"), str) else None
    trainable = mcfg.get("trainable", True) is not False
    saved_rng = config.rng().bit_generator.state  # building draws initial weights: leave no trace
    try:
        model = Sequential(name=name, trainable=trainable) if kind == "Sequential" else Model.empty(name, trainable)
        classes = []
        for entry in entries:
            cls_name, lcfg = _layer_config(entry, what)
            classes.append(cls_name)
            where = f"{what}: layer {lcfg.get('name', '?')!r} ({cls_name})"
            try:
                cls = LAYERS.lookup(cls_name, "class_name")
            except ValueError:
                raise ModelFileError(f"{where}: deepgrad has no layer class {cls_name!r}; known: "
                                     f"{', '.join(sorted(k for k in LAYERS._items if k[0].isupper()))}.") from None
            if not (isinstance(cls, type) and issubclass(cls, Layer)):
                raise ModelFileError(f"{where}: not a layer class.")
            try:
                model.add(cls.from_config(lcfg))
            except ModelFileError:
                raise
            except Exception as e:
                raise ModelFileError(f"{where}: its config does not map onto deepgrad's {cls_name}: "
                                     f"{type(e).__name__}: {str(e)[:300]}") from None
        build = cfg.get("build_config")
        shape = build.get("input_shape") if isinstance(build, dict) else None
        if not model.built and isinstance(shape, list):
            try:
                model.build(tuple(shape))
            except Exception as e:
                raise ModelFileError(f"{what}: cannot build the model for input shape {shape!r}: "
                                     f"{type(e).__name__}: {str(e)[:300]}") from None
        if not model.built:
            raise ModelFileError(f"{what}: the model has no input shape (no InputLayer, no build_config).")
    finally:
        config.rng().bit_generator.state = saved_rng
    if kind == "Sequential":
        classes = [c for c in classes if c != "InputLayer"]
    return model, classes


# ---------------------------------------------------------------------- weights
def _h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("Reading and writing .keras files needs the `h5py` package: pip install h5py") from None
    return h5py


def _layout(layer):
    """``[(subgroup path, number of weights)]`` of a deepgrad layer in Keras's HDF5 tree."""
    cls = type(layer).__name__
    n = len(layer.weights)
    if cls in _RECURRENT:
        return [("vars", 0), ("cell/vars", n)]
    if cls == "Bidirectional":  # deepgrad's weights: the forward layer's, then the backward layer's
        return ([(f"forward_layer/{p}", k) for p, k in _layout(layer.forward_layer)]
                + [(f"backward_layer/{p}", k) for p, k in _layout(layer.backward_layer)] + [("vars", 0)])
    if cls == "TimeDistributed":
        return [("vars", 0)] + [(f"layer/{p}", k) for p, k in _layout(layer.layer)]
    return [("vars", n)]


def _child(group, path, what):
    """``group[path]`` (None if absent) through hard links only: a soft or external link, which
    could point into another file on this machine, is refused."""
    h5py = _h5py()
    node = group
    for part in path.split("/"):
        if node is None or part not in node:
            return None
        if not isinstance(node.get(part, getlink=True), h5py.HardLink):
            raise ModelFileError(f"{what}: '{path}' is a soft or external HDF5 link; deepgrad reads only "
                                 f"the file's own data.")
        node = node[part]
    return node


def _read_group(group, sub, count, what, budget):
    arrays = []
    node = _child(group, sub, what) if group is not None else None
    keys = sorted(node.keys(), key=lambda k: int(k) if k.isdigit() else -1) if node is not None else []
    count = len(keys) if count is None else count  # None: as many as the file numbers 0, 1, ...
    if [str(i) for i in range(count)] != keys:
        raise ModelFileError(f"{what}: expected {count} weights in '{sub}', the file holds {keys[:10]}.")
    for key in keys:
        ds = _child(node, key, what)
        if not hasattr(ds, "dtype") or ds.dtype.kind not in "fiu" or ds.dtype.itemsize > 8:
            raise ModelFileError(f"{what}: '{sub}/{key}' is not a numeric dataset.")
        if ds.external or ds.is_virtual:
            raise ModelFileError(f"{what}: '{sub}/{key}' keeps its data outside the file (external or "
                                 f"virtual dataset); deepgrad reads only the file's own data.")
        size = int(np.prod(ds.shape, dtype=object)) * ds.dtype.itemsize
        budget[0] -= size
        if budget[0] < 0:
            raise ModelFileError(f"{what}: the weights declare more bytes than max_bytes.")
        arrays.append(np.asarray(ds[()]))
    return arrays


def _count_datasets(group):
    found = []
    group.visititems(lambda name, obj: found.append(name) if not hasattr(obj, "keys") else None)
    return len(found)


def _load_weights(model, names, expected, blob, what, max_bytes):
    """Read, check and set every weight; ``names`` are the groups of ``model.layers``.
    Returns the arrays of ``optimizer/vars`` (checked numeric, sized; empty if absent)."""
    h5py = _h5py()
    budget = [max_bytes]
    try:
        f = h5py.File(_io.BytesIO(blob), "r")
    except Exception as e:
        raise ModelFileError(f"{what}: {_WEIGHTS} is not a readable HDF5 file ({type(e).__name__}: "
                             f"{str(e)[:200]}).") from None
    with f:
        try:
            root = _child(f, "layers", what)
            if root is not None and set(root.keys()) - expected:
                raise ModelFileError(f"{what}: {_WEIGHTS} has weights for layers "
                                     f"{sorted(set(root.keys()) - expected)[:10]} that the config does not have.")
            for name in sorted(expected - set(names)):  # InputLayer groups hold nothing
                group = _child(root, name, what) if root is not None else None
                if group is not None and _count_datasets(group):
                    raise ModelFileError(f"{what}: {_WEIGHTS} holds weights for the InputLayer 'layers/{name}'.")
            values = []
            for layer, name in zip(model.layers, names):
                lwhat = f"{what}: layer {layer.name!r} ({type(layer).__name__}, weights 'layers/{name}')"
                group = _child(root, name, lwhat) if root is not None else None
                arrays = []
                for sub, count in _layout(layer):
                    if count or (group is not None and sub in group):
                        arrays += _read_group(group, sub, count, lwhat, budget)
                if group is not None and _count_datasets(group) != len(arrays):
                    raise ModelFileError(f"{lwhat}: the file holds {_count_datasets(group)} weights, "
                                         f"the layer has {len(arrays)}.")
                for w, a in zip(layer.weights, arrays):
                    if a.shape != w.value.shape and not (a.size == w.value.size
                                                         and tuple(s for s in a.shape if s != 1)
                                                         == tuple(s for s in w.value.shape if s != 1)):
                        raise ModelFileError(f"{lwhat}: weight '{w.name}' has shape {a.shape} in the file; "
                                             f"the layer needs {w.value.shape}.")
                    a = a.reshape(w.value.shape).astype(w.value.dtype)
                    if not np.all(np.isfinite(a)):
                        raise ModelFileError(f"{lwhat}: weight '{w.name}' holds NaN or Inf.")
                    values.append(a)
            opt = _read_group(f, "optimizer/vars", None, f"{what}: optimizer", budget)
        except ModelFileError:
            raise
        except Exception as e:  # a malformed HDF5 tree
            raise ModelFileError(f"{what}: {_WEIGHTS} is malformed ({type(e).__name__}: {str(e)[:200]}).") from None
    model.set_weights(values)
    return opt


# ---------------------------------------------------------------------- compile config
def _compile(model, compile_config, what):
    """Compile with the file's optimizer, loss and metrics when they map onto deepgrad's;
    otherwise warn and leave the model uncompiled (as Keras does when compiling fails)."""
    from .. import losses, optimizers

    try:
        if not isinstance(compile_config, dict):
            raise ValueError("'compile_config' is not an object")
        optimizer = _plain(compile_config.get("optimizer"), what)
        if isinstance(optimizer, dict):
            optimizer = optimizers.deserialize(optimizer)
        loss = _plain(compile_config.get("loss"), what)
        metrics = _plain(compile_config.get("metrics") or [], what)
        weighted = _plain(compile_config.get("weighted_metrics") or [], what)
        if compile_config.get("loss_weights") is not None:
            raise ValueError("loss_weights are not supported")
        model.compile(optimizer=optimizer, loss=losses.get(loss) if isinstance(loss, dict) else loss,
                      metrics=metrics, weighted_metrics=weighted)
    except ModelFileError:
        raise
    except Exception as e:
        warnings.warn(f"{what}: the compile config does not map onto deepgrad ({type(e).__name__}: "
                      f"{str(e)[:300]}); the model is returned uncompiled.", RuntimeWarning, stacklevel=3)


def _read_keras_file(path, max_bytes, where):
    """The checked members of a Keras 3 file, its config, and the model that config describes."""
    members = _read_zip(path, max_bytes, where)
    what = f"{where}: {path!r}"
    meta = parse_json(members[_METADATA], f"{what}: {_METADATA}")
    version = meta.get("keras_version") if isinstance(meta, dict) else None
    if not (isinstance(version, str) and version.startswith("3.")):
        raise ModelFileError(f"{what}: {_METADATA} says keras_version {version!r}; deepgrad reads Keras 3 files.")
    cfg = parse_json(members[_CONFIG], f"{what}: {_CONFIG}")
    model, classes = _build(cfg, what)
    return members, cfg, model, classes


def load_keras_weights(model, path, max_bytes=MAX_FILE_BYTES, where="load_weights"):
    """Keras's ``model.load_weights("m.keras")``: the weights of a ``.keras`` file into ``model``,
    whose layers must be the file's (the same classes in the same order; every weight's shape is
    checked, as in :func:`load_keras`, before any weight changes). The file's compile config and
    optimizer state are not read (``load_model`` reads them)."""
    members, _, file_model, classes = _read_keras_file(path, max_bytes, where)
    what = f"{where}: {path!r}"
    ours = [type(layer).__name__ for layer in model.layers]
    theirs = [type(layer).__name__ for layer in file_model.layers]
    if ours != theirs:
        raise ModelFileError(f"{what}: the file's model has the layers {theirs[:10]}, this model {ours[:10]}; "
                             f"load_weights needs the same layers in the same order.")
    all_names = _h5_names(classes)
    names = [n for n, c in zip(all_names, classes) if c != "InputLayer"]
    _load_weights(model, names, set(all_names), members[_WEIGHTS], what, max_bytes)


def load_keras(path, compile=True, max_bytes=MAX_FILE_BYTES, where="load_model"):
    """Read a Keras 3 ``.keras`` file into a deepgrad model (see the module docstring)."""
    members, cfg, model, classes = _read_keras_file(path, max_bytes, where)
    what = f"{where}: {path!r}"
    all_names = _h5_names(classes)
    names = [n for n, c in zip(all_names, classes) if c != "InputLayer"]
    opt_vars = _load_weights(model, names, set(all_names), members[_WEIGHTS], what, max_bytes)
    compile_config = cfg.get("compile_config")
    if compile and isinstance(compile_config, dict) and compile_config.get("loss") is not None:
        _compile(model, cfg["compile_config"], what)
        if model.optimizer is not None and opt_vars:
            from .keras_optimizer_state import set_keras_state
            set_keras_state(model, opt_vars, what)
    return model
