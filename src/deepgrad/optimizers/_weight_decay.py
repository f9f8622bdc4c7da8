"""Which variables take the optimizer's decoupled weight decay (Keras's
``exclude_from_weight_decay``): the argument checks and the per-variable selection."""

from __future__ import annotations

import numpy as np

from ._layout import array_and_name


def check_exclusions(where, var_list, var_names):
    """``(var_list, var_names)`` as lists: arrays or Weight-like objects, and strings."""
    var_list, var_names = list(var_list or []), list(var_names or [])
    for i, v in enumerate(var_list):
        if not isinstance(array_and_name(v)[0], np.ndarray):
            raise TypeError(f"{where}: `var_list`[{i}] must be a NumPy array or an object with a "
                            f"`.value` array (a layer's Weight), got {type(v).__name__}.")
    for i, n in enumerate(var_names):
        if not isinstance(n, str):
            raise TypeError(f"{where}: `var_names`[{i}] must be a str, got {type(n).__name__}.")
    return var_list, var_names


def takes_decay(var, exclude_vars, exclude_names):
    """Whether ``var`` (as given to build/apply_gradients) takes weight decay: not excluded by
    identity (the object, its ``.value`` array, or an excluded Weight's array) nor by a name
    containing one of ``exclude_names``."""
    array, name = array_and_name(var)
    if any(x is var or x is array or array_and_name(x)[0] is array for x in exclude_vars):
        return False
    return not (name and any(s in name for s in exclude_names))


def decay_selection(variables, exclude_vars, exclude_names):
    """The ``decays(i)`` argument of :func:`.transforms.add_decayed_weights`: None when every
    variable decays, else the lookup of :func:`takes_decay` by variable index."""
    decays = [takes_decay(v, exclude_vars, exclude_names) for v in variables]
    return None if all(decays) else decays.__getitem__
