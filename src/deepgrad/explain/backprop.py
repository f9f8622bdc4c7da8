"""Deck 000's worked example: forward pass, backpropagation and one SGD step of a 2-2-1 network.

The network of the notes (every unit applies the same activation ``f``; ``x_0 = u_0 = 1``)::

    z_h^(1) = w_0h^(1) + w_1h^(1) x_1 + w_2h^(1) x_2,   u_h = f(z_h^(1)),   h = 1, 2
    z^(2)   = w_0^(2)  + w_1^(2) u_1  + w_2^(2) u_2,     y-hat = f(z^(2))
    L       = (y-hat - y)^2

Backpropagation, in the notes' symbols::

    eps^(2)     = dL/dy-hat = 2 (y-hat - y)
    eps_h^(1)   = dL/du_h   = eps^(2) f'(z^(2)) w_h^(2)                  h = 1, 2
    dL/dw_h^(2) = eps^(2) f'(z^(2)) u_h                                  h = 0, 1, 2
    dL/dw_jh^(1) = eps_h^(1) f'(z_h^(1)) x_j                            j = 0, 1, 2;  h = 1, 2
    w := w - alpha * grad L                                              (SGD, learning rate alpha)

Where the notes slip: the slide asks for ``L(w)/dw`` (the numerator's ``d`` is missing; it
means ``dL/dw``), and ``dL/dw_0^(2) = eps^(2) f'(z^(2)) u_0`` uses a ``u_0`` the notes never
define; as with ``x_0 = 1`` it is the bias input, ``u_0 = 1``. Both are applied here.

The numbers are not computed by these formulas: :func:`backprop` builds a ``Sequential`` of two
``Dense`` layers (float64) holding the nine weights (``kernel[j-1, h-1] = w_jh``, ``bias[h-1] =
w_0h``), runs ``forward(training=True)``, feeds ``eps^(2)`` to the output layer's ``backward``
(which returns ``eps^(1)``, its input gradient) and the hidden layer's, reads the layers'
``kernel.grad``/``bias.grad``, and applies the library's ``SGD(alpha)``. The tests check those
numbers against the formulas above, against central finite differences and against a hand
computation of the default example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: the nine weights in the notes' order (hidden layer, then output layer)
WEIGHT_NAMES = ("w_01^(1)", "w_11^(1)", "w_21^(1)", "w_02^(1)", "w_12^(1)", "w_22^(1)",
                "w_0^(2)", "w_1^(2)", "w_2^(2)")
#: the default example: deck 001's backprop example data (x1 = 1, x2 = 2, y = 0) on deck 000's
#: 2-2-1 ReLU network, weights chosen so that hidden unit 1 is active and unit 2 is not
#: (z_2^(1) < 0, so ReLU's f' = 0 stops every gradient into it)
DEFAULT_WEIGHTS = (0.1, 0.2, 0.3, -0.1, -0.4, 0.1, 0.1, 0.5, -0.6)

__all__ = ["DEFAULT_WEIGHTS", "WEIGHT_NAMES", "BackpropExplanation", "backprop", "loss_at"]


@dataclass
class BackpropExplanation:
    """Every number of one forward/backward/SGD step of the notes' 2-2-1 network.

    Attributes (floats, the notes' symbols): ``x1, x2, y, lr``, ``activation`` (its name),
    ``forward`` (``z_1^(1), z_2^(1), u_1, u_2, z^(2), y-hat, L``), ``errors`` (``eps^(2)``,
    ``eps_1^(1)``, ``eps_2^(1)``), ``derivatives`` (``f'(z_1^(1))``, ``f'(z_2^(1))``,
    ``f'(z^(2))``), ``weights``, ``gradient`` and ``updated`` (dicts keyed by
    :data:`WEIGHT_NAMES`, in the notes' order), ``notes`` (remarks on the notes' slips).
    """

    x1: float
    x2: float
    y: float
    lr: float
    activation: str
    forward: dict
    errors: dict
    derivatives: dict
    weights: dict
    gradient: dict
    updated: dict
    notes: list = field(default_factory=list)

    def table(self, digits: int = 6) -> str:
        """The explanation as plain-text tables (what ``deepgrad explain backprop`` prints)."""
        spec = f"{{:.{digits}g}}"

        def num(v):
            return spec.format(v + 0.0)          # + 0.0 prints -0.0 as 0
        header = (f"2-2-1 network, f = {self.activation}, L = (y-hat - y)^2, "
                  f"x1 = {num(self.x1)}, x2 = {num(self.x2)}, "
                  f"y = {num(self.y)}, alpha = {num(self.lr)}")
        lines = [header, "", "forward pass"]
        for k, v in self.forward.items():
            lines.append(f"  {k:<12}= {num(v)}")
        lines += ["", "errors (backward pass)"]
        for k, v in self.errors.items():
            lines.append(f"  {k:<12}= {num(v)}")
        lines += ["", "activation derivatives"]
        for k, v in self.derivatives.items():
            lines.append(f"  {k:<12}= {num(v)}")
        lines += ["", f"  {'weight':<10}{'w':>14}{'dL/dw':>14}{'w - alpha dL/dw':>18}"]
        for k in WEIGHT_NAMES:
            lines.append(f"  {k:<10}{num(self.weights[k]):>14}"
                         f"{num(self.gradient[k]):>14}{num(self.updated[k]):>18}")
        if self.notes:
            lines += ["", "notes"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def _check_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"explain.backprop: `{name}` must be a real number, got "
                        f"{type(value).__name__} {value!r:.40}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"explain.backprop: `{name}` must be finite, got {value}.")
    return value


def _check_weights(weights):
    if weights is None:
        return tuple(DEFAULT_WEIGHTS)
    try:
        values = list(weights)
    except TypeError:
        raise TypeError("explain.backprop: `weights` must be 9 numbers (w_01, w_11, w_21, w_02, "
                        f"w_12, w_22 of the hidden layer, w_0, w_1, w_2 of the output), got "
                        f"{type(weights).__name__}.") from None
    if len(values) != 9:
        raise ValueError("explain.backprop: `weights` must be 9 numbers (w_01, w_11, w_21, w_02, "
                         f"w_12, w_22, w_0, w_1, w_2), got {len(values)}.")
    return tuple(_check_number(v, f"weights[{i}]") for i, v in enumerate(values))


def _network(weights, activation):
    """The notes' network as a Sequential of two float64 Dense layers holding ``weights``."""
    from ..layers.core import Dense
    from ..models import Sequential

    w01, w11, w21, w02, w12, w22, w0, w1, w2 = weights
    model = Sequential([Dense(2, activation=activation, input_shape=(2,), dtype="float64"),
                        Dense(1, activation=activation, dtype="float64")])
    model.set_weights([np.array([[w11, w12], [w21, w22]]), np.array([w01, w02]),
                       np.array([[w1], [w2]]), np.array([w0])])
    return model


def _flat(hidden, output, attr):
    """The layers' ``attr`` ("value" or "grad") of the four weights, as the notes' nine numbers."""
    k1, b1 = getattr(hidden.kernel, attr), getattr(hidden.bias, attr)
    k2, b2 = getattr(output.kernel, attr), getattr(output.bias, attr)
    return (b1[0], k1[0, 0], k1[1, 0], b1[1], k1[0, 1], k1[1, 1], b2[0], k2[0, 0], k2[1, 0])


def loss_at(weights, x1, x2, y, activation="relu"):
    """``L = (y-hat - y)^2`` of the network with ``weights`` (notes' order) at one example."""
    model = _network(_check_weights(weights), activation)
    yhat = model.forward(np.array([[x1, x2]], dtype=np.float64))[0, 0]
    return float((yhat - y) ** 2)


# Activations that act across units, not on each unit alone: the 2-2-1 network's one output unit
# makes them constant or undefined.
_NOT_ELEMENTWISE = {
    "softmax": "over one unit is the constant 1",
    "log_softmax": "over one unit is the constant 0",
    "glu": "halves its axis (it needs an even number of units)",
}


def backprop(x1=1.0, x2=2.0, y=0.0, weights=None, activation="relu", lr=0.1):
    """Run one forward pass, backpropagation and SGD step of the notes' 2-2-1 network.

    Args:
        x1, x2: the inputs (default: deck 001's example, 1 and 2).
        y: the target (default 0).
        weights: 9 numbers in the notes' order ``w_01, w_11, w_21, w_02, w_12, w_22`` (hidden
            layer: ``w_jh`` joins input j to hidden unit h, ``j = 0`` the bias) then
            ``w_0, w_1, w_2`` (output layer). Default :data:`DEFAULT_WEIGHTS`.
        activation: ``f``, used by every unit as in the notes: any activation of
            :mod:`deepgrad.activations` (name, config dict or Activation object) that has a
            derivative (``softmax`` on one unit is constant and is refused).
        lr: the learning rate alpha of the SGD update (> 0).

    Returns: a :class:`BackpropExplanation` (``print(it)`` shows the tables).
    Raises: TypeError/ValueError naming the bad argument, before anything is computed.
    """
    from .. import activations
    from ..optimizers import SGD

    x1, x2, y = (_check_number(v, n) for v, n in ((x1, "x1"), (x2, "x2"), (y, "y")))
    lr = _check_number(lr, "lr")
    if lr <= 0:
        raise ValueError(f"explain.backprop: `lr` must be > 0, got {lr}.")
    weights = _check_weights(weights)
    act = activations.get(activation, "activation")
    if isinstance(act, activations.CallableActivation):
        raise TypeError("explain.backprop: `activation` must be one of deepgrad.activations (it "
                        f"needs a derivative), got the plain callable {activation!r:.40}.")
    if act.name in _NOT_ELEMENTWISE:
        raise ValueError(f"explain.backprop: `activation` {act.name!r} {_NOT_ELEMENTWISE[act.name]}; "
                         "choose an elementwise activation such as 'sigmoid' or 'relu'.")

    model = _network(weights, act)
    hidden, output = model.layers
    x = np.array([[x1, x2]], dtype=np.float64)
    # forward pass through the layers themselves (they cache what backward needs)
    u = hidden.forward(x, training=True)
    yhat = output.forward(u, training=True)
    z1 = x @ hidden.kernel.value + hidden.bias.value          # shown only; Dense keeps its own
    z2 = u @ output.kernel.value + output.bias.value
    eps2 = 2.0 * (yhat - y)                                    # eps^(2) = dL/dy-hat
    eps1 = output.backward(eps2.copy()).copy()                 # eps_h^(1) = dL/du_h
    hidden.backward(eps1.copy())      # a layer's backward may overwrite the gradient it gets
    grads = _flat(hidden, output, "grad")
    # f'(z) read from the activation's own backward: dL/dz for dL/dy = 1
    fprime = act.backward(np.ones(3), np.concatenate([z1[0], z2[0]]),
                          act.forward(np.concatenate([z1[0], z2[0]])))

    SGD(learning_rate=lr).apply_gradients(
        [(w.grad, w) for w in (hidden.kernel, hidden.bias, output.kernel, output.bias)])
    updated = _flat(hidden, output, "value")

    notes = ["the slide's 'L(w)/dw' means dL/dw (the numerator's d is missing).",
             "dL/dw_0^(2) = eps^(2) f'(z^(2)) u_0 with u_0 = 1 (the notes define x_0 = 1 only)."]
    if act.name == "relu" and np.any(np.concatenate([z1[0], z2[0]]) == 0):
        notes.append("a pre-activation is exactly 0, where ReLU has no derivative; the library "
                     "(like Keras and PyTorch) uses f'(0) = 0.")
    return BackpropExplanation(
        x1=x1, x2=x2, y=y, lr=lr,
        activation=act.name if act == activations.get(act.name) else repr(act),
        forward={"z_1^(1)": float(z1[0, 0]), "z_2^(1)": float(z1[0, 1]), "u_1": float(u[0, 0]),
                 "u_2": float(u[0, 1]), "z^(2)": float(z2[0, 0]), "y-hat": float(yhat[0, 0]),
                 "L": float((yhat[0, 0] - y) ** 2)},
        errors={"eps^(2)": float(eps2[0, 0]), "eps_1^(1)": float(eps1[0, 0]),
                "eps_2^(1)": float(eps1[0, 1])},
        derivatives={"f'(z_1^(1))": float(fprime[0]), "f'(z_2^(1))": float(fprime[1]),
                     "f'(z^(2))": float(fprime[2])},
        weights=dict(zip(WEIGHT_NAMES, weights)),
        gradient={k: float(g) for k, g in zip(WEIGHT_NAMES, grads)},
        updated={k: float(v) for k, v in zip(WEIGHT_NAMES, updated)},
        notes=notes)
