"""How an optimizer's variables map onto the arrays its transforms step.

Either one array per variable (a 2-D point of the lab, a user's list of arrays), or, when the
model has handed its flat buffers to the optimizer (``Optimizer.use_flat_buffers``: tinygrad's
``fused`` idea), one flat parameter buffer and one flat gradient buffer holding every variable
in order: the whole chain then runs once on the two buffers, each state slot is one flat
array, and per-variable operations read the variables' ranges (``ParamList.segments``).
"""

from __future__ import annotations

import numpy as np

from .transforms import ParamList


def array_and_name(var):
    """``(array, name)`` of a variable: a NumPy array (no name) or a Weight-like object with a
    ``.value`` array and an optional ``.name``."""
    if not isinstance(var, np.ndarray) and isinstance(getattr(var, "value", None), np.ndarray):
        return var.value, getattr(var, "name", None)
    return var, None


def check_flat_buffer(buffer, arg, where):
    """A handed-off flat buffer: a writeable C-contiguous 1-D float array."""
    if not (isinstance(buffer, np.ndarray) and buffer.ndim == 1 and buffer.dtype.kind == "f"
            and buffer.flags.c_contiguous and buffer.flags.writeable):
        raise TypeError(f"{where}: `{arg}` must be a writeable C-contiguous 1-D float NumPy array, got "
                        f"{type(buffer).__name__} {getattr(buffer, 'dtype', '')} {getattr(buffer, 'shape', '')}.")
    return buffer


def _start(a):
    return a.__array_interface__["data"][0]


def _packs(buffer, arrays):
    """Whether ``arrays`` are, in order, the consecutive C-contiguous views that fill ``buffer``
    (the model's promise when it hands the buffer over, checked once per new list of arrays)."""
    pos, end = _start(buffer), _start(buffer) + buffer.nbytes
    for a in arrays:
        if a.dtype != buffer.dtype or not a.flags.c_contiguous or _start(a) != pos:
            return False
        pos += a.nbytes
    return pos == end


class Layout:
    """The arrays the transforms see for one list of ``(grad, param)`` arrays.

    ``flat`` (``(params_buffer, grads_buffer)`` handed off by the model, or None): used when the
    arrays are exactly the buffers' consecutive views; otherwise one group per variable.
    """

    def __init__(self, grads, params, flat=None):
        self.params, self.grads = list(params), list(grads)
        self.shapes = [p.shape for p in params]
        if flat is not None and _packs(flat[0], params) and _packs(flat[1], grads):
            sizes = np.cumsum([0] + [p.size for p in params])
            self.segments = [list(zip(sizes[:-1].tolist(), sizes[1:].tolist()))]
            self.group_params, self.group_grads = [flat[0]], [flat[1]]
        else:
            self.segments = None
            self.group_params, self.group_grads = list(params), list(grads)
        self.params_list = ParamList(self.group_params, self.segments)
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


_ARG = "grads_and_vars"


def param_array(var, where, arg):
    """The array of a variable (an array or a Weight-like object), checked updatable in place."""
    p = array_and_name(var)[0]
    if not isinstance(p, np.ndarray) or p.dtype.kind != "f" or not p.flags.writeable:
        raise TypeError(f"{where}: {arg} must be a writeable float NumPy array (updated in place) "
                        f"or an object with one as `.value`, got {type(p).__name__} {getattr(p, 'dtype', '')}.")
    return p


def unpack_pairs(pairs, where, shapes=None):
    """``(grads, params, variables)`` of ``apply_gradients``'s pairs, every one checked (real
    gradient of its parameter's shape; the same variables as before when ``shapes`` is given)."""
    grads, params, variables = [], [], []
    if pairs and all(isinstance(pr, (tuple, list)) and len(pr) == 2 and pr[0] is None for pr in pairs):
        raise ValueError(f"{where}: No gradients provided for any variable (every gradient "
                         f"in `{_ARG}` is None).")  # Keras's message
    for i, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"{where}: `{_ARG}`[{i}] must be a (grad, param) pair, got {pair!r:.80}.")
        g, var = pair
        p = param_array(var, where, f"`{_ARG}`[{i}] param")
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
            raise TypeError(f"{where}: `{_ARG}`[{i}] gradient must be a float or int array, got dtype {g.dtype}.")
        if g.shape != p.shape:
            raise ValueError(f"{where}: `{_ARG}`[{i}]: gradient shape {g.shape} does not match "
                             f"param shape {p.shape}.")
        grads.append(g)
        params.append(p)
        variables.append(var)
    if not params:
        raise ValueError(f"{where}: `{_ARG}` is empty.")
    if shapes is not None and [p.shape for p in params] != shapes:
        raise ValueError(f"{where}: `{_ARG}` must hold the same variables as the first call: "
                         f"expected {len(shapes)} with shapes {shapes}, got {len(params)} "
                         f"with shapes {[p.shape for p in params]}.")
    return grads, params, variables
