"""The optimizer base class: one ``apply_gradients`` for a network's weights and for a 2-D point.

An optimizer is a chain of gradient transformations (:mod:`.transforms`) built on the first
call, in Keras's order: **clip** (``clipvalue`` | ``clipnorm`` | ``global_clipnorm``) ->
the algorithm (its update includes ``-learning_rate``) -> **decoupled weight decay**
(``-learning_rate * weight_decay * w``), then ``param += update`` and ``iterations += 1``.
Keras applies the decay to the variable before the update step; no update step reads the
variable, so the two orders give the same step.

Fast path: when the parameters are adjacent C-contiguous views of one buffer, in order (as a
model's weights are) and so are the gradients, the whole chain runs once on the flat buffer,
its state slots are one flat buffer each, and a step allocates nothing. Per-variable
semantics (``clipnorm``, ``exclude_from_weight_decay``) hold through the variable ranges.

Threads: an elementwise chain on a flat buffer may be split between ``set_num_threads``
threads (the slices' results are bit-identical to the whole buffer's). Whether that pays
depends on the machine and on what runs around the step: in a hot loop two threads halved
Adam's step, inside ``fit`` on a 2-core VM (waking an idle core, BLAS's threads spinning
after the last GEMM) they made it slower, and SGD's memory-bound one-pass ``axpby`` step
rarely gains. So after ``SPLIT_TRIAL_START`` steps in the calling thread, ``4 *
SPLIT_TRIAL_BLOCK`` steps are timed in blocks of each way and the faster is kept; the trial
runs again every ``SPLIT_RETRIAL_STEPS`` steps.

Non-finite gradients: if any gradient holds NaN or Inf, the step is **skipped** (parameters,
slots and ``iterations`` unchanged), a ``RuntimeWarning`` is issued and
``optimizer.nonfinite_steps`` is incremented.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
import statistics
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from deepgrad._validation import check_float
from deepgrad._blas import all_finite

from . import schedules as _schedules
from . import transforms as T

_ARG = "grads_and_vars"

#: Below this many elements per thread a step runs in the calling thread only.
MIN_ELEMENTS_PER_THREAD = 1 << 17
#: The trial runs blocks of this many steps split between threads, then not, twice each,
#: and keeps the faster way.
SPLIT_TRIAL_BLOCK = 6
#: Steps before the first trial: on this VM a second thread woken after an idle spell stayed
#: slow for about 20 steps, which made an early trial misjudge the split.
SPLIT_TRIAL_START = 40
#: Steps after which the trial runs again (the machine's load and what runs around the step change).
SPLIT_RETRIAL_STEPS = 1000
_THREADS = {"n": min(os.cpu_count() or 1, 4), "pool": None, "pool_size": 0, "pid": None}


def set_num_threads(n: int) -> None:
    """Threads used by one optimizer step on large flat buffers (default ``min(cpu_count, 4)``).

    NumPy releases the GIL inside its array loops, so the slices of a flat parameter buffer
    are updated in parallel. ``1`` keeps every step in the calling thread. With more, each
    optimizer times its steps both ways and keeps the faster (see the module docstring).
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"set_num_threads: `n` must be an int >= 1, got {n!r}.")
    _THREADS["n"] = int(n)


def get_num_threads() -> int:
    """The number of threads set by :func:`set_num_threads`."""
    return _THREADS["n"]


def _pool():
    """The worker threads (``n - 1``: the calling thread does one slice itself).

    A forked child does not inherit the parent's threads: it gets a pool of its own.
    """
    n, pid = _THREADS["n"], os.getpid()
    if _THREADS["pool"] is None or _THREADS["pool_size"] != n - 1 or _THREADS["pid"] != pid:
        if _THREADS["pool"] is not None and _THREADS["pid"] == pid:
            _THREADS["pool"].shutdown(wait=True)
        _THREADS["pool"] = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="deepgrad-opt")
        _THREADS["pool_size"], _THREADS["pid"] = n - 1, pid
    return _THREADS["pool"]


def _slice_state(state, a, b):
    """The state of a flat group restricted to elements ``[a, b)``: slots as views, scalars copied."""
    if isinstance(state, tuple):
        return tuple(_slice_state(s, a, b) for s in state)
    return {k: [v[0][a:b]] if isinstance(v, list) else v for k, v in state.items()}


def _scalar_dicts(state):
    """The dicts of a (chain) state, in order."""
    if isinstance(state, tuple):
        return [d for s in state for d in _scalar_dicts(s)]
    return [state]


def _leaves(transform, state):
    """(transform, state dict) pairs of a possibly nested chain, in order."""
    if isinstance(transform, T.chain):
        for t, s in zip(transform.transforms, state):
            yield from _leaves(t, s)
    else:
        yield transform, state


def _prefixed_leaves(transform, state):
    """(name prefix, transform, state dict) for each piece of a chain (names made unique)."""
    seen = {}
    for t, st in _leaves(transform, state):
        n = seen.get(t.name, 0)
        seen[t.name] = n + 1
        yield (t.name if n == 0 else f"{t.name}_{n}"), t, st


def _state_names(transform, state, n):
    """The names :meth:`Optimizer.get_state` gives for ``n`` variables: (saved, derived)."""
    saved, derived = {"iterations"}, set()
    for prefix, t, st in _prefixed_leaves(transform, state):
        for key, value in st.items():
            if not key.startswith("_"):
                saved.update([f"{prefix}/{key}/{i}" for i in range(n)] if isinstance(value, list)
                             else [f"{prefix}/{key}"])
        for name, (_, key) in getattr(t, "derived", dict)().items():
            if key in st:
                derived.update(f"{prefix}/{name}/{i}" for i in range(n))
    return saved, derived


def _variable_index(name):
    """``i`` of a per-variable entry ``"<transform>/<slot>/<i>"``, else None."""
    parts = name.split("/")
    return int(parts[-1]) if len(parts) == 3 and parts[-1].isdigit() else None


def _entry(state, name, shape, where):
    """``state[name]`` as a real-number array, of ``shape`` unless it is None."""
    a = np.asarray(state[name])
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{where}: `state`[{name!r}] must hold real numbers, got dtype {a.dtype}.")
    if shape is not None and a.shape != shape:
        raise ValueError(f"{where}: `state`[{name!r}] must have shape {shape}, got {a.shape}.")
    return a


def _copy_scalars(src, dst):
    for ds, dd in zip(_scalar_dicts(src), _scalar_dicts(dst)):
        for k, v in ds.items():
            if not isinstance(v, list):
                dd[k] = v


def _address(a):
    return a.__array_interface__["data"][0]


def _array_and_name(var):
    """``(array, name)`` of a variable: a NumPy array (no name) or a Weight-like object with a
    ``.value`` array and an optional ``.name``."""
    if not isinstance(var, np.ndarray) and isinstance(getattr(var, "value", None), np.ndarray):
        return var.value, getattr(var, "name", None)
    return var, None


def _flat_span(arrays):
    """A 1-D view over ``arrays`` if they are adjacent C-contiguous views of one buffer, in order."""
    if len(arrays) < 2:
        return None
    first = arrays[0]
    base = first.base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous:
        return None
    start = pos = _address(first)
    for a in arrays:
        if a.base is not base or a.dtype != first.dtype or not a.flags.c_contiguous or _address(a) != pos:
            return None
        pos += a.nbytes
    total = (pos - start) // first.dtype.itemsize
    return np.ndarray((total,), dtype=first.dtype, buffer=base, offset=start - _address(base))


class _Layout:
    """How the variables map onto the arrays the transforms see (flat groups or one per variable)."""

    def __init__(self, grads, params):
        self.params, self.grads = list(params), list(grads)
        self.shapes = [p.shape for p in params]
        flat_p, flat_g = _flat_span(params), _flat_span(grads)
        if flat_p is not None and flat_g is not None and flat_p.dtype == flat_g.dtype:
            sizes = np.cumsum([0] + [p.size for p in params])
            self.segments = [list(zip(sizes[:-1].tolist(), sizes[1:].tolist()))]
            self.group_params, self.group_grads = [flat_p], [flat_g]
        else:
            self.segments = None
            self.group_params, self.group_grads = list(params), list(grads)
        self.params_list = T.ParamList(self.group_params, self.segments)
        self.flat = self.segments is not None

    def same(self, grads, params):
        return len(params) == len(self.params) and all(a is b for a, b in zip(params, self.params)) \
            and all(a is b for a, b in zip(grads, self.grads))

    def compatible(self, other):
        """Whether state built for ``other``'s groups fits this layout unchanged."""
        return self.flat == other.flat and [p.shape for p in self.group_params] == \
            [p.shape for p in other.group_params]

    def variable_views(self, group_arrays):
        """Per-variable views of arrays shaped like the groups (state slots)."""
        if not self.flat:
            return list(group_arrays)
        flat = group_arrays[0].reshape(-1)
        return [flat[a:b].reshape(shape) for (a, b), shape in zip(self.segments[0], self.shapes)]


class Optimizer:
    """Base class of the Keras-style optimizers.

    Args (all optimizers):
        learning_rate: float >= 0, a schedule (:mod:`deepgrad.optimizers.schedules`) or a
            callable ``step -> float`` evaluated at ``iterations``. ``lr=`` is accepted as an
            alias (Keras 2, the notes).
        weight_decay: decoupled decay ``w <- w - learning_rate * weight_decay * w`` each step
            (every variable unless excluded with :meth:`exclude_from_weight_decay`).
        clipnorm: per-variable ``g <- g * c / max(||g||, c)``.
        clipvalue: ``g <- clip(g, -c, c)``.
        global_clipnorm: ``g <- g * c * min(1/N, 1/c)``, ``N`` the norm of all gradients.
            At most one of the three clipping options may be set.
        name: a name for the optimizer.
        decay: Keras 2's legacy argument: ``learning_rate`` becomes
            ``InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)``, i.e. the
            notes' ``lr0 / (1 + decay * step)``.

    Attributes: ``iterations`` (applied steps: the 0-based step of the next update, which every
    schedule and bias correction reads; settable), ``learning_rate`` (current value; settable
    to a float), ``nonfinite_steps`` (skipped steps).
    """

    _default_learning_rate = 0.001

    def __init__(self, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        where = type(self).__name__
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if learning_rate is not None:
                raise ValueError(f"{where}: pass `learning_rate` or its alias `lr`, not both.")
            learning_rate = lr
        decay = kwargs.pop("decay", None)
        if kwargs:
            raise TypeError(f"{where}: unexpected keyword argument(s) {sorted(kwargs)}.")
        if learning_rate is None:
            learning_rate = self._default_learning_rate
        self._learning_rate = self._check_learning_rate(learning_rate, where)
        if decay is not None:
            decay = check_float(decay, "decay", where, low=0.0)
            if not isinstance(self._learning_rate, float):
                raise ValueError(f"{where}: `decay` needs a float `learning_rate`, got {self._learning_rate!r}.")
            if decay > 0:
                self._learning_rate = _schedules.InverseTimeDecay(self._learning_rate, 1, decay)
        clips = {k: v for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                   ("global_clipnorm", global_clipnorm)) if v is not None}
        if len(clips) > 1:
            raise ValueError(f"{where}: only one of `clipnorm`, `clipvalue`, `global_clipnorm` can be set, "
                             f"got {sorted(clips)}.")
        for k, v in clips.items():
            check_float(v, k, where, low=0.0, low_inclusive=False)
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.clipvalue = None if clipvalue is None else float(clipvalue)
        self.global_clipnorm = None if global_clipnorm is None else float(global_clipnorm)
        self.weight_decay = check_float(weight_decay, "weight_decay", where, low=0.0, allow_none=True)
        self.name = name or type(self).__name__.lower()
        self._iterations = 0
        self.nonfinite_steps = 0
        self._lr_step = None
        self._lr_now = None
        self._exclude_vars: list = []  # the objects themselves: compared by identity
        self._exclude_names: list[str] = []
        self._transform = None
        self._state = None
        self._layout = None
        self._shapes = None
        self._pending_state = None
        self._parts = None
        self._parts_key = None
        self._split_trial = None
        self._use_split = False
        self._since_trial = 0
        self._trial_index = 0
        self._version = 0  # bumped when the state or the layout is rebuilt (re-slices the threads' parts)

    # ------------------------------------------------------------------ step count
    @property
    def iterations(self) -> int:
        """Applied steps, the single source of the step: the next update uses
        ``learning_rate(iterations)`` and bias corrections at ``t = iterations + 1`` (Keras).

        Setting it (e.g. ``opt.iterations = 0`` to restart a schedule, as Keras's
        ``iterations.assign``) moves every transform's step ``count`` along; the slots stay.
        """
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        try:
            step = operator.index(value)
        except TypeError:
            step = None
        if step is None or isinstance(value, (bool, np.bool_)) or step < 0:
            raise ValueError(f"{type(self).__name__}: `iterations` must be an int >= 0, got {value!r}.")
        self._iterations = step
        self._sync_counts()
        if self._pending_state is not None:  # restored at the build: keep the newer step
            self._pending_state["iterations"] = np.asarray(step, dtype=np.int64)

    def _sync_counts(self):
        """Set the step ``count`` of every transform in the chain to ``iterations``."""
        if self._state is not None:
            for d in _scalar_dicts(self._state):
                if isinstance(d, dict) and "count" in d:
                    d["count"] = self._iterations

    # ------------------------------------------------------------------ learning rate
    @staticmethod
    def _check_learning_rate(value, where):
        if isinstance(value, _schedules.LearningRateSchedule) or (callable(value) and not isinstance(value, numbers.Real)):
            return value
        return check_float(value, "learning_rate", where, low=0.0)

    def _lr_at(self, step):
        """The learning rate at ``step``, evaluated once per step and checked finite and >= 0."""
        if step != self._lr_step:
            lr = self._learning_rate
            value = float(lr(step)) if callable(lr) else lr
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{type(self).__name__}: the `learning_rate` schedule returned {value!r} "
                                 f"at step {step}; expected a finite float >= 0.")
            self._lr_step, self._lr_now = step, value
        return self._lr_now

    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule is evaluated at ``iterations``)."""
        return self._lr_at(self.iterations)

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(self._learning_rate) and not callable(value):
            raise TypeError(f"{type(self).__name__}: this optimizer's `learning_rate` is a schedule "
                            f"({self._learning_rate!r}); it cannot be set to a float.")
        self._learning_rate = self._check_learning_rate(value, type(self).__name__)
        self._lr_step = None

    # ------------------------------------------------------------------ transforms
    def _algorithm(self, learning_rate):
        """The algorithm's transformation, ending with ``-learning_rate`` (subclasses)."""
        raise NotImplementedError

    def _build_transform(self, variables):
        parts = []
        if self.clipvalue is not None:
            parts.append(T.clip(self.clipvalue))
        if self.clipnorm is not None:
            parts.append(T.clip_by_norm(self.clipnorm))
        if self.global_clipnorm is not None:
            parts.append(T.clip_by_global_norm(self.global_clipnorm))
        parts.append(self._algorithm(self._lr_at))
        if self.weight_decay:
            decays = [self._decays(v) for v in variables]
            mask = None if all(decays) else decays.__getitem__
            parts.append(T.add_decayed_weights(self.weight_decay, self._lr_at, mask))
        return T.chain(*parts)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from ``weight_decay`` (Keras); call before the optimizer is built.

        A variable is excluded if it is in ``var_list`` (the objects themselves, compared by
        identity: a layer's ``Weight``, which matches the Weight and its current ``.value``
        array, or an array) or if its name contains one of the strings ``var_names`` (names
        come from the Weight-like objects given to :meth:`build` or ``apply_gradients``).
        The exclusions are resolved when the optimizer is built.
        """
        where = f"{type(self).__name__}.exclude_from_weight_decay"
        if self._transform is not None:
            raise ValueError(f"{where}: must be called before the optimizer is built (its first "
                             "apply_gradients or build).")
        var_list, var_names = list(var_list or []), list(var_names or [])
        for i, v in enumerate(var_list):
            if not isinstance(_array_and_name(v)[0], np.ndarray):
                raise TypeError(f"{where}: `var_list`[{i}] must be a NumPy array or an object with a "
                                f"`.value` array (a layer's Weight), got {type(v).__name__}.")
        for i, n in enumerate(var_names):
            if not isinstance(n, str):
                raise TypeError(f"{where}: `var_names`[{i}] must be a str, got {type(n).__name__}.")
        self._exclude_vars += var_list
        self._exclude_names += var_names

    def _decays(self, var):
        """Whether ``var`` (as given to build/apply_gradients) takes weight decay."""
        array, name = _array_and_name(var)
        for x in self._exclude_vars:
            if x is var or x is array or _array_and_name(x)[0] is array:
                return False
        return not (name and any(s in name for s in self._exclude_names))

    # ------------------------------------------------------------------ stepping
    @staticmethod
    def _param(var, where, arg):
        """The array of a variable (an array or a Weight-like object), checked updatable in place."""
        p = _array_and_name(var)[0]
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
            raise TypeError(f"{where}: {arg} must be a writeable float NumPy array (updated in place) "
                            f"or an object with one as `.value`, got {type(p).__name__} {getattr(p, 'dtype', '')}.")
        return p

    def _unpack(self, pairs):
        where = f"{type(self).__name__}.apply_gradients"
        grads, params, variables = [], [], []
        if pairs and all(isinstance(pr, (tuple, list)) and len(pr) == 2 and pr[0] is None for pr in pairs):
            raise ValueError(f"{where}: No gradients provided for any variable (every gradient "
                             f"in `{_ARG}` is None).")  # Keras's message
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError(f"{where}: `{_ARG}`[{i}] must be a (grad, param) pair, got {pair!r:.80}.")
            g, var = pair
            p = self._param(var, where, f"`{_ARG}`[{i}] param")
            if g is None:
                raise ValueError(f"{where}: `{_ARG}`[{i}]: the gradient is None (no gradient was "
                                 f"computed for this variable of shape {p.shape}); pass an array "
                                 f"of its shape, or leave the pair out.")
            if not isinstance(g, np.ndarray):
                try:
                    g = np.asarray(g, dtype=p.dtype)
                except (TypeError, ValueError):
                    raise TypeError(f"{where}: `{_ARG}`[{i}] gradient must be real numbers, "
                                    f"got {type(g).__name__} {g!r:.60}.") from None
            if g.dtype.kind not in "fiu":  # checked here: a complex or bool one fails mid-chain
                raise TypeError(f"{where}: `{_ARG}`[{i}] gradient must be a float or int array, "
                                f"got dtype {g.dtype}.")
            if g.shape != p.shape:
                raise ValueError(f"{where}: `{_ARG}`[{i}]: gradient shape {g.shape} does not match "
                                 f"param shape {p.shape}.")
            grads.append(g)
            params.append(p)
            variables.append(var)
        if not params:
            raise ValueError(f"{where}: `{_ARG}` is empty.")
        if self._shapes is not None and [p.shape for p in params] != self._shapes:
            raise ValueError(f"{where}: `{_ARG}` must hold the same variables as the first call: "
                             f"expected {len(self._shapes)} with shapes {self._shapes}, got {len(params)} "
                             f"with shapes {[p.shape for p in params]}.")
        return grads, params, variables

    def build(self, var_list):
        """Keras's ``build``: create the state for ``var_list``, the variables in the order
        ``apply_gradients`` will receive them: NumPy arrays or Weight-like objects (a ``.value``
        array, an optional ``.name``), whose names and identities resolve
        :meth:`exclude_from_weight_decay`. Does nothing once the optimizer is built (by an
        earlier ``build`` or step). Later steps may pass the same variables as bare arrays.
        """
        if self._transform is not None:
            return
        where = f"{type(self).__name__}.build"
        try:
            variables = list(var_list)
        except TypeError:
            raise TypeError(f"{where}: `var_list` must be a list of variables, got "
                            f"{type(var_list).__name__}.") from None
        if not variables:
            raise ValueError(f"{where}: `var_list` is empty.")
        params = [self._param(v, where, f"`var_list`[{i}]") for i, v in enumerate(variables)]
        self._build(params, params, variables)

    def _build(self, grads, params, variables):
        self._layout = _Layout(grads, params)
        self._version += 1
        self._shapes = [p.shape for p in params]
        self._transform = self._build_transform(variables)
        self._state = self._transform.init(self._layout.params_list)
        self._sync_counts()  # `iterations` may have been set before the build
        if self._pending_state is not None:
            try:
                self.set_state(self._pending_state)
            except (TypeError, ValueError):
                self._layout = self._shapes = self._transform = self._state = None  # stay unbuilt
                raise
            self._pending_state = None

    def _relayout(self, grads, params):
        """The same variables arrive in other arrays: keep the state, re-mapped if the grouping changed."""
        new = _Layout(grads, params)
        self._version += 1
        if new.compatible(self._layout):
            self._layout = new
            return
        saved = self.get_state()
        self._layout = new
        self._state = self._transform.init(new.params_list)
        self.set_state(saved)

    def apply_gradients(self, grads_and_vars):
        """Apply one step: ``param += update(grad)`` in place for each ``(grad, param)`` pair.

        Returns ``iterations`` after the step. Raises ValueError (nothing changed) on shape or
        count mismatches and on a schedule value that is not finite.
        """
        layout = self._layout
        try:
            pairs = grads_and_vars if isinstance(grads_and_vars, (list, tuple)) else list(grads_and_vars)
        except TypeError:
            raise TypeError(f"{type(self).__name__}.apply_gradients: `{_ARG}` must be an iterable of "
                            f"(grad, param) pairs, got {type(grads_and_vars).__name__}.") from None
        if layout is not None and len(pairs) == len(layout.params) and all(
                type(pr) is tuple and len(pr) == 2 and pr[0] is g and pr[1] is p
                for pr, g, p in zip(pairs, layout.grads, layout.params)):
            return self._apply(layout)
        grads, params, variables = self._unpack(pairs)
        if self._transform is None:
            self._build(grads, params, variables)
        elif not self._layout.same(grads, params):
            self._relayout(grads, params)
        return self._apply(self._layout)

    def _check_step(self, step):
        """Evaluate (and so validate) every scheduled hyperparameter at ``step`` before any change."""
        self._lr_at(step)

    def _apply(self, layout):
        self._check_step(self._iterations)
        if not self._finite(layout.group_grads):
            self.nonfinite_steps += 1
            warnings.warn(f"{type(self).__name__}: non-finite gradient at step {self._iterations}; "
                          f"the step was skipped (nonfinite_steps={self.nonfinite_steps}).",
                          RuntimeWarning, stacklevel=3)
            return self._iterations
        self._step(layout)
        self._iterations += 1  # the transforms advanced their counts in the step
        return self._iterations

    @staticmethod
    def _finite(grads):
        """All gradients finite? (:func:`deepgrad._blas.all_finite`: one BLAS read per array;
        only if its sum is NaN or overflows does the exact elementwise test run.)"""
        return all(all_finite(g) for g in grads)

    def _partition(self):
        """Per-thread slices of the flat group (grads, params, param list, state views), or None."""
        layout, n = self._layout, _THREADS["n"]
        if not (layout.flat and getattr(self._transform, "elementwise", False)) or n < 2:
            return None
        size = layout.group_params[0].size
        k = min(n, size // MIN_ELEMENTS_PER_THREAD)
        if k < 2:
            return None
        bounds = [(size * i // k) // 16 * 16 for i in range(k)] + [size]
        g, p = layout.group_grads[0], layout.group_params[0]
        return [([g[a:b]], T.ParamList([p[a:b]]), _slice_state(self._state, a, b))
                for a, b in zip(bounds[:-1], bounds[1:])]

    def _run_part(self, part):
        grads, plist, state = part
        self._transform.apply(grads, state, plist)

    def _step(self, layout):
        key = (self._version, _THREADS["n"])
        if self._parts_key != key:
            self._parts, self._parts_key = self._partition(), key
            # no split until the trial, which starts after SPLIT_TRIAL_START steps
            self._split_trial, self._use_split = None, False
            self._since_trial = SPLIT_RETRIAL_STEPS - SPLIT_TRIAL_START
        if self._parts is None:
            self._run(layout, None)
        elif self._split_trial is None:
            self._run(layout, self._parts if self._use_split else None)
            self._since_trial += 1
            if self._since_trial == SPLIT_RETRIAL_STEPS:  # conditions change: time it again
                self._split_trial, self._trial_index = ([], []), 0
        else:
            self._trial_step(layout)

    def _trial_step(self, layout):
        """One timed step of the trial: blocks of ``SPLIT_TRIAL_BLOCK`` steps split, then not
        split, twice each (the first step of a block is a warm-up and not counted: a worker
        thread that slept through the other way's block wakes slowly); then keep the faster."""
        split, single = self._split_trial
        i = self._trial_index
        use_split = (i // SPLIT_TRIAL_BLOCK) % 2 == 0
        start = time.perf_counter()
        self._run(layout, self._parts if use_split else None)
        if i % SPLIT_TRIAL_BLOCK:
            (split if use_split else single).append(time.perf_counter() - start)
        self._trial_index = i + 1
        if self._trial_index == 4 * SPLIT_TRIAL_BLOCK:
            self._use_split = statistics.median(split) < statistics.median(single)
            self._split_trial, self._since_trial = None, 0

    def _run(self, layout, parts):
        """One step: in the calling thread (``parts`` None) or split between the threads."""
        if parts is None:
            self._state = self._transform.apply(layout.group_grads, self._state, layout.params_list)
            return
        for part in parts:
            _copy_scalars(self._state, part[2])
        futures = [_pool().submit(self._run_part, part) for part in parts[1:]]
        self._run_part(parts[0])
        for f in futures:
            f.result()
        _copy_scalars(parts[0][2], self._state)

    # ------------------------------------------------------------------ state and config
    def _state_items(self):
        """(prefix, key, transform state dict, value) for every saved entry of the chain's state."""
        for prefix, _, st in _prefixed_leaves(self._transform, self._state):
            for key, value in st.items():
                if not key.startswith("_"):
                    yield prefix, key, st, value

    def _derived_state(self):
        """Read-only entries in the algorithms' textbook units (e.g. Adam's ``m`` from ``m_sum``)."""
        out = {}
        for prefix, t, st in _prefixed_leaves(self._transform, self._state):
            for name, (factor, key) in getattr(t, "derived", dict)().items():
                if key in st:
                    for i, v in enumerate(self._layout.variable_views(st[key])):
                        out[f"{prefix}/{name}/{i}"] = v * factor
        return out

    def get_state(self, include_derived: bool = True) -> dict:
        """Copies of the state: ``"iterations"``, per-variable slots ``"<transform>/<slot>/<i>"``
        and scalars ``"<transform>/<name>"``; ``set_state`` of it resumes exactly (bit for bit).

        Moving averages are stored as undamped sums (e.g. Adam's ``m_sum = m / (1 - beta_1)``);
        the dict also holds them in the textbook units under their usual names (``"adam/m/0"``,
        ``"adam/v/0"``, ...): these derived entries are for reading and are ignored by
        ``set_state``; ``include_derived=False`` leaves them out (e.g. to save a checkpoint).
        """
        out = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        if self._transform is None:
            return out
        for prefix, key, _, value in self._state_items():
            if isinstance(value, list):
                for i, v in enumerate(self._layout.variable_views(value)):
                    out[f"{prefix}/{key}/{i}"] = v.copy()
            else:
                out[f"{prefix}/{key}"] = np.asarray(value)
        if include_derived:
            out.update(self._derived_state())
        return out

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict (the derived textbook-unit entries may be present or
        not and are not used). Validated before anything changes: names, shapes, numeric
        values; ``iterations`` an int >= 0. The saved ``count`` entries follow ``iterations``.

        Before the optimizer is built (no step yet) the names are checked against this
        optimizer and the slots of each variable against one another, ``iterations`` (hence
        ``learning_rate``) takes the state's value at once, and the slots are restored at the
        build, which raises (leaving the optimizer unbuilt) if they do not fit the variables.
        The state of an unbuilt optimizer (``iterations`` alone) only sets ``iterations``.
        """
        where = f"{type(self).__name__}.set_state"
        if not isinstance(state, dict) or "iterations" not in state:
            raise ValueError(f"{where}: `state` must be a dict from get_state() with 'iterations', "
                             f"got {type(state).__name__}.")
        it = np.asarray(state["iterations"])
        if it.shape != () or it.dtype.kind not in "iu" or it < 0:
            raise ValueError(f"{where}: `state`['iterations'] must be an int >= 0, got {state['iterations']!r}.")
        if self._transform is None:
            if set(state) != {"iterations"}:  # else: get_state() of an unbuilt optimizer
                self._check_pending(state, where)
                self._pending_state = dict(state)
            self.iterations = int(it)  # a pending state keeps the newer step
            return
        shapes = self._layout.shapes
        saved, derived = _state_names(self._transform, self._state, len(shapes))
        self._check_names(state, saved, derived, where)
        for k in derived & set(state):
            _entry(state, k, shapes[_variable_index(k)], where)
        slots, scalars = [], []
        for prefix, key, st, value in self._state_items():
            if isinstance(value, list):
                for i, v in enumerate(self._layout.variable_views(value)):
                    slots.append((v, _entry(state, f"{prefix}/{key}/{i}", v.shape, where)))
            else:
                scalars.append((st, key, type(value)(_entry(state, f"{prefix}/{key}", (), where).item())))
        for v, a in slots:
            v[...] = a
        for st, key, value in scalars:
            st[key] = value
        self.iterations = int(it)  # sets the counts too
        self._lr_step = None

    @staticmethod
    def _check_names(state, saved, derived, where):
        if not saved <= set(state) <= saved | derived:
            raise ValueError(f"{where}: `state` names do not match this optimizer: missing "
                             f"{sorted(saved - set(state))}, unexpected {sorted(set(state) - saved - derived)}.")

    def _check_pending(self, state, where):
        """What can be checked before the build: the names (for as many variables as the slots
        number) and that every entry of a variable has one shape."""
        shapes = {}  # variable index -> {entry name: shape}
        for k in state:
            i = _variable_index(k)
            if i is not None:
                shapes.setdefault(i, {})[k] = _entry(state, k, None, where).shape
            elif k != "iterations":
                _entry(state, k, (), where)
        for i, entries in shapes.items():
            if len(set(entries.values())) > 1:
                raise ValueError(f"{where}: the `state` entries of variable {i} must have one shape "
                                 f"(its variable's), got {entries}.")
        n = max(shapes, default=-1) + 1
        dummies = [np.zeros(1) for _ in range(max(n, 1))]  # the names do not depend on the shapes
        transform = self._build_transform(dummies)
        init = transform.init(T.ParamList(dummies))
        saved, derived = _state_names(transform, init, n)
        if n == 0 and _state_names(transform, init, 1)[0] != saved:
            raise ValueError(f"{where}: `state` holds no slots but this optimizer keeps some.")
        self._check_names(state, saved, derived, where)

    def _hyper_config(self) -> dict:
        """The algorithm's own arguments (subclasses)."""
        return {}

    def get_config(self) -> dict:
        """JSON-serializable constructor arguments (a schedule as ``{"class_name", "config"}``)."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif callable(lr):
            raise TypeError(f"{type(self).__name__}.get_config: a plain callable `learning_rate` ({lr!r}) "
                            "cannot be serialized; use a LearningRateSchedule.")
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, **self._hyper_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self._learning_rate!r} iterations={self.iterations}>"


class TransformOptimizer(Optimizer):
    """Wrap any transformation (e.g. your own ``chain(...)``) in the optimizer API.

    The transformation's updates are added to the parameters, so it must end with the
    ``-learning_rate`` scaling (e.g. ``transforms.scale_by_learning_rate(0.1)``). The
    optimizer's own ``learning_rate`` is unused unless passed to the pieces as
    ``opt._lr_at``; clipping and weight decay arguments are added around it as usual.
    """

    def __init__(self, transform, **kwargs):
        if not (hasattr(transform, "init") and hasattr(transform, "update")):
            raise TypeError(f"TransformOptimizer: `transform` must have init/update, got {type(transform).__name__}.")
        self.transform = transform
        super().__init__(**kwargs)

    def _algorithm(self, learning_rate):
        return self.transform

    def get_config(self):
        raise TypeError("TransformOptimizer.get_config: a user-defined transformation is not serializable.")
