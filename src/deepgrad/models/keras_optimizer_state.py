"""The optimizer's state in a ``.keras`` file (``optimizer/vars/0, 1, ...`` of
``model.weights.h5``), mapped onto deepgrad's optimizer state and back.

Keras 3 keeps ``iterations``, then ``learning_rate`` (absent under a schedule), then the slot
variables in the order the optimizer's ``build`` makes them: a slot list made by one
``add_optimizer_variables`` call with several names is interleaved per model variable (Adam:
``m0, v0, m1, v1, ...``), separate calls follow one another (Adam's ``amsgrad``:
then ``vhat0, vhat1, ...``). The model variables are the trainable weights in the model's order,
as deepgrad's. Optimizers not in :data:`_BLOCKS` keep a fresh state (with a warning on loading).
"""

from __future__ import annotations

import warnings

import numpy as np

from .saving import ModelFileError, set_optimizer_state


def _blocks(opt):
    """deepgrad's slot names in Keras's build order: a list of blocks, each interleaved per variable."""
    name, cfg = type(opt).__name__, opt.get_config()
    if name in ("Adam", "AdamW"):
        return [["m", "v"]] + ([["vhat"]] if cfg.get("amsgrad") else [])
    if name == "Adagrad":
        return [["accumulator"]]
    if name == "SGD":
        return [["velocity"]] if cfg.get("momentum") else []
    if name == "RMSprop":
        return ([["velocity"]] + ([["M"]] if cfg.get("momentum") else [])
                + ([["average_gradient"]] if cfg.get("centered") else []))
    return None


def _prefix(state, blocks):
    """The part of deepgrad's state keys before the slot names (``"adam"`` in ``"adam/m/0"``)."""
    first = blocks[0][0] if blocks else None
    return next((k[:-len(f"/{first}/0")] for k in state if first and k.endswith(f"/{first}/0")), None)


def _has_rate_variable(opt):
    return not isinstance(opt.get_config().get("learning_rate"), dict)


def keras_state(model):
    """The arrays of ``optimizer/vars`` for ``model``'s optimizer, or None when it has no
    state yet or its slots have no Keras layout here."""
    opt = model.optimizer
    blocks = None if opt is None else _blocks(opt)
    state = {} if opt is None else opt.get_state()
    prefix = None if blocks is None else _prefix(state, blocks)
    if blocks is None or (blocks and prefix is None) or (not blocks and set(state) != {"iterations"}
                                                         and not all(k.endswith("/count") or k == "iterations"
                                                                     for k in state)):
        return None
    n = len([w for w in model.weights if w.trainable]) if blocks else 0
    out = [np.asarray(state["iterations"], dtype=np.int64)]
    if _has_rate_variable(opt):
        out.append(np.asarray(opt.learning_rate, dtype=np.float32))
    for block in blocks:
        for i in range(n):
            out += [np.asarray(state[f"{prefix}/{slot}/{i}"], dtype=np.float32) for slot in block]
    return out


def _iterations(value, what):
    if np.shape(value) != () or not np.isfinite(value) or value < 0 or value != int(value):
        raise ModelFileError(f"{what}: the optimizer's iterations must be a count, got {value!r}.")
    return np.asarray(int(value), dtype=np.int64)


def set_keras_state(model, arrays, what):
    """Restore a Keras optimizer state (``arrays``, ``optimizer/vars`` in order) into the
    compiled ``model``'s optimizer; refused (ModelFileError) when the counts or shapes differ."""
    opt = model.optimizer
    blocks = _blocks(opt)
    if blocks is None:
        warnings.warn(f"{what}: the {type(opt).__name__} state in the file is not read (no Keras layout for "
                      f"it in deepgrad); the optimizer starts fresh.", RuntimeWarning, stacklevel=3)
        return
    head = 2 if _has_rate_variable(opt) else 1
    if len(arrays) == head:  # saved before the first step: Keras has built no slots yet
        set_optimizer_state(model, {"iterations": _iterations(arrays[0], what)}, what)
        return
    model._prepare_training()  # builds the optimizer's slots for the trainable weights
    fresh = opt.get_state()
    prefix = _prefix(fresh, blocks)
    n = len([w for w in model.weights if w.trainable]) if blocks else 0
    expected = head + n * sum(len(b) for b in blocks)
    if len(arrays) != expected:
        raise ModelFileError(f"{what}: the file's optimizer holds {len(arrays)} variables; deepgrad's "
                             f"{type(opt).__name__} for this model needs {expected}.")
    state = {"iterations": _iterations(arrays[0], what)}
    for key in fresh:  # each step counter of deepgrad's chain (Adam's bias correction, AdamW's decay)
        if key.endswith("/count"):
            state[key] = np.asarray(state["iterations"], dtype=fresh[key].dtype)
    k = head
    for block in blocks:
        for i in range(n):
            for slot in block:
                state[f"{prefix}/{slot}/{i}"] = np.asarray(arrays[k])
                k += 1
    extra = set(fresh) - set(state)
    if extra:
        raise ModelFileError(f"{what}: deepgrad's {type(opt).__name__} keeps {sorted(extra)[:5]}, which a Keras "
                             f"file does not hold.")
    set_optimizer_state(model, state, what)
