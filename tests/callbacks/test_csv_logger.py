"""CSVLogger with validation_freq > 1 writes Keras's val_* columns, NA in unvalidated epochs."""

import csv
import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import layers
from deepgrad.callbacks import CSVLogger


def _rows(path):
    return list(csv.reader(open(path, newline="")))


def test_validation_freq_writes_na_like_keras(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 2)), rng.random((8, 1))
    model = dg.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    h = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), validation_freq=2,
                  callbacks=[CSVLogger(path)])
    rows = _rows(path)
    # Keras 3 writes (checked with keras 3.15): epoch,loss,mae,val_loss,val_mae, NA in epochs 0 and 2
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[3:] for r in rows[1:]][0::2] == [["NA", "NA"], ["NA", "NA"]]
    assert [float(r[3]) for r in rows[2::2]] == h.history["val_loss"]


def test_header_matches_keras(tmp_path):
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x, y = rng.random((8, 2)).astype(np.float32), rng.random((8, 1)).astype(np.float32)
    km = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    km.compile("sgd", "mse", metrics=["mae"])
    km.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), validation_freq=2,
           callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "k.csv"))])
    dm = dg.Sequential([layers.Input((2,)), layers.Dense(1)])
    dm.compile("sgd", "mse", metrics=["mae"])
    dm.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), validation_freq=2,
           callbacks=[CSVLogger(tmp_path / "d.csv")])
    k, d = _rows(tmp_path / "k.csv"), _rows(tmp_path / "d.csv")
    assert d[0] == k[0]
    assert [[v == "NA" for v in r] for r in d] == [[v == "NA" for v in r] for r in k]
