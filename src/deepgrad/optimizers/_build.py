"""Building an optimizer for its variables, and keeping its state when they arrive in other arrays.

The build (Keras's ``build``, or the first ``apply_gradients``) checks the hyperparameters
against the parameters' dtype (:func:`._args.check_tiny`), lays the variables out
(:class:`._layout.Layout`), builds the transform chain (``Optimizer._build_transform``) and its
state, and restores a state given to ``set_state`` before the build. Later steps reuse the
layout while the same arrays arrive; other arrays holding the same variables get a new layout,
the state re-mapped if the grouping changed.
"""

from __future__ import annotations

from . import _args, _state
from ._layout import Layout, check_flat_buffer, param_array, unpack_pairs


def variables_of(var_list, where):
    """``build``'s ``var_list`` as a non-empty list, with the parameter array of each variable."""
    try:
        variables = list(var_list)
    except TypeError:
        raise TypeError(f"{where}: `var_list` must be a list of variables, got "
                        f"{type(var_list).__name__}.") from None
    if not variables:
        raise ValueError(f"{where}: `var_list` is empty.")
    return variables, [param_array(v, where, f"`var_list`[{i}]") for i, v in enumerate(variables)]


def check_flat_buffers(params, grads, where):
    """The model's two flat buffers: writeable C-contiguous 1-D float arrays of one shape and dtype."""
    params, grads = check_flat_buffer(params, "params", where), check_flat_buffer(grads, "grads", where)
    if params.shape != grads.shape or params.dtype != grads.dtype:
        raise ValueError(f"{where}: `params` and `grads` must have one shape and dtype, got "
                         f"{params.shape} {params.dtype} and {grads.shape} {grads.dtype}.")
    return params, grads


def build(opt, grads, params, variables):
    """Lay out the variables and create the chain and its state; restore a pending state."""
    _args.check_tiny(opt, params)
    opt._layout = Layout(grads, params, opt._flat_buffers)
    opt._version += 1
    opt._shapes = [p.shape for p in params]
    opt._transform = opt._build_transform(variables)
    opt._state = opt._transform.init(opt._layout.params_list)
    _state.set_calls(opt, opt._iterations)  # the counts follow (`iterations` may be set before the build)
    if opt._pending_state is not None:
        try:
            opt.set_state(opt._pending_state)
        except (TypeError, ValueError):
            opt._layout = opt._shapes = opt._transform = opt._state = None  # stay unbuilt
            raise
        opt._pending_state = None


def relayout(opt, grads, params):
    """The same variables arrive in other arrays: keep the state, re-mapped if the grouping changed."""
    new = Layout(grads, params, opt._flat_buffers)
    opt._version += 1
    if new.compatible(opt._layout):
        opt._layout = new
        return
    saved = opt.get_state()
    opt._layout = new
    opt._state = opt._transform.init(new.params_list)
    opt.set_state(saved)


def take_pairs(opt, grads_and_vars):
    """Make ``opt``'s layout hold ``apply_gradients``'s pairs: nothing to do for the arrays of the
    last step; else check them, then build (first step) or re-lay out (other arrays)."""
    layout = opt._layout
    where = f"{type(opt).__name__}.apply_gradients"
    try:
        pairs = grads_and_vars if isinstance(grads_and_vars, (list, tuple)) else list(grads_and_vars)
    except TypeError:
        raise TypeError(f"{where}: `grads_and_vars` must be an iterable of (grad, param) pairs, "
                        f"got {type(grads_and_vars).__name__}.") from None
    if layout is not None and len(pairs) == len(layout.params) and all(
            type(pr) is tuple and len(pr) == 2 and pr[0] is g and pr[1] is p
            for pr, g, p in zip(pairs, layout.grads, layout.params)):
        return
    grads, params, variables = unpack_pairs(pairs, where, opt._shapes)
    if opt._transform is None:
        build(opt, grads, params, variables)
    elif not opt._layout.same(grads, params):
        relayout(opt, grads, params)
