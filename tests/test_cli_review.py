"""Review fixes of the ``deepgrad`` command: bad values are refused up front (one line
``deepgrad: error: ...``, exit status 2, no file or folder written), a missing full dataset is
reported with the library's whole message, and an empty lab path has a NaN final loss."""

import math

from deepgrad.lab import runs


def test_final_loss_of_an_empty_path_is_nan():
    # a non-finite start records no point at all (runs.run), so there is no last loss
    traj = runs.run("bowl", "sgd", steps=3, start=(float("nan"), 1.0))
    assert traj.diverged and len(traj.losses) == 0
    assert math.isnan(traj.final_loss)  # was IndexError
