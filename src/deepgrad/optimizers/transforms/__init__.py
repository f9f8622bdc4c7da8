"""Composable gradient transformations (in the spirit of optax).

A transformation is an object with two methods::

    state = t.init(params)                              # params: list of arrays
    updates, state = t.update(updates, state, params)   # updates: list of arrays (the gradients)

``chain(t1, t2, ...)`` feeds the updates of one into the next. The optimizer presets
(:mod:`deepgrad.optimizers.optimizers`) are thin chains of these pieces, and
``deepgrad.optimizers.TransformOptimizer(chain(...))`` wraps any chain in the same
``apply_gradients`` API, which then applies ``param += update``.

Where things are: :mod:`.core` holds the protocol, ``chain``, clipping, weight decay and the
learning rate; :mod:`.algorithms` the algorithms (momentum, Adagrad, RMSprop, Adam, Nadam,
Adamax, Adadelta) and :mod:`.beyond_notes` Keras's others (Lion, Lamb, Ftrl), each keeping the
notes' state (Adam's ``m`` and ``v``, the momentum's velocity, Adagrad's accumulator, ...) and
computing one formula per line.

Conventions (what lets one step run with no allocation):

- ``update`` never writes into the arrays it receives. It writes its result into output
  buffers it allocated in ``init`` (state keys starting with ``_`` are such scratch buffers:
  they are not part of the saved state) and returns them, so the returned arrays are
  overwritten by the next call.
- State is a ``dict``: a value is either a list of arrays, one per parameter array ("slots",
  updated in place; the class's ``slots`` gives each one's domain), or a Python scalar (e.g.
  the step ``count``).
- The returned updates are *added* to the parameters: transformations that end a chain
  (``scale_by_*`` with a ``learning_rate``, :class:`scale_by_learning_rate`) produce
  ``-lr * direction``.
- ``learning_rate`` arguments accept a float or a callable ``step -> float``; transforms that
  need it count their own steps (state ``count``, the 0-based step of the next update). Inside
  an optimizer every ``count`` equals its ``iterations``: setting ``iterations`` (or
  ``set_state``) sets them all.
- Transforms flagged ``elementwise`` may be run by the optimizer on slices of the arrays
  (with state dicts holding views of the slots), one slice per thread
  (:mod:`deepgrad.optimizers._threaded`).
- When the optimizer steps a model's flat buffers (handed to it with
  ``Optimizer.use_flat_buffers``), ``params`` carries ``params.segments``: for each array, the
  ``(start, stop)`` range of each variable, or ``None`` when the array is one variable. Only
  per-variable operations (``clip_by_norm``, the weight-decay mask) look at it.
"""

from .algorithms import (scale_by_adadelta, scale_by_adagrad, scale_by_adam, scale_by_adamax, scale_by_momentum,
                         scale_by_nadam, scale_by_rms)
from .beyond_notes import scale_by_ftrl, scale_by_lamb, scale_by_lion
from .core import (GradientTransformation, ParamList, ScaledDirection, add_decayed_weights, chain, clip,
                   clip_by_global_norm, clip_by_norm, scale_by_learning_rate)
from .wrappers import accumulate_gradients, ema_of_params

__all__ = [
    "GradientTransformation", "chain", "clip", "clip_by_norm", "clip_by_global_norm",
    "add_decayed_weights", "scale_by_momentum", "scale_by_adagrad", "scale_by_rms",
    "scale_by_adam", "scale_by_nadam", "scale_by_adamax", "scale_by_adadelta",
    "scale_by_learning_rate", "ParamList", "ScaledDirection", "scale_by_lion", "scale_by_lamb",
    "scale_by_ftrl", "accumulate_gradients", "ema_of_params",
]
