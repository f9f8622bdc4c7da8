"""Shared fixtures of the lab tests."""

import pytest

from deepgrad.lab import runs


@pytest.fixture(scope="module")
def bowl_paths():
    return runs.run_many("bowl", {"sgd": 0.1, "momentum": 0.05}, 10)
