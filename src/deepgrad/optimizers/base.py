"""The optimizer base class: one ``apply_gradients`` for a network's weights and for a 2-D point.

An optimizer is a chain of gradient transformations (:mod:`.transforms`) built on the first
step, in Keras's order: **clip** (``clipvalue`` | ``clipnorm`` | ``global_clipnorm``) -> the
algorithm (its update includes ``-learning_rate``) -> **decoupled weight decay**
(``-learning_rate * weight_decay * w``); then ``param += update`` and ``iterations += 1``.
Keras applies the decay to the variable before the update step; no update step reads the
variable, so the two orders give the same step.

A model hands its flat parameter and gradient buffers to the optimizer
(:meth:`Optimizer.use_flat_buffers`); the chain then runs once on the whole buffers
(:mod:`._layout`). The state's names and its validated get/set are in :mod:`._state`; the
opt-in threaded step in :mod:`._threaded`.

Non-finite gradients: if any gradient holds NaN or Inf, the step is **skipped** (parameters,
slots and ``iterations`` unchanged), a ``RuntimeWarning`` is issued and
``optimizer.nonfinite_steps`` is incremented.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from deepgrad._blas import all_finite

from . import _args, _state, _threaded
from . import schedules as _schedules
from . import transforms as T
from ._layout import Layout, array_and_name, check_flat_buffer, param_array, unpack_pairs
from ._variable import LearningRateValue


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
        use_ema, ema_momentum (0.99), ema_overwrite_frequency (None): Keras's moving average of
            the weights, ``average <- mu * average + (1 - mu) * w`` after each step (``mu = 0``
            at the first), copied into the weights every ``ema_overwrite_frequency`` steps and
            by :meth:`finalize_variable_values` (:class:`.transforms.ema_of_params`).
        gradient_accumulation_steps: an int >= 2 or None: the weights move every ``k``-th call,
            by the step on the mean of the ``k`` gradients (:class:`.transforms.accumulate_gradients`);
            ``iterations`` counts those steps, schedules read the number of calls (Keras).

    ``epsilon`` and the clipping values must be at least the smallest positive normal number
    of the parameters' dtype (float32: 1.18e-38; float16: 6.1e-05), or the step would round
    them to 0 (0/0 = NaN weights): a smaller one is refused with ValueError when the
    optimizer is built (its first step), before anything changes.

    Attributes: ``iterations`` (applied steps: the 0-based step of the next update, which every
    schedule and bias correction reads; settable), ``learning_rate`` (current value; settable
    to a float), ``nonfinite_steps`` (skipped steps).
    """

    _default_learning_rate = 0.001

    def __init__(self, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, gradient_accumulation_steps=None, **kwargs):
        self._learning_rate, self.weight_decay, clips = _args.common_arguments(
            type(self).__name__, self._default_learning_rate, learning_rate, weight_decay, clipnorm,
            clipvalue, global_clipnorm, kwargs)
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            clips.get(k) for k in ("clipnorm", "clipvalue", "global_clipnorm"))
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency, self.gradient_accumulation_steps = (
            _args.keras_options(type(self).__name__, use_ema, ema_momentum, ema_overwrite_frequency,
                                gradient_accumulation_steps))
        self._k = self.gradient_accumulation_steps or 1
        self.name = name or type(self).__name__.lower()
        self._iterations = 0
        self.nonfinite_steps = 0
        self._lr_step = self._lr_now = None
        self._exclude_vars: list = []  # the objects themselves: compared by identity
        self._exclude_names: list[str] = []
        self._transform = self._state = self._layout = self._shapes = self._pending_state = None
        self._flat_buffers = None  # (params, grads): handed off by the model
        self._threads = _threaded.SplitStepper()
        self._version = 0  # bumped when the state or the layout is rebuilt

    # ------------------------------------------------------------------ step count
    @property
    def iterations(self) -> int:
        """Applied steps: the next update uses bias corrections at ``t = iterations + 1`` (Keras).
        Setting it (Keras's ``iterations.assign``) moves every transform's step ``count`` along;
        the slots stay. (With ``gradient_accumulation_steps=k``: ``calls // k``.)"""
        return self._iterations // self._k

    @iterations.setter
    def iterations(self, value):
        try:
            step = operator.index(value)
        except TypeError:
            step = None
        if step is None or isinstance(value, (bool, np.bool_)) or step < 0:
            raise ValueError(f"{type(self).__name__}: `iterations` must be an int >= 0, got {value!r}.")
        self._set_calls(step * self._k)

    def _set_calls(self, calls):
        """``apply_gradients`` calls so far (Keras's ``_iterations``; schedules read it) and the
        transforms' counts: calls for a wrapper of the whole step, steps taken for the others."""
        self._iterations = calls
        if self._state is not None:
            for _, t, st in _state.leaves(self._transform, self._state):
                if "count" in st:
                    st["count"] = calls if getattr(t, "counts_calls", False) else calls // self._k
        if self._pending_state is not None:  # restored at the build: keep the newer step
            self._pending_state["iterations"] = np.asarray(calls, dtype=np.int64)

    # ------------------------------------------------------------------ learning rate
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
    def learning_rate(self) -> LearningRateValue:
        """The current learning rate (a schedule is evaluated at ``iterations``): a float with
        Keras 3's variable API (``.numpy()``, ``.assign(v)``; :mod:`._variable`)."""
        return LearningRateValue(self._lr_at(self._iterations), self)

    @property
    def learning_rate_schedule(self):
        """The schedule given as ``learning_rate`` (read-only), or None for a constant rate
        (deepgrad's public name for what Keras keeps in ``_learning_rate``): a rate that is a
        schedule cannot be set, so callbacks that set it check this before training."""
        return self._learning_rate if callable(self._learning_rate) else None

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(self._learning_rate) and not callable(value):
            raise TypeError(f"{type(self).__name__}: this optimizer's `learning_rate` is a schedule "
                            f"({self._learning_rate!r}); it cannot be set to a float.")
        self._learning_rate = _args.check_learning_rate(value, type(self).__name__)
        self._lr_step = None

    # ------------------------------------------------------------------ the chain
    def _algorithm(self, learning_rate):
        """The algorithm's transformation, ending with ``-learning_rate`` (subclasses)."""
        raise NotImplementedError

    def _build_transform(self, variables):
        """clip -> algorithm -> weight decay (Keras's order)."""
        parts = []
        if self.clipvalue is not None:
            parts.append(T.clip(self.clipvalue))
        if self.clipnorm is not None:
            parts.append(T.clip_by_norm(self.clipnorm))
        if self.global_clipnorm is not None:
            parts.append(T.clip_by_global_norm(self.global_clipnorm))
        k = self._k  # with accumulation the step counts differ from the calls the schedule reads
        lr = self._lr_at if k == 1 else (lambda step: self._lr_at(step * k + k - 1))
        parts.append(self._algorithm(lr))
        if self.weight_decay:
            decays = [self._decays(v) for v in variables]
            parts.append(T.add_decayed_weights(self.weight_decay, lr, None if all(decays) else decays.__getitem__))
        step = T.chain(*parts)
        if k > 1:
            step = T.accumulate_gradients(step, k)
        if self.use_ema:
            step = T.ema_of_params(step, self.ema_momentum, self.ema_overwrite_frequency, k)
        return step

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from ``weight_decay`` (Keras); call before the optimizer is built.

        A variable is excluded if it is in ``var_list`` (the objects themselves, compared by
        identity: a layer's ``Weight``, which matches the Weight and its current ``.value``
        array, or an array) or if its name contains one of the strings ``var_names`` (names
        come from the Weight-like objects given to :meth:`build` or ``apply_gradients``).
        """
        where = f"{type(self).__name__}.exclude_from_weight_decay"
        if self._transform is not None:
            raise ValueError(f"{where}: must be called before the optimizer is built (its first "
                             "apply_gradients or build).")
        var_list, var_names = list(var_list or []), list(var_names or [])
        for i, v in enumerate(var_list):
            if not isinstance(array_and_name(v)[0], np.ndarray):
                raise TypeError(f"{where}: `var_list`[{i}] must be a NumPy array or an object with a "
                                f"`.value` array (a layer's Weight), got {type(v).__name__}.")
        for i, n in enumerate(var_names):
            if not isinstance(n, str):
                raise TypeError(f"{where}: `var_names`[{i}] must be a str, got {type(n).__name__}.")
        self._exclude_vars += var_list
        self._exclude_names += var_names

    def _decays(self, var):
        """Whether ``var`` (as given to build/apply_gradients) takes weight decay."""
        array, name = array_and_name(var)
        if any(x is var or x is array or array_and_name(x)[0] is array for x in self._exclude_vars):
            return False
        return not (name and any(s in name for s in self._exclude_names))

    # ------------------------------------------------------------------ build
    def build(self, var_list):
        """Keras's ``build``: create the state for ``var_list``, the variables in the order
        ``apply_gradients`` will receive them: NumPy arrays or Weight-like objects (a ``.value``
        array, an optional ``.name``), whose names and identities resolve
        :meth:`exclude_from_weight_decay`. Does nothing once built. Later steps may pass the
        same variables as bare arrays."""
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
        params = [param_array(v, where, f"`var_list`[{i}]") for i, v in enumerate(variables)]
        self._build(params, params, variables)

    def use_flat_buffers(self, params, grads):
        """The model's hand-off (tinygrad's ``fused``): its trainable variables are, in order,
        consecutive views filling the 1-D buffer ``params``, their gradients likewise in
        ``grads``. Steps on exactly those views then run the chain once on the two buffers
        (one flat array per state slot); other arrays are stepped one by one as before."""
        where = f"{type(self).__name__}.use_flat_buffers"
        params, grads = check_flat_buffer(params, "params", where), check_flat_buffer(grads, "grads", where)
        if params.shape != grads.shape or params.dtype != grads.dtype:
            raise ValueError(f"{where}: `params` and `grads` must have one shape and dtype, got "
                             f"{params.shape} {params.dtype} and {grads.shape} {grads.dtype}.")
        self._flat_buffers = (params, grads)

    def _build(self, grads, params, variables):
        _args.check_tiny(self, params)
        self._layout = Layout(grads, params, self._flat_buffers)
        self._version += 1
        self._shapes = [p.shape for p in params]
        self._transform = self._build_transform(variables)
        self._state = self._transform.init(self._layout.params_list)
        self._set_calls(self._iterations)  # the counts follow (`iterations` may be set before the build)
        if self._pending_state is not None:
            try:
                self.set_state(self._pending_state)
            except (TypeError, ValueError):
                self._layout = self._shapes = self._transform = self._state = None  # stay unbuilt
                raise
            self._pending_state = None

    def _relayout(self, grads, params):
        """The same variables arrive in other arrays: keep the state, re-mapped if the grouping changed."""
        new = Layout(grads, params, self._flat_buffers)
        self._version += 1
        if new.compatible(self._layout):
            self._layout = new
            return
        saved = self.get_state()
        self._layout = new
        self._state = self._transform.init(new.params_list)
        self.set_state(saved)

    # ------------------------------------------------------------------ stepping
    def apply_gradients(self, grads_and_vars):
        """Apply one step: ``param += update(grad)`` in place for each ``(grad, param)`` pair.

        Returns ``iterations`` after the step. Raises ValueError (nothing changed) on shape or
        count mismatches and on a schedule value that is not finite.
        """
        layout = self._layout
        where = f"{type(self).__name__}.apply_gradients"
        try:
            pairs = grads_and_vars if isinstance(grads_and_vars, (list, tuple)) else list(grads_and_vars)
        except TypeError:
            raise TypeError(f"{where}: `grads_and_vars` must be an iterable of (grad, param) pairs, "
                            f"got {type(grads_and_vars).__name__}.") from None
        if layout is None or not (len(pairs) == len(layout.params) and all(  # else: the arrays of the last step
                type(pr) is tuple and len(pr) == 2 and pr[0] is g and pr[1] is p
                for pr, g, p in zip(pairs, layout.grads, layout.params))):
            grads, params, variables = unpack_pairs(pairs, where, self._shapes)
            if self._transform is None:
                self._build(grads, params, variables)
            elif not self._layout.same(grads, params):
                self._relayout(grads, params)
        self._check_step(self._iterations)
        layout = self._layout
        if not all(all_finite(g) for g in layout.group_grads):
            self.nonfinite_steps += 1
            warnings.warn(f"{type(self).__name__}: non-finite gradient at step {self._iterations}; "
                          f"the step was skipped (nonfinite_steps={self.nonfinite_steps}).",
                          RuntimeWarning, stacklevel=2)
            return self.iterations
        if _threaded.get_num_threads() > 1:
            self._state = self._threads.step(self._transform, self._state, layout, self._version)
        else:
            self._state = self._transform.apply(layout.group_grads, self._state, layout.params_list)
        self._iterations += 1  # the transforms advanced their counts in the step
        return self.iterations

    def _check_step(self, step):
        """Evaluate (and so validate) every scheduled hyperparameter at ``step`` before any change."""
        self._lr_at(step)

    # ------------------------------------------------------------------ state and config
    def get_state(self) -> dict:
        """Copies of the state: ``"iterations"``, per-variable slots ``"<transform>/<slot>/<i>"``
        in the notes' units (``"adam/m/0"``, ``"adam/v/0"``, ...) and scalars
        ``"<transform>/<name>"``; ``set_state`` of it resumes exactly (bit for bit)."""
        return _state.get_state(self)

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`'s dict. Everything is validated before anything changes:
        names, shapes, numbers, each slot's domain (finite; ``>= 0`` where the algorithm needs
        it: Adam's ``v``, Adagrad's accumulator, RMSprop's mean square and centered variance...);
        ``iterations`` an int >= 0 (the saved ``count`` entries follow it). A state saved by an
        older deepgrad (rescaled moments, ``adam/m_sum/0``) is converted (:mod:`._state`).

        Before the optimizer is built (no step yet) everything but the slots' fit to the
        variables is checked at once, ``iterations`` (hence ``learning_rate``) takes the
        state's value, and the slots are restored at the build, which raises (leaving the
        optimizer unbuilt) if they do not fit the variables.
        """
        _state.set_state(self, state)
        self._lr_step = None

    def finalize_variable_values(self, var_list):
        """Keras: with ``use_ema``, copy the moving averages into the variables ``var_list`` (the
        variables the optimizer was built for, in order; Keras's ``fit`` does this at the end)."""
        if not self.use_ema or self._transform is None:
            return
        where = f"{type(self).__name__}.finalize_variable_values"
        arrays = [param_array(v, where, f"`var_list`[{i}]") for i, v in enumerate(var_list)]
        averages = self._layout.variable_views(self._state[0]["average"])
        if [a.shape for a in arrays] != [a.shape for a in averages]:
            raise ValueError(f"{where}: `var_list` must be the {len(averages)} variables the optimizer was "
                             f"built for, got shapes {[a.shape for a in arrays]}.")
        for a, avg in zip(arrays, averages):
            a[...] = avg

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
                "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "gradient_accumulation_steps": self.gradient_accumulation_steps, **self._hyper_config()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self._learning_rate!r} iterations={self.iterations}>"
