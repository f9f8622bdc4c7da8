"""Saving as free functions: ``models.save_model`` is what ``model.save`` runs."""

import numpy as np

from deepgrad import layers, models


def _model():
    m = models.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(2)])
    m.compile(optimizer="adam", loss="mse")
    return m


def test_save_model_writes_the_file_model_save_writes(tmp_path):
    m = _model()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    models.save_model(m, tmp_path / "free.deepgrad")
    m.save(tmp_path / "method.deepgrad")
    a = models.load_model(tmp_path / "free.deepgrad")
    b = models.load_model(tmp_path / "method.deepgrad")
    # the same weights were written both ways, so the loaded models predict identically
    np.testing.assert_array_equal(a.predict(x, verbose=0), m.predict(x, verbose=0))
    np.testing.assert_array_equal(b.predict(x, verbose=0), m.predict(x, verbose=0))


def test_the_method_is_a_delegate_to_the_free_function(tmp_path, monkeypatch):
    from deepgrad.models import save_load
    calls = []
    monkeypatch.setattr(save_load, "save_model", lambda *a: calls.append(a))
    m = _model()
    m.save(tmp_path / "m.deepgrad", False, True)
    assert calls == [(m, tmp_path / "m.deepgrad", False, True)]
    assert not (tmp_path / "m.deepgrad").exists()
