"""The adding problem (Hochreiter & Schmidhuber 1997): a long-memory regression task.

Each sequence has ``timesteps`` steps of 2 features: a value drawn from U(0, 1) and a marker
that is 1 at exactly two steps (one in the first half, one in the second half) and 0
elsewhere. The target is the sum of the two marked values. Their sum has mean 1 and variance
2/12, so always predicting 1 gives a mean squared error of 1/6 ~= 0.167: a model beats this
baseline only if it carries information across up to ``timesteps`` steps.
"""

from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_int


def adding_problem(n, timesteps=200, seed=None, dtype=None):
    """Generate ``n`` sequences of the adding problem.

    Args:
        n: number of sequences (int >= 1).
        timesteps: sequence length (int >= 2), 200 as in the notes' ``input_shape=(200, 2)``.
        seed: int for a private generator; None draws from ``deepgrad.config.rng()``.
        dtype: a float type (default ``config.floatx()``); integer, bool or complex types
            are refused (an integer type would truncate every value and target to 0 or 1).

    Returns:
        ``(x, y)``: x of shape (n, timesteps, 2) [value, marker], y of shape (n, 1).
    """
    n = check_int(n, "n", "adding_problem", minimum=1)
    timesteps = check_int(timesteps, "timesteps", "adding_problem", minimum=2)
    seed = check_int(seed, "seed", "adding_problem", minimum=0, allow_none=True)
    dtype = _float_dtype(config.floatx() if dtype is None else dtype)
    rng = config.rng() if seed is None else np.random.default_rng(seed)
    values = rng.random((n, timesteps))
    half = timesteps // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, timesteps, size=n)
    markers = np.zeros((n, timesteps))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[rows, first] + values[rows, second]).reshape(n, 1).astype(dtype)
    return x, y


def _float_dtype(dtype):
    where = "adding_problem"
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: `dtype` must be a float type such as 'float32', got "
                        f"{dtype!r}.") from None
    if not np.issubdtype(dt, np.floating):
        raise ValueError(f"{where}: `dtype` must be a float type such as 'float32', got "
                         f"{dt.name}.")
    return dt
