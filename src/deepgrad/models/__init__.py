"""Models: ``Sequential`` and (later) loading saved models."""

from .sequential import NotCompiledError, Sequential
