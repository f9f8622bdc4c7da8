"""Models: ``Sequential``, the one-path functional ``Model``, saving and loading."""

from .saving import ModelFileError, load_model
from .save_load import save_model
from .sequential import NotCompiledError, Sequential
from .cloning import clone_model
from .functional import Model
