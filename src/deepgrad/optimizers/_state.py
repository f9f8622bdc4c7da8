"""An optimizer's state as a flat dict of arrays: names, ``get_state``, and a validated ``set_state``.

Names: ``"iterations"`` (the ``apply_gradients`` calls: ``iterations``, or ``k`` times it
with ``gradient_accumulation_steps=k``, so a state saved mid-group resumes exactly); per
variable ``"<transform>/<slot>/<i>"`` (e.g. ``"adam/m/0"``, ``"adam/v/0"``: the notes' units);
scalars ``"<transform>/<name>"`` (``"adam/count"``, ``"nadam/u_product"``). A transform's name
is suffixed ``_1``, ``_2``, ... when a chain holds it more than once.

``set_state`` checks everything before it changes anything: the names, each entry's type
(real numbers), its shape (its variable's), and its domain (finite everywhere; ``>= 0``
where the algorithm takes a root or divides: Adam's ``v``, Adagrad's accumulator, RMSprop's
mean square and centered variance, ...; see each transform's ``slots``). A refused state
raises ValueError (TypeError for non-numbers) naming the entry.

States written before deepgrad 0.3 kept moving averages as rescaled sums (``adam/m_sum/0`` =
``m / (1 - beta_1)``, ...; RMSprop's ``rmsprop/momentum/0`` = ``-M``): they are converted to
the notes' units on load (``legacy_slots`` of each transform), and the textbook-unit copies
those files also held under the new names are replaced by the conversion.
"""

from __future__ import annotations

import numpy as np

from . import transforms as T

_DOMAINS = {
    "real": ("finite", lambda a: True),
    ">= 0": ("finite and >= 0", lambda a: bool(np.all(a >= 0))),
    "(0, 1]": ("finite and in (0, 1]", lambda a: bool(np.all((a > 0) & (a <= 1)))),
}


def leaves(transform, state):
    """``(prefix, transform, state dict)`` for each piece of a possibly nested chain, in order."""
    seen = {}

    def walk(t, st):
        if isinstance(t, T.chain):
            for tt, ss in zip(t.transforms, st):
                yield from walk(tt, ss)
        elif isinstance(t, (T.accumulate_gradients, T.ema_of_params)):  # (own state, inner state)
            yield t, st[0]
            yield from walk(t.inner, st[1])
        else:
            yield t, st

    for t, st in walk(transform, state):
        name = getattr(t, "name", type(t).__name__)
        n = seen.get(name, 0)
        seen[name] = n + 1
        yield (name if n == 0 else f"{name}_{n}"), t, st


def _items(transform, state):
    """``(prefix, transform, key, state dict, value)`` for every saved entry (not ``_`` buffers)."""
    for prefix, t, st in leaves(transform, state):
        for key, value in st.items():
            if not key.startswith("_"):
                yield prefix, t, key, st, value


def names(transform, state, n):
    """The names of the state of ``n`` variables."""
    out = {"iterations"}
    for prefix, _, key, _, value in _items(transform, state):
        out.update([f"{prefix}/{key}/{i}" for i in range(n)] if isinstance(value, list) else [f"{prefix}/{key}"])
    return out


def variable_index(name):
    """``i`` of a per-variable entry ``"<transform>/<slot>/<i>"``, else None."""
    parts = name.split("/")
    return int(parts[-1]) if len(parts) == 3 and parts[-1].isdigit() else None


def get_state(opt) -> dict:
    out = {"iterations": np.asarray(opt._iterations, dtype=np.int64)}  # the calls (k * steps when accumulating)
    if opt._transform is None:
        return out
    for prefix, _, key, _, value in _items(opt._transform, opt._state):
        if isinstance(value, list):
            for i, v in enumerate(opt._layout.variable_views(value)):
                out[f"{prefix}/{key}/{i}"] = v.copy()
        else:
            out[f"{prefix}/{key}"] = np.asarray(value)
    return out


def _entry(state, name, shape, where):
    """``state[name]`` as a real-number array, of ``shape`` unless it is None."""
    a = np.asarray(state[name])
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{where}: `state`[{name!r}] must hold real numbers, got dtype {a.dtype}.")
    if shape is not None and a.shape != shape:
        raise ValueError(f"{where}: `state`[{name!r}] must have shape {shape}, got {a.shape}.")
    return a


def _check_domain(name, a, domain, where):
    what, ok = _DOMAINS[domain]
    with np.errstate(invalid="ignore"):
        if not (np.all(np.isfinite(a)) and ok(a)):
            bad = a[~np.isfinite(a)] if not np.all(np.isfinite(a)) else a
            raise ValueError(f"{where}: `state`[{name!r}] must be {what}, got values such as "
                             f"{np.ravel(bad)[:3].tolist()}.")


def convert_legacy(transform, state):
    """A copy of ``state`` with the entries of the rescaled format converted to the notes' units."""
    out = dict(state)
    for prefix, t, _ in leaves(transform, transform.init(T.ParamList([np.zeros(1)]))):
        for old, (new, factor) in getattr(t, "legacy_slots", dict)().items():
            head = f"{prefix}/{old}/"
            for k in [k for k in state if k.startswith(head)]:
                i = k[len(head):]
                a = np.asarray(out.pop(k))
                out[f"{prefix}/{new}/{i}"] = a * factor if a.dtype.kind in "fiu" else a
    return out


def check_values(transform, state, shapes, where):
    """Validate every entry of ``state`` (names already checked) for ``transform``'s pieces;
    ``shapes``: the variables' shapes, or None before the build (then each variable's entries
    must share one shape). Returns ``{name: array}``."""
    arrays, per_var = {}, {}
    for prefix, t, st in leaves(transform, transform.init(T.ParamList([np.zeros(1)]))):
        slot_domains = getattr(t, "slots", {})
        scalar_domains = getattr(t, "scalars", {})
        for key, value in st.items():
            if key.startswith("_"):
                continue
            if isinstance(value, list):
                for name in [k for k in state if k.startswith(f"{prefix}/{key}/")]:
                    i = variable_index(name)
                    a = _entry(state, name, None if shapes is None else shapes[i], where)
                    _check_domain(name, a, slot_domains.get(key, "real"), where)
                    per_var.setdefault((prefix, i), {})[key] = (name, a)
                    arrays[name] = a
            else:
                name = f"{prefix}/{key}"
                a = _entry(state, name, (), where)
                if key == "count":
                    if a.dtype.kind not in "iu" or a < 0:
                        raise ValueError(f"{where}: `state`[{name!r}] must be an int >= 0, got {a!r}.")
                else:
                    _check_domain(name, a, scalar_domains.get(key, "real"), where)
                arrays[name] = a
        for (p, i), entries in per_var.items():
            if p != prefix:
                continue
            if len({a.shape for _, a in entries.values()}) > 1:
                raise ValueError(f"{where}: the `state` entries of variable {i} must have one shape "
                                 f"(its variable's), got { {n: a.shape for n, a in entries.values()} }.")
            with np.errstate(all="ignore"):
                problem = t.check_slots({k: a for k, (_, a) in entries.items()}) if hasattr(t, "check_slots") else None
            if problem:
                raise ValueError(f"{where}: `state` of variable {i} ({prefix}): {problem}.")
    return arrays


def check_names(state, expected, where):
    if set(state) != expected:
        raise ValueError(f"{where}: `state` names do not match this optimizer: missing "
                         f"{sorted(expected - set(state))}, unexpected {sorted(set(state) - expected)}.")


def check_iterations(state, where):
    if not isinstance(state, dict) or "iterations" not in state:
        raise ValueError(f"{where}: `state` must be a dict from get_state() with 'iterations', "
                         f"got {type(state).__name__}.")
    it = np.asarray(state["iterations"])
    if it.shape != () or it.dtype.kind not in "iu" or it < 0:
        raise ValueError(f"{where}: `state`['iterations'] must be an int >= 0, got {state['iterations']!r}.")
    return int(it)


def set_calls(opt, calls):
    """Set ``opt``'s ``apply_gradients`` calls so far (Keras's ``_iterations``; schedules read it)
    and its transforms' counts: calls for a wrapper of the whole step, steps taken for the others."""
    opt._iterations = calls
    if opt._state is not None:
        for _, t, st in leaves(opt._transform, opt._state):
            if "count" in st:
                st["count"] = calls if getattr(t, "counts_calls", False) else calls // opt._k
    if opt._pending_state is not None:  # restored at the build: keep the newer step
        opt._pending_state["iterations"] = np.asarray(calls, dtype=np.int64)


def set_state(opt, state) -> None:
    """The body of ``Optimizer.set_state`` (see the module docstring and the method's)."""
    where = f"{type(opt).__name__}.set_state"
    it = check_iterations(state, where)
    if opt._transform is None:
        if set(state) != {"iterations"}:  # else: get_state() of an unbuilt optimizer
            opt._pending_state = check_pending(opt, state, where)
        set_calls(opt, it)  # a pending state keeps the newer step
        return
    state = convert_legacy(opt._transform, state)
    shapes = opt._layout.shapes
    check_names(state, names(opt._transform, opt._state, len(shapes)), where)
    arrays = check_values(opt._transform, state, shapes, where)
    slots, scalars = [], []
    for prefix, _, key, st, value in _items(opt._transform, opt._state):
        if isinstance(value, list):
            for i, v in enumerate(opt._layout.variable_views(value)):
                name = f"{prefix}/{key}/{i}"
                with np.errstate(over="ignore"):
                    a = arrays[name].astype(v.dtype)
                if not np.all(np.isfinite(a)):  # e.g. 1e300 for a float32 slot
                    raise ValueError(f"{where}: `state`[{name!r}] must be finite in the slot's dtype {v.dtype}, "
                                     f"got values beyond its range (max {np.finfo(v.dtype).max:.3g}).")
                slots.append((v, a))
        else:
            scalars.append((st, key, type(value)(arrays[f"{prefix}/{key}"].item())))
    for v, a in slots:
        v[...] = a
    for st, key, value in scalars:
        st[key] = value
    set_calls(opt, it)  # sets the counts too


def check_pending(opt, state, where):
    """What can be checked before the build (the names, for as many variables as the slots
    number; every entry of a variable one shape; the domains); returns the converted state."""
    n = max((i for i in map(variable_index, state) if i is not None), default=-1) + 1
    dummies = [np.zeros(1) for _ in range(max(n, 1))]  # the names do not depend on the shapes
    transform = opt._build_transform(dummies)
    state = convert_legacy(transform, state)
    init = transform.init(T.ParamList(dummies))
    expected = names(transform, init, n)
    if n == 0 and names(transform, init, 1) != expected:
        raise ValueError(f"{where}: `state` holds no slots but this optimizer keeps some.")
    check_names(state, expected, where)
    check_values(transform, state, None, where)
    return state
