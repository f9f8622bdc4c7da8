"""Layers with Keras's names, arguments and defaults."""

from .base import Layer, Weight
