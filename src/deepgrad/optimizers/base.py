"""The optimizer base class: one ``apply_gradients`` for a network's weights and for a 2-D point.

An optimizer is a chain of gradient transformations (:mod:`.transforms`) built on the first
step, in Keras's order: **clip** (``clipvalue`` | ``clipnorm`` | ``global_clipnorm``) -> the
algorithm (its update includes ``-learning_rate``) -> **decoupled weight decay**
(``-learning_rate * weight_decay * w``); then ``param += update`` and ``iterations += 1``.
Keras applies the decay to the variable before the update step; no update step reads the
variable, so the two orders give the same step.

A model hands its flat parameter and gradient buffers to the optimizer
(:meth:`Optimizer.use_flat_buffers`); the chain then runs once on the whole buffers
(:mod:`._layout`). Beside this skeleton: the build and re-layout in :mod:`._build`, the state's
names and its validated get/set in :mod:`._state`, the argument checks in :mod:`._args`, the
weight-decay selection in :mod:`._weight_decay`, the EMA copy in :mod:`._ema`, the config in
:mod:`._config`, the opt-in threaded step in :mod:`._threaded`.

Non-finite gradients: if any gradient holds NaN or Inf, the step is **skipped** (parameters,
slots and ``iterations`` unchanged), a ``RuntimeWarning`` is issued and
``optimizer.nonfinite_steps`` is incremented.
"""

from __future__ import annotations

import math
import warnings

from deepgrad._blas import all_finite

from . import _args, _build, _config, _ema, _state, _threaded, _weight_decay
from . import transforms as T
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
        _state.set_calls(self, _args.check_iterations(value, type(self).__name__) * self._k)

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
            decays = _weight_decay.decay_selection(variables, self._exclude_vars, self._exclude_names)
            parts.append(T.add_decayed_weights(self.weight_decay, lr, decays))
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
        var_list, var_names = _weight_decay.check_exclusions(where, var_list, var_names)
        self._exclude_vars += var_list
        self._exclude_names += var_names

    # ------------------------------------------------------------------ build
    def build(self, var_list):
        """Keras's ``build``: create the state for ``var_list``, the variables in the order
        ``apply_gradients`` will receive them: NumPy arrays or Weight-like objects (a ``.value``
        array, an optional ``.name``), whose names and identities resolve
        :meth:`exclude_from_weight_decay`. Does nothing once built. Later steps may pass the
        same variables as bare arrays."""
        if self._transform is None:
            variables, params = _build.variables_of(var_list, f"{type(self).__name__}.build")
            _build.build(self, params, params, variables)

    def use_flat_buffers(self, params, grads):
        """The model's hand-off (tinygrad's ``fused``): its trainable variables are, in order,
        consecutive views filling the 1-D buffer ``params``, their gradients likewise in
        ``grads``. Steps on exactly those views then run the chain once on the two buffers
        (one flat array per state slot); other arrays are stepped one by one as before."""
        self._flat_buffers = _build.check_flat_buffers(params, grads, f"{type(self).__name__}.use_flat_buffers")

    # ------------------------------------------------------------------ stepping
    def apply_gradients(self, grads_and_vars):
        """Apply one step: ``param += update(grad)`` in place for each ``(grad, param)`` pair.

        Returns ``iterations`` after the step. Raises ValueError (nothing changed) on shape or
        count mismatches and on a schedule value that is not finite.
        """
        _build.take_pairs(self, grads_and_vars)  # checked; built at the first step
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
        _ema.copy_averages(self, var_list)

    def _hyper_config(self) -> dict:
        """The algorithm's own arguments (subclasses)."""
        return {}

    def get_config(self) -> dict:
        """JSON-serializable constructor arguments (a schedule as ``{"class_name", "config"}``)."""
        return _config.get_config(self)

    @classmethod
    def from_config(cls, config):
        return _config.from_config(cls, config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self._learning_rate!r} iterations={self.iterations}>"
