"""Step-by-step explanations of the notes' worked examples, computed by the library itself.

* :func:`backprop`: deck 000's 2-2-1 network (``z^(1)``, ``u``, ``z^(2)``, ``y-hat``, the errors
  ``eps^(2)`` and ``eps_h^(1)``, every partial derivative, the SGD update of the nine weights),
  its numbers read from two :class:`~deepgrad.layers.Dense` layers' ``backward``.
* :func:`lstm_step`: one step of deck 000's LSTM cell (gates i, f, o, g and the cell state),
  read from the library's :class:`~deepgrad.layers.LSTM`.

The command ``deepgrad explain backprop`` prints the same tables.
"""

from .backprop import BackpropExplanation, backprop
from .lstm import LSTMStepExplanation, lstm_step

__all__ = ["BackpropExplanation", "LSTMStepExplanation", "backprop", "lstm_step"]
