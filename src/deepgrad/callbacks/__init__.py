"""Callbacks with Keras's names and semantics."""

from .base import Callback, CallbackList, History
from .gradient_norms import GradientNorms
