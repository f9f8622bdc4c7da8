"""Callbacks with Keras's names and semantics."""

from .base import Callback, CallbackList, History
