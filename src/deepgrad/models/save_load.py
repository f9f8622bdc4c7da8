"""Saving as free functions (Keras's ``keras.saving.save_model``), and the model's ``save``,
``save_weights`` and ``load_weights``: one-line delegates to them. The file format and its
checks are in :mod:`deepgrad.models.saving`."""

from __future__ import annotations

import os

from ..io import atomic_write
from .keras_file import KERAS_EXTENSION, load_keras_weights
from .keras_file_save import save_keras
from .saving import (FORMAT_VERSION, MAX_FILE_BYTES, MODEL_EXTENSION, WEIGHTS, WEIGHTS_EXTENSION,
                     WEIGHTS_FORMAT, ModelFileError, _check_path, _read_bounded, check_weights,
                     parse_safetensors, read_archive, weights_bytes, write_archive)

__all__ = ["save_model", "save_weights", "load_weights", "SavingMixin"]



def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save architecture, weights and (``include_optimizer``) optimizer config and state.

    ``filepath`` must end in ``.deepgrad``, or in ``.keras`` for a Keras 3 file that
    ``keras.models.load_model`` reads (:mod:`deepgrad.models.keras_file_save`). The write is
    atomic (temporary file, fsync, rename). With ``overwrite=False`` an existing file raises
    ``FileExistsError``.
    """
    where = "save"
    keras = isinstance(filepath, (str, os.PathLike)) and os.fspath(filepath).endswith(KERAS_EXTENSION)
    path = _check_path(filepath, "filepath", where, KERAS_EXTENSION if keras else MODEL_EXTENSION)
    if not isinstance(overwrite, bool) or not isinstance(include_optimizer, bool):
        raise TypeError(f"{where}: `overwrite` and `include_optimizer` must be bools, "
                        f"got {overwrite!r} and {include_optimizer!r}.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{where}: {path!r} exists and `overwrite` is False.")
    if keras:
        if not model.built:
            raise ValueError(f"{where}: the model has no weights yet; build it (or call fit) first.")
        save_keras(model, path, include_optimizer)
    else:
        write_archive(path, model, include_optimizer)

def save_weights(model, filepath, overwrite=True):
    """Save the weights alone as safetensors (``filepath`` must end in ``.safetensors``), atomically."""
    where = "save_weights"
    path = _check_path(filepath, "filepath", where, WEIGHTS_EXTENSION)
    if not isinstance(overwrite, bool):
        raise TypeError(f"{where}: `overwrite` must be a bool, got {overwrite!r}.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{where}: {path!r} exists and `overwrite` is False.")
    if not model.built:
        raise ValueError(f"{where}: the model has no weights yet; build it (or call fit) first.")
    atomic_write(path, weights_bytes(model))

def load_weights(model, filepath, max_bytes=MAX_FILE_BYTES):
    """Load weights from a ``.safetensors`` file (``save_weights``), a ``.deepgrad`` model file or
    a Keras 3 ``.keras`` file (the same layers in the same order; :func:`.keras_file.load_keras_weights`).

    Names, shapes and dtypes are checked against this model before anything changes.
    Raises :class:`ModelFileError` on a bad or mismatching file.
    """
    where = "load_weights"
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{where}: `filepath` must be a str or os.PathLike, got {type(filepath).__name__}.")
    path = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"{where}: build the model (or give it an input shape) before loading weights.")
    if path.endswith(KERAS_EXTENSION):
        load_keras_weights(model, path, max_bytes, where)
        return
    if path.endswith(MODEL_EXTENSION):
        blob = read_archive(path, max_bytes, where)[WEIGHTS]
    else:
        path = _check_path(path, "filepath", where, WEIGHTS_EXTENSION)
        blob = _read_bounded(path, max_bytes, where)
    tensors, meta = parse_safetensors(blob, f"{where}: {path!r}")
    if meta.get("format") != WEIGHTS_FORMAT:
        raise ModelFileError(f"{where}: {path!r} is not a deepgrad weights file (metadata format "
                             f"{meta.get('format')!r}).")
    if not meta.get("format_version", "").isdigit() or int(meta["format_version"]) > FORMAT_VERSION:
        raise ModelFileError(f"{where}: {path!r} has weights format_version {meta.get('format_version')!r}; "
                             f"this deepgrad reads up to {FORMAT_VERSION}.")
    model.set_weights(check_weights(model, tensors, f"{where}: {path!r}"))


class SavingMixin:
    """``save``, ``save_weights`` and ``load_weights`` for the models: each calls the free
    function of the same job above."""

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """:func:`save_model` of this model."""
        save_model(self, filepath, overwrite, include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """:func:`save_weights` of this model."""
        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, max_bytes=MAX_FILE_BYTES):
        """:func:`load_weights` into this model."""
        load_weights(self, filepath, max_bytes)
