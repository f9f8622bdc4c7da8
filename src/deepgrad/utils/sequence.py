"""``pad_sequences``: a list of variable-length sequences -> one padded array (Keras's)."""

from __future__ import annotations

import numbers

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) each sequence to ``maxlen`` steps, as Keras's ``pad_sequences``.

    Args:
        sequences: a list of sequences (lists or arrays; each step a number or an array of a
            shape shared by all sequences).
        maxlen: the length of the output (default: the longest sequence's).
        dtype: of the output (default ``"int32"``, as Keras; strings and ``object`` allowed).
        padding: ``"pre"`` (default: values before each sequence) or ``"post"`` (after).
        truncating: ``"pre"`` (default: a longer sequence loses its first steps, keeping the
            last ``maxlen``) or ``"post"`` (loses its last steps).
        value: the padding value (default 0, what ``Embedding(mask_zero=True)`` masks).

    Returns:
        an array of shape ``(len(sequences), maxlen) + step shape``.
    """
    w = "pad_sequences"
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(f"{w}: `sequences` must be a list of sequences, got "
                         f"{type(sequences).__name__}.")
    if padding not in ("pre", "post"):
        raise ValueError(f'{w}: `padding` must be "pre" or "post", got {padding!r}.')
    if truncating not in ("pre", "post"):
        raise ValueError(f'{w}: `truncating` must be "pre" or "post", got {truncating!r}.')
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, numbers.Integral)
                               or maxlen < 0):
        raise ValueError(f"{w}: `maxlen` must be None or an int >= 0, got {maxlen!r}.")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{w}: `dtype` must be a NumPy dtype name, got {dtype!r}.") from None
    is_text = np.issubdtype(dtype, np.str_) or dtype == object
    if isinstance(value, str) and not is_text:
        raise ValueError(f"{w}: `dtype` {dtype} cannot hold the str `value` {value!r}; use "
                         f"dtype=object or a str dtype.")
    lengths, step_shape = [], None
    for i, s in enumerate(sequences):
        if isinstance(s, (str, bytes)) or not hasattr(s, "__len__"):
            raise ValueError(f"{w}: `sequences` must hold sequences, got {type(s).__name__} "
                             f"{s!r} at index {i}.")
        lengths.append(len(s))
        if step_shape is None and len(s):
            step_shape = np.asarray(s).shape[1:]   # from the first non-empty sequence
    step_shape = step_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    out = np.full((len(lengths), int(maxlen)) + step_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != step_shape:
            raise ValueError(f"{w}: sequence {i} has steps of shape {kept.shape[1:]}, the "
                             f"first non-empty sequence {step_shape}.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
