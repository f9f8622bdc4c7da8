"""Shared test fixtures."""

import pytest

from deepgrad import config


@pytest.fixture
def float64():
    """Run a test with ``floatx() == "float64"`` (gradient checks, parity tests), then restore it."""
    old = config.floatx()
    config.set_floatx("float64")
    yield
    config.set_floatx(old)
