"""The notes' functional Adam exercise (002), built on :class:`.transforms.scale_by_adam`.

Shapes (a one-hidden-layer network, column-vector convention of the notes):
``W1 (n_h, n_x)``, ``b1 (n_h, 1)``, ``W2 (n_y, n_h)``, ``b2 (n_y, 1)``; each gradient,
first moment ``v*`` and second moment ``s*`` has its parameter's shape.

The update is the textbook one (Kingma & Ba; ``torch.optim.Adam``)::

    v = beta1 v + (1 - beta1) dW;      vhat = v / (1 - beta1^t)
    s = beta2 s + (1 - beta2) dW^2;    shat = s / (1 - beta2^t)
    W = W - learning_rate * vhat / (sqrt(shat) + epsilon)

The slide writes the last line as ``w - alpha vhat / (sqrt(shat) + eps) * dw``: the extra
factor ``dw`` is a slip (``vhat`` already carries the gradient); it is not reproduced. Note
also that Keras's ``Adam`` adds ``epsilon`` to the uncorrected root (see ``Adam``).
"""

from __future__ import annotations

import numpy as np

from deepgrad._validation import check_float

from .transforms import scale_by_adam

__all__ = ["initialize_adam", "update_parameters_with_adam"]


def initialize_adam(n_x, n_h, n_y):
    """Zero moments ``vW1, vb1, vW2, vb2, sW1, sb1, sW2, sb2`` with the shapes above (float64)."""
    for name, n in (("n_x", n_x), ("n_h", n_h), ("n_y", n_y)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"initialize_adam: `{name}` must be an int >= 1, got {n!r}.")
    shapes = [(n_h, n_x), (n_h, 1), (n_y, n_h), (n_y, 1)]
    v = [np.zeros(s) for s in shapes]
    s = [np.zeros(sh) for sh in shapes]
    return (*v, *s)


def update_parameters_with_adam(W1, b1, W2, b2, dW1, db1, dW2, db2, vW1, vb1, vW2, vb2,
                                sW1, sb1, sW2, sb2, t, learning_rate=0.001, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    """One textbook Adam step at 1-based step ``t``; returns new arrays (inputs are not modified)::

        (W1, b1, W2, b2, vW1, vb1, vW2, vb2, sW1, sb1, sW2, sb2)
    """
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"update_parameters_with_adam: `t` must be an int >= 1 (1-based step), got {t!r}.")
    where = "update_parameters_with_adam"
    check_float(learning_rate, "learning_rate", where, low=0.0)
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        check_float(b, name, where, low=0.0, high=1.0, high_inclusive=False)
    check_float(epsilon, "epsilon", where, low=0.0, low_inclusive=False)
    params = [np.asarray(a, dtype=float) for a in (W1, b1, W2, b2)]
    grads = [np.asarray(a, dtype=float) for a in (dW1, db1, dW2, db2)]
    v = [np.array(a, dtype=float) for a in (vW1, vb1, vW2, vb2)]
    s = [np.array(a, dtype=float) for a in (sW1, sb1, sW2, sb2)]
    for group in (grads, v, s):
        for p, a in zip(params, group):
            if a.shape != p.shape:
                raise ValueError(f"update_parameters_with_adam: every gradient and moment must have its "
                                 f"parameter's shape {p.shape}, got {a.shape}.")
    adam = scale_by_adam(beta1, beta2, epsilon, learning_rate=learning_rate, epsilon_placement="textbook")
    state = adam.init(params)
    state.update(count=int(t) - 1, m=v, v=s)  # the transform keeps the notes' v (its m) and s (its v)
    updates, state = adam.update(grads, state, params)
    new_params = [p + u for p, u in zip(params, updates)]
    return (*new_params, *state["m"], *state["v"])
