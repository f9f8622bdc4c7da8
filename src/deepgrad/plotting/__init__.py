"""Plots of training diagnostics (matplotlib is imported only when a plot is drawn)."""

from .gradient_norms import plot_gradient_norms, plot_time_profile
