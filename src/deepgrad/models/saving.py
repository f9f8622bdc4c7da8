"""Model files: ``model.save("m.deepgrad")``, :func:`load_model`, ``save_weights``/``load_weights``.

File format (``format_version`` 1). A ``.deepgrad`` file is a zip archive (stored, not
compressed) holding only these members:

===========================  ===========================================================
``metadata.json``            ``{"format": "deepgrad.model", "format_version": 1,
                             "deepgrad_version", "date_saved"}``
``config.json``              ``{"class_name": "Sequential", "config": model.get_config(),
                             "build_config": {"input_shape"}, "compile_config":
                             {"optimizer", "loss", "metrics", "weighted_metrics"} or null}``
                             (metrics: names or
                             ``{"class_name", "config"}`` of Metric objects)
``model.weights.safetensors``  every weight, named ``layers/<i>/vars/<j>`` (``i`` the layer's
                             position, ``j`` the weight's position in ``get_weights`` order)
``optimizer.safetensors``    ``optimizer.get_state()`` (slots and ``iterations``), when compiled
``state.json``               ``{"layer_rng": {path: state}}``: the generator states of layers
                             that own one (``Dropout(seed=)``), nested ones included; ``path``
                             is the layer's position, then attribute names inside wrappers
                             (``"1/layer"``), see :func:`seeded_layers`
``training.json`` /          only in ``BackupAndRestore`` backups: where training stopped
``training.safetensors``     (epoch, batch, the epoch's shuffling order, the global rng state)
===========================  ===========================================================

A weights file (``.safetensors``) is the ``model.weights.safetensors`` member on its own.

Safety. Nothing in a file is ever imported, evaluated or unpickled: layer, optimizer and loss
classes are looked up by name in deepgrad's registries only. The loader reads the whole file
into memory (at most ``max_bytes``), never extracts members to disk, and checks before use:
member names (no paths, no duplicates, only the names above), member sizes and compression
ratios (zip bombs), the CRC of each member, the safetensors headers (length, JSON, dtypes,
shapes, offsets), the format version, the configuration's structure, and that every weight
has exactly the shape and dtype the configuration builds. Any problem raises
:class:`ModelFileError` (a ``ValueError``) that says what is wrong; loading a model does not
change the global random generator.

Limitation: a configuration is turned into layers (and their weights allocated) before the
weights are compared with it, so a hostile file that asks for enormous layers costs that
allocation (an allocation the machine refuses surfaces as :class:`ModelFileError`).
"""

from __future__ import annotations

import datetime
import io as _io
import json
import os
import struct
import zipfile

import numpy as np

from .. import __version__, config
from ..io import atomic_open

FORMAT = "deepgrad.model"
WEIGHTS_FORMAT = "deepgrad.weights"
FORMAT_VERSION = 1
MODEL_EXTENSION = ".deepgrad"
WEIGHTS_EXTENSION = ".safetensors"

#: Default cap on a file's size (bytes) read by the loaders.
MAX_FILE_BYTES = 2 ** 31
_MAX_JSON_BYTES = 16 * 2 ** 20
_MAX_HEADER_BYTES = 16 * 2 ** 20
_MAX_RATIO = 100  # uncompressed / compressed, for members a third-party tool compressed
_MAX_LAYERS = 100_000

METADATA, CONFIG, WEIGHTS = "metadata.json", "config.json", "model.weights.safetensors"
OPTIMIZER, STATE = "optimizer.safetensors", "state.json"
TRAINING_JSON, TRAINING_TENSORS = "training.json", "training.safetensors"
_MEMBERS = (METADATA, CONFIG, WEIGHTS, OPTIMIZER, STATE, TRAINING_JSON, TRAINING_TENSORS)
_JSON_MEMBERS = (METADATA, CONFIG, STATE, TRAINING_JSON)

# safetensors dtype codes accepted by the loader, and their item sizes.
_DTYPES = {"F16": 2, "F32": 4, "F64": 8, "I32": 4, "I64": 8, "U64": 8, "U32": 4, "U8": 1, "BOOL": 1}


class ModelFileError(ValueError):
    """A model or weights file is unreadable, corrupted, hostile or does not fit the model.

    Raised by :func:`load_model`, ``Sequential.load_weights`` and ``BackupAndRestore`` for
    truncated or corrupted archives, bad safetensors headers, unknown layer classes or
    configuration keys, unsafe member names, zip bombs, weight shapes or dtypes that do not
    match the configuration, and files written by a newer format version.
    """


def _safetensors():
    try:
        import safetensors.numpy as st
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Saving and loading deepgrad models needs the `safetensors` package: "
            "pip install 'deepgrad[io]' (or pip install safetensors)."
        ) from None
    return st


# ---------------------------------------------------------------------- path checks
def _check_path(filepath, argname, where, suffix):
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{where}: `{argname}` must be a str or os.PathLike, got {type(filepath).__name__}.")
    path = os.fspath(filepath)
    if not path.endswith(suffix):
        raise ValueError(f"{where}: `{argname}` must end in '{suffix}', got {path!r}.")
    return path


def _read_bounded(path, max_bytes, where):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: no such file: {path!r}.")
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ModelFileError(f"{where}: {path!r} is {size} bytes, more than max_bytes={max_bytes}.")
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ModelFileError(f"{where}: {path!r} grew beyond max_bytes={max_bytes} while being read.")
    return data


# ---------------------------------------------------------------------- safetensors
def tensors_to_bytes(tensors: dict, metadata: dict) -> bytes:
    st = _safetensors()
    return st.save({k: np.asarray(v, order="C") for k, v in tensors.items()}, metadata=metadata)


def parse_safetensors(data: bytes, what: str):
    """Validate a safetensors blob's header, then decode it: ``(tensors, metadata)``."""
    if len(data) < 8:
        raise ModelFileError(f"{what}: truncated safetensors data ({len(data)} bytes, the header length needs 8).")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER_BYTES or n > len(data) - 8:
        raise ModelFileError(f"{what}: safetensors header length {n} exceeds the data "
                             f"({len(data) - 8} bytes) or the limit ({_MAX_HEADER_BYTES}).")
    header = parse_json(data[8:8 + n], what + " header")
    if not isinstance(header, dict):
        raise ModelFileError(f"{what}: the safetensors header must be a JSON object.")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(f"{what}: safetensors '__metadata__' must map strings to strings.")
    body = len(data) - 8 - n
    for name, info in header.items():
        if not (isinstance(info, dict) and info.get("dtype") in _DTYPES and isinstance(info.get("shape"), list)
                and all(type(d) is int and 0 <= d < 2 ** 40 for d in info["shape"])
                and isinstance(info.get("data_offsets"), list) and len(info["data_offsets"]) == 2
                and all(type(o) is int for o in info["data_offsets"])):
            raise ModelFileError(f"{what}: bad safetensors entry for tensor {name!r}: {info!r}"[:300])
        begin, end = info["data_offsets"]
        nbytes = int(np.prod(info["shape"], dtype=object)) * _DTYPES[info["dtype"]]
        if not (0 <= begin <= end <= body) or end - begin != nbytes:
            raise ModelFileError(f"{what}: tensor {name!r} has data offsets {info['data_offsets']} that do not "
                                 f"fit its shape {info['shape']} ({info['dtype']}) or the {body} data bytes.")
    try:
        tensors = _safetensors().load(bytes(data))
    except Exception as e:  # the Rust decoder's own checks
        raise ModelFileError(f"{what}: invalid safetensors data: {e}") from None
    return tensors, metadata


def parse_json(raw: bytes, what: str):
    try:
        return json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ModelFileError(f"{what}: not valid UTF-8 JSON ({type(e).__name__}: {str(e)[:200]}).") from None


def _dumps(obj) -> bytes:
    return json.dumps(obj, indent=1, sort_keys=True, allow_nan=False).encode("utf-8")


# ---------------------------------------------------------------------- archive
def _safe_member_name(name: str) -> bool:
    return (name in _MEMBERS and "/" not in name and "\\" not in name and ".." not in name
            and "\x00" not in name)


def open_zip(path, max_bytes, where, kind):
    """The zip at ``path``, read whole (at most ``max_bytes``) and opened in memory, and its member
    list; a truncated or corrupted one is a ModelFileError naming ``kind`` ("deepgrad file")."""
    data = _read_bounded(path, max_bytes, where)
    try:
        zf = zipfile.ZipFile(_io.BytesIO(data))
        return zf, zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, struct.error, UnicodeDecodeError) as e:
        raise ModelFileError(f"{where}: {path!r} is not a readable {kind} (truncated or corrupted "
                             f"zip: {e}).") from None


def read_member(zf, info, path, where) -> bytes:
    """One member's bytes, as long as its entry says (a bad CRC, truncated data or a broken
    compressed stream is a ModelFileError)."""
    try:
        with zf.open(info) as f:
            raw = f.read(info.file_size + 1)
    except Exception as e:  # bad CRC, truncated data, broken compressed stream
        raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} is corrupted "
                             f"({type(e).__name__}: {str(e)[:200]}).") from None
    if len(raw) != info.file_size:
        raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} has {len(raw)} bytes, "
                             f"its entry says {info.file_size}.")
    return raw


def read_archive(path, max_bytes=MAX_FILE_BYTES, where="load_model") -> dict:
    """Read and check a ``.deepgrad`` archive; returns ``{member name: bytes}`` (nothing is extracted)."""
    zf, infos = open_zip(path, max_bytes, where, "deepgrad file")
    names = [i.filename for i in infos]
    for name in names:
        if not _safe_member_name(name):
            kind = ("an unsafe path" if any(s in name for s in ("/", "\\", "..", "\x00")) or os.path.isabs(name)
                    else "an unexpected member")
            raise ModelFileError(f"{where}: {path!r} contains {kind} {name!r}; a deepgrad file holds only "
                                 f"{', '.join(_MEMBERS)}.")
    if len(set(names)) != len(names):
        raise ModelFileError(f"{where}: {path!r} contains duplicate members {sorted(names)}.")
    members = {}
    total = 0
    for info in infos:
        limit = _MAX_JSON_BYTES if info.filename in _JSON_MEMBERS else max_bytes
        total += info.file_size
        if info.file_size > limit or total > max_bytes:
            raise ModelFileError(f"{where}: member {info.filename!r} of {path!r} declares {info.file_size} bytes, "
                                 f"over the limit ({limit} per member, max_bytes={max_bytes} in all).")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(f"{where}: member {info.filename!r} uses an unsupported compression "
                                 f"method {info.compress_type}.")
        if info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise ModelFileError(f"{where}: member {info.filename!r} expands {info.file_size} bytes from "
                                 f"{info.compress_size}: a compression ratio over {_MAX_RATIO} (zip bomb?).")
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{where}: member {info.filename!r} is encrypted.")
        members[info.filename] = read_member(zf, info, path, where)
    for required in (METADATA, CONFIG, WEIGHTS):
        if required not in members:
            raise ModelFileError(f"{where}: {path!r} has no {required!r}; it is not a deepgrad model file.")
    meta = parse_json(members[METADATA], f"{where}: {METADATA}")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{where}: {path!r} is not a deepgrad model file ({METADATA} lacks "
                             f"format={FORMAT!r}).")
    version = meta.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelFileError(f"{where}: {METADATA} has an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{where}: {path!r} has format_version {version}, newer than this deepgrad "
                             f"({__version__}) reads (up to {FORMAT_VERSION}); upgrade deepgrad.")
    return members


def write_archive(path, model, include_optimizer=True, extra=None, compile_config=True) -> None:
    """Write ``model`` (and ``extra`` members, name -> bytes) to ``path`` atomically.

    ``compile_config=False`` leaves the compile configuration out (backups restore into a
    compiled model and need only the optimizer's state).
    """
    members = {
        METADATA: _dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "deepgrad_version": __version__,
                          "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}),
        CONFIG: _dumps(model_config(model, include_optimizer and compile_config)),
        WEIGHTS: weights_bytes(model),
        STATE: _dumps({"layer_rng": layer_rng_states(model)}),
    }
    if include_optimizer and model.optimizer is not None:
        state = {k: np.asarray(v) for k, v in model.optimizer.get_state().items()}
        members[OPTIMIZER] = tensors_to_bytes(state, {"format": "deepgrad.optimizer"})
    members.update(extra or {})
    with atomic_open(path) as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, raw in members.items():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, raw)


# ---------------------------------------------------------------------- model <-> parts
def model_config(model, include_optimizer=True) -> dict:
    from .. import losses, optimizers

    compile_config = None
    if include_optimizer and model.optimizer is not None and model.loss is not None:
        compile_config = {"optimizer": optimizers.serialize(model.optimizer),
                          "loss": losses.serialize(model.loss),
                          "metrics": [serialize_metric(m) for m in model._metric_specs],
                          "weighted_metrics": [serialize_metric(m) for m in model._weighted_metric_specs]}
    shape = model.input_shape
    return {"class_name": type(model).__name__, "config": model.get_config(),
            "build_config": None if shape is None else {"input_shape": list(shape)},
            "compile_config": compile_config}


def serialize_metric(spec):
    """A ``compile(metrics=[...])`` entry as JSON: names stay names, Metric objects (or config
    dicts) become ``{"class_name", "config"}`` (``metrics.serialize``); ``compile`` reads both.

    Raises ValueError, before anything is written, for a metric class ``metrics.get`` cannot
    build back (one not in deepgrad's metric registry).
    """
    from .. import metrics

    if isinstance(spec, str):
        return spec
    metric = metrics.get(spec)
    if isinstance(metric, metrics.AutoAccuracy) and metric.name in ("accuracy", "acc"):
        return metric.name  # the unresolved "accuracy" metric is that name's spec
    name = type(metric).__name__
    try:
        registered = metrics.METRICS.lookup(name, "metrics")
    except ValueError:
        registered = None
    if registered is not type(metric):
        raise ValueError(f"save: `metrics` entry {metric!r} is a {name}, which load_model cannot rebuild; "
                         f"use a registered metric ({', '.join(metrics.METRICS.names())}).")
    return metrics.serialize(metric)


def _weight_key(i, j):
    return f"layers/{i}/vars/{j}"


def _indexed_weights(model):
    return [(_weight_key(i, j), w) for i, layer in enumerate(model._layers) for j, w in enumerate(layer.weights)]


def weights_bytes(model) -> bytes:
    tensors = {key: w.value for key, w in _indexed_weights(model)}
    names = {key: w.name for key, w in _indexed_weights(model)}
    return tensors_to_bytes(tensors, {"format": WEIGHTS_FORMAT, "format_version": str(FORMAT_VERSION),
                                       "names": json.dumps(names)})


def _sublayers(layer):
    """``(attribute path, layer)`` for each layer ``layer`` holds, in attribute-name order.

    Wrappers hold their inner layers in plain attributes (``TimeDistributed.layer``,
    ``Bidirectional.forward_layer`` and ``backward_layer``); a list or tuple of layers in
    attribute ``a`` gives the paths ``a/0``, ``a/1``, ...
    """
    from ..layers.base import Layer

    for attr, value in sorted(vars(layer).items()):
        if isinstance(value, Layer):
            yield attr, value
        elif isinstance(value, (list, tuple)):
            for k, item in enumerate(value):
                if isinstance(item, Layer):
                    yield f"{attr}/{k}", item


def seeded_layers(model) -> dict:
    """``{path: layer}`` for every layer owning a random generator (``Dropout(seed=)``), nested ones too.

    The model's layer ``i`` has path ``"i"``; a layer it holds in attribute ``a`` has path
    ``"i/a"`` (``"1/layer"`` for ``TimeDistributed(Dropout(0.5, seed=1))`` at position 1), and so
    on down. A layer reachable twice (shared) is listed once, at its first path.
    """
    owners, seen = {}, set()

    def visit(path, layer):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        if getattr(layer, "_rng", None) is not None:
            owners[path] = layer
        for attr, sub in _sublayers(layer):
            visit(f"{path}/{attr}", sub)

    for i, layer in enumerate(model._layers):
        visit(str(i), layer)
    return owners


def layer_rng_states(model) -> dict:
    return {path: layer._rng.bit_generator.state for path, layer in seeded_layers(model).items()}


def check_weights(model, tensors: dict, what: str) -> list:
    """The arrays of ``tensors`` in ``get_weights`` order, after checking names, shapes and dtypes."""
    expected = _indexed_weights(model)
    keys = {k for k, _ in expected}
    if set(tensors) != keys:
        missing, extra = sorted(keys - set(tensors)), sorted(set(tensors) - keys)
        raise ModelFileError(f"{what}: the weights do not match the model: missing {missing[:10]}, "
                             f"unexpected {extra[:10]} ({len(tensors)} tensors for {len(keys)} weights).")
    arrays = []
    for key, w in expected:
        a = tensors[key]
        if a.shape != w.value.shape or a.dtype != w.value.dtype:
            raise ModelFileError(f"{what}: weight {key} ('{w.name}') has shape {a.shape} and dtype {a.dtype}; "
                                 f"the model needs shape {w.value.shape} and dtype {w.value.dtype}.")
        if not np.all(np.isfinite(a)):
            raise ModelFileError(f"{what}: weight {key} ('{w.name}') holds NaN or Inf.")
        if w.name == "moving_variance" and np.any(a < 0):  # a variance: sqrt(var + eps) would be NaN
            raise ModelFileError(f"{what}: weight {key} ('{w.name}') holds a negative variance {a.min()!r}.")
        arrays.append(a)
    return arrays


def check_layer_rng_states(model, states, what) -> list:
    """``[(generator, state)]`` for the seeded layers, every state checked; nothing is changed.

    ``states`` maps the paths of :func:`seeded_layers` to generator states. Files written before
    nested layers' states were saved hold top-level paths only; for them the nested seeded
    layers keep the generators their configuration seeded.
    """
    if not isinstance(states, dict):
        raise ModelFileError(f"{what}: 'layer_rng' must be an object, got {type(states).__name__}.")
    owners = seeded_layers(model)
    expected = set(owners)
    if not any("/" in path for path in states):
        expected = {path for path in expected if "/" not in path}
    if set(states) != expected:
        raise ModelFileError(f"{what}: random generator states for layers {sorted(states)} but the model's "
                             f"seeded layers are {sorted(owners)}.")
    pairs = []
    for i, state in states.items():
        gen = owners[i]._rng
        set_generator_state(np.random.Generator(type(gen.bit_generator)()), state, f"{what}: layer {i}")
        pairs.append((gen, state))
    return pairs


def set_generator_state(gen, state, what):
    """Assign a ``bit_generator.state`` dict after checking it is one of the same kind."""
    current = gen.bit_generator.state
    if not (isinstance(state, dict) and state.get("bit_generator") == current["bit_generator"]
            and set(state) == set(current)):
        raise ModelFileError(f"{what}: invalid random generator state (expected a "
                             f"{current['bit_generator']} state dict).")
    try:
        gen.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise ModelFileError(f"{what}: invalid random generator state ({e}).") from None


def _build_model(cfg, what):
    from ..layers.base import LAYERS, Layer
    from .sequential import Sequential

    if (not isinstance(cfg, dict) or cfg.get("class_name") not in ("Sequential", "Model")
            or not isinstance(cfg.get("config"), dict)):
        raise ModelFileError(f"{what}: {CONFIG} must describe a Sequential model "
                             f"({{'class_name': 'Sequential', 'config': {{...}}}}).")
    mcfg = cfg["config"]
    layers = mcfg.get("layers")
    name = mcfg.get("name")
    trainable = mcfg.get("trainable", True)  # files from before get_config held it: trainable
    if (not isinstance(layers, list) or len(layers) > _MAX_LAYERS or not isinstance(name, str)
            or not isinstance(trainable, bool)):
        raise ModelFileError(f"{what}: the model config needs a str 'name', a list 'layers' "
                             f"(at most {_MAX_LAYERS}) and a bool 'trainable' (default true).")
    build = cfg.get("build_config")
    if build is not None and not (isinstance(build, dict) and isinstance(build.get("input_shape"), list)):
        raise ModelFileError(f"{what}: 'build_config' must be null or {{'input_shape': [...]}}.")
    saved_rng = config.rng().bit_generator.state  # building draws initial weights: leave no trace
    try:
        if cfg["class_name"] == "Model":  # a one-path functional model (models/functional.py)
            from .functional import Model
            model = Model.empty(name=name, trainable=trainable)
        else:
            model = Sequential(name=name, trainable=trainable)  # the layers bring their own flags
        for i, entry in enumerate(layers):
            if not (isinstance(entry, dict) and isinstance(entry.get("class_name"), str)
                    and isinstance(entry.get("config"), dict)):
                raise ModelFileError(f"{what}: layer {i} must be {{'class_name': str, 'config': {{...}}}}.")
            cls_name = entry["class_name"]
            try:
                cls = LAYERS.lookup(cls_name, "class_name")
            except ValueError:
                raise ModelFileError(f"{what}: layer {i} names an unknown layer class {cls_name!r}; "
                                     f"known: {', '.join(sorted(LAYERS._items))}."[:2000]) from None
            if not (isinstance(cls, type) and issubclass(cls, Layer)):
                raise ModelFileError(f"{what}: layer {i}: {cls_name!r} is not a layer class.")
            dtype = entry["config"].get("dtype")
            if isinstance(dtype, str) and dtype not in ("float16", "float32", "float64"):
                raise ModelFileError(f"{what}: layer {i} ({cls_name}) has dtype {dtype!r}; "
                                     f"expected 'float16', 'float32' or 'float64'.")
            try:
                model.add(cls.from_config(dict(entry["config"])))
            except ModelFileError:
                raise
            except Exception as e:  # bad or hostile arguments: unknown keys, wrong types, sizes
                raise ModelFileError(f"{what}: layer {i} ({cls_name}) cannot be built from its config: "
                                     f"{type(e).__name__}: {str(e)[:300]}") from None
        if build is not None and not model.built:
            try:
                model.build(tuple(build["input_shape"]))
            except Exception as e:
                raise ModelFileError(f"{what}: cannot build the model for input shape "
                                     f"{build['input_shape']!r}: {type(e).__name__}: {str(e)[:300]}") from None
    finally:
        config.rng().bit_generator.state = saved_rng
    return model


def _compile_model(model, compile_config, opt_state, what):
    from .. import losses, optimizers

    if not (isinstance(compile_config, dict) and isinstance(compile_config.get("metrics"), list)
            and isinstance(compile_config.get("weighted_metrics", []), list)):
        raise ModelFileError(f"{what}: 'compile_config' must be null or {{'optimizer', 'loss', 'metrics', "
                             f"'weighted_metrics'}} (lists of metrics).")
    try:
        optimizer = optimizers.deserialize(compile_config.get("optimizer"))
        loss = losses.get(compile_config.get("loss"))
        model.compile(optimizer=optimizer, loss=loss, metrics=list(compile_config["metrics"]),
                      weighted_metrics=list(compile_config.get("weighted_metrics", [])))
    except Exception as e:
        raise ModelFileError(f"{what}: bad compile_config: {type(e).__name__}: {str(e)[:300]}") from None
    if opt_state is not None:
        set_optimizer_state(model, opt_state, what)


def set_optimizer_state(model, state, what):
    """Build the optimizer for the model's weights and restore ``state`` (validated)."""
    try:
        if set(state) == {"iterations"}:  # saved before the optimizer's first step: nothing built yet
            if model.optimizer._transform is not None or np.shape(state["iterations"]) != ():
                raise ValueError("the state holds no slots but the optimizer has some")
            model.optimizer.iterations = int(state["iterations"])
            return
        model._prepare_training()  # builds the optimizer for the trainable weights (names included)
        model.optimizer.set_state(state)
    except Exception as e:
        raise ModelFileError(f"{what}: the optimizer state does not fit the model: "
                             f"{type(e).__name__}: {str(e)[:300]}") from None


def restore(path, max_bytes=MAX_FILE_BYTES, where="load_model", compile=True):
    """Read ``path``: returns ``(model, members)`` after every check."""
    members = read_archive(path, max_bytes, where)
    what = f"{where}: {os.fspath(path)!r}"
    cfg = parse_json(members[CONFIG], f"{what}: {CONFIG}")
    model = _build_model(cfg, what)
    tensors, _ = parse_safetensors(members[WEIGHTS], f"{what}: {WEIGHTS}")
    model.set_weights(check_weights(model, tensors, what))
    if STATE in members:
        state = parse_json(members[STATE], f"{what}: {STATE}")
        if not isinstance(state, dict):
            raise ModelFileError(f"{what}: {STATE} must be an object.")
        for gen, st in check_layer_rng_states(model, state.get("layer_rng", {}), what):
            gen.bit_generator.state = st
    if compile and cfg.get("compile_config") is not None:
        opt_state = None
        if OPTIMIZER in members:
            opt_state, _ = parse_safetensors(members[OPTIMIZER], f"{what}: {OPTIMIZER}")
        _compile_model(model, cfg["compile_config"], opt_state, what)
    return model, members


# ---------------------------------------------------------------------- public API
def load_model(filepath, compile=True, max_bytes=MAX_FILE_BYTES):
    """Load a model saved by ``model.save``: architecture, weights, optimizer and its state.

    Args:
        filepath: path of a ``.deepgrad`` file, or of a Keras 3 ``.keras`` file (see
            :mod:`deepgrad.models.keras_file`: what loads and what is refused).
        compile: compile the model with the saved optimizer (state included), loss and metrics
            (default True); ``False`` returns an uncompiled model with the weights.
        max_bytes: refuse files (and total uncompressed members) larger than this.

    The loaded model predicts exactly as the saved one and its next training step equals the
    step the saved model would have taken. The global random generator is not changed.

    Raises:
        ModelFileError (a ValueError): the file is truncated, corrupted, hostile, from a newer
            format version, or its weights do not fit its configuration.
        FileNotFoundError: no such file.
    """
    where = "load_model"
    if not isinstance(compile, bool):
        raise TypeError(f"{where}: `compile` must be a bool, got {type(compile).__name__}.")
    if isinstance(filepath, (str, os.PathLike)) and os.fspath(filepath).endswith(".keras"):
        from .keras_file import load_keras
        return load_keras(os.fspath(filepath), compile, max_bytes, where)
    path = _check_path(filepath, "filepath", where, MODEL_EXTENSION)
    model, _ = restore(path, max_bytes, where, compile=compile)
    return model
