"""Models: ``Sequential`` and (later) loading saved models."""

from .saving import ModelFileError, load_model
from .sequential import NotCompiledError, Sequential
from .cloning import clone_model
from .functional import Model
