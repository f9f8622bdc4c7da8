"""Pictures of the notes and of training diagnostics.

Every function returns matplotlib objects built on ``matplotlib.figure.Figure`` (never pyplot:
no backend is switched and no global figure list grows); :func:`save` writes one to a file.
matplotlib is imported only when a picture is drawn.

* :func:`plot_activations`: deck 001's activations and their derivatives;
* :func:`plot_schedules`: the learning-rate schedules against the step;
* :func:`plot_ewma`: deck 002's exponentially weighted moving average;
* :func:`plot_deep_gradient_norms`: per-layer gradient norms of a deep MLP (deck 000);
* :func:`plot_gradient_norms`, :func:`plot_time_profile`: a ``GradientNorms`` record.
"""

from ._figure import new_figure, save
from .activations import NOTES_ACTIVATIONS, activation_curves, plot_activations
from .deep_mlp import CASES, deep_mlp, deep_mlp_gradient_norms, plot_deep_gradient_norms
from .ewma import ewma, noisy_series, plot_ewma
from .gradient_norms import plot_gradient_norms, plot_time_profile
from .schedules import notes_schedules, plot_schedules, schedule_values

__all__ = [
           "CASES",
           "NOTES_ACTIVATIONS",
           "activation_curves",
           "deep_mlp",
           "deep_mlp_gradient_norms",
           "ewma",
           "new_figure",
           "noisy_series",
           "notes_schedules",
           "plot_activations",
           "plot_deep_gradient_norms",
           "plot_ewma",
           "plot_gradient_norms",
           "plot_schedules",
           "plot_time_profile",
           "save",
           "schedule_values",
]
