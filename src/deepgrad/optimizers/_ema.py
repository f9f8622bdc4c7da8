"""Keras's ``finalize_variable_values`` with ``use_ema``: copy the moving averages of the
weights (kept by :class:`.transforms.ema_of_params`, the outermost transform) into the
variables."""

from __future__ import annotations

from ._layout import param_array


def copy_averages(opt, var_list):
    """Write ``opt``'s averages into ``var_list`` (the variables it was built for, in order)."""
    if not opt.use_ema or opt._transform is None:
        return
    where = f"{type(opt).__name__}.finalize_variable_values"
    arrays = [param_array(v, where, f"`var_list`[{i}]") for i, v in enumerate(var_list)]
    averages = opt._layout.variable_views(opt._state[0]["average"])
    if [a.shape for a in arrays] != [a.shape for a in averages]:
        raise ValueError(f"{where}: `var_list` must be the {len(averages)} variables the optimizer was "
                         f"built for, got shapes {[a.shape for a in arrays]}.")
    for a, avg in zip(arrays, averages):
        a[...] = avg
