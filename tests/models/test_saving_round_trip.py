"""Model files: round trips, exact continuation of training, weights files, atomic writes."""

import json
import os
import zipfile

import numpy as np
import pytest

from deepgrad import config, io as dgio
from deepgrad.layers import Dense, Dropout
from deepgrad.models import Sequential, load_model
from deepgrad.models import saving
from deepgrad.optimizers import SGD, Adam
from deepgrad.utils import set_random_seed

F64 = "float64"  # the resume tests use float64 layers (exactness does not depend on the dtype)


def data(n=40, d=5, seed=0):
    g = np.random.default_rng(seed)
    x = g.normal(size=(n, d))
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype(np.float64)
    return x, y


def make_model(seed=1, optimizer=None, dtype=F64, dropout_seed=None):
    set_random_seed(seed)
    model = Sequential([
        Dense(8, activation="relu", input_shape=(5,), dtype=dtype),
        Dropout(0.25, dtype=dtype),
        Dense(6, activation="tanh", dtype=dtype),
        Dropout(0.2, seed=dropout_seed, dtype=dtype),
        Dense(1, activation="sigmoid", dtype=dtype),
    ])
    model.compile(optimizer=optimizer or Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def same_weights(a, b):
    return len(a) == len(b) and all(u.dtype == v.dtype and np.array_equal(u, v) for u, v in zip(a, b))


def test_save_load_predicts_identically_and_keeps_config(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "m.deepgrad"
    model.save(path)
    loaded = load_model(path)
    assert np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.get_config() == model.get_config()
    assert type(loaded.optimizer) is Adam and loaded.optimizer.iterations == model.optimizer.iterations
    assert loaded.loss.get_config() == model.loss.get_config()
    # the file is a plain zip of JSON + safetensors, members stored uncompressed
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        meta = json.loads(zf.read("metadata.json"))
    assert names == sorted(["metadata.json", "config.json", "model.weights.safetensors",
                            "optimizer.safetensors", "state.json"])
    assert meta["format"] == "deepgrad.model" and meta["format_version"] == saving.FORMAT_VERSION


@pytest.mark.parametrize("opt", [lambda: Adam(learning_rate=0.01), lambda: SGD(learning_rate=0.1, momentum=0.9)])
def test_train_save_load_train_equals_uninterrupted_training(tmp_path, opt):
    # A: 2 epochs in one go. B: 1 epoch, save, load (fresh objects), 1 more epoch.
    # Same seed => same init, shuffles and dropout masks; the optimizer slots travel in the file.
    x, y = data()
    a = make_model(optimizer=opt(), dropout_seed=7)
    a.fit(x, y, epochs=2, batch_size=8, verbose=0)
    b = make_model(optimizer=opt(), dropout_seed=7)
    b.fit(x, y, epochs=1, batch_size=8, verbose=0)
    b.save(tmp_path / "b.deepgrad")
    c = load_model(tmp_path / "b.deepgrad")
    c.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert same_weights(a.get_weights(), c.get_weights())
    assert a.optimizer.iterations == c.optimizer.iterations == 10


def test_loading_does_not_touch_the_global_generator(tmp_path):
    model = make_model()
    model.save(tmp_path / "m.deepgrad")
    before = config.rng().bit_generator.state
    load_model(tmp_path / "m.deepgrad")  # builds layers, whose initializers draw numbers
    assert config.rng().bit_generator.state == before


def test_seeded_dropout_generator_state_is_saved(tmp_path):
    x, y = data()
    model = make_model(dropout_seed=3)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.deepgrad")
    loaded = load_model(tmp_path / "m.deepgrad")
    # the seeded layer's stream continues where it stopped, not from the seed
    assert loaded.layers[3]._rng.bit_generator.state == model.layers[3]._rng.bit_generator.state
    assert loaded.layers[3]._rng.bit_generator.state != Dropout(0.2, seed=3)._rng.bit_generator.state


def test_uncompiled_and_compile_false(tmp_path):
    x, _ = data()
    model = Sequential([Dense(3, input_shape=(5,))])  # default float32, never compiled
    model.save(tmp_path / "u.deepgrad")
    loaded = load_model(tmp_path / "u.deepgrad")
    assert loaded.optimizer is None and not loaded.compiled
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    compiled = make_model()
    compiled.save(tmp_path / "c.deepgrad")
    assert load_model(tmp_path / "c.deepgrad", compile=False).optimizer is None


def test_save_weights_load_weights_round_trip(tmp_path):
    x, y = data()
    a = make_model(seed=1)
    a.fit(x, y, epochs=1, batch_size=8, verbose=0)
    a.save_weights(tmp_path / "w.weights.safetensors")
    b = make_model(seed=2)
    assert not same_weights(a.get_weights(), b.get_weights())
    b.load_weights(tmp_path / "w.weights.safetensors")
    assert same_weights(a.get_weights(), b.get_weights())
    # a full model file also provides weights (as Keras's load_weights accepts .keras)
    a.save(tmp_path / "m.deepgrad")
    c = make_model(seed=3)
    c.load_weights(tmp_path / "m.deepgrad")
    assert same_weights(a.get_weights(), c.get_weights())
    # the weights file is plain safetensors, readable by the safetensors library itself
    from safetensors.numpy import load_file
    tensors = load_file(str(tmp_path / "w.weights.safetensors"))
    assert np.array_equal(tensors["layers/0/vars/0"], a.layers[0].get_weights()[0])


@pytest.mark.parametrize("call, suffix", [
    (lambda m, p: m.save(p), "m.tf"),
    (lambda m, p: m.save(p), "m.h5"),
    (lambda m, p: m.save_weights(p), "w.weights.h5"),
    (lambda m, p: m.save_weights(p), "w.deepgrad"),
    (lambda m, p: m.load_weights(p), "w.npz"),
    (lambda m, p: load_model(p), "m.safetensors"),
])
def test_extensions_are_checked(tmp_path, call, suffix):
    with pytest.raises(ValueError, match="filepath"):
        call(make_model(), str(tmp_path / suffix))
    assert os.listdir(tmp_path) == []


def test_overwrite_false_refuses_existing_file(tmp_path):
    model = make_model()
    path = tmp_path / "m.deepgrad"
    model.save(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    with pytest.raises(FileExistsError):
        (tmp_path / "w.safetensors").write_bytes(b"x")
        model.save_weights(tmp_path / "w.safetensors", overwrite=False)
    assert path.read_bytes() == before


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nope.deepgrad")


# ------------------------------------------------------------------ crash safety
class Crash(Exception):
    pass


def test_crash_during_save_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    x, y = data()
    model = make_model()
    path = tmp_path / "m.deepgrad"
    model.save(path)
    old = path.read_bytes()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # the next save would differ

    real = zipfile.ZipFile.writestr
    calls = []

    def writestr_then_crash(self, info, data, *a, **k):  # crash after the first member is written
        calls.append(info)
        if len(calls) == 2:
            raise Crash("power cut")
        return real(self, info, data, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr_then_crash)
    with pytest.raises(Crash):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.deepgrad"]  # the temporary file was removed
    assert np.array_equal(load_model(path).get_weights()[0], make_model().get_weights()[0])


def test_crash_before_rename_leaves_old_weights_file(tmp_path, monkeypatch):
    model = make_model()
    path = tmp_path / "w.safetensors"
    model.save_weights(path)
    old = path.read_bytes()
    model.layers[0].weights[0].value[...] += 1.0

    def no_replace(src, dst):
        raise Crash("killed between fsync and rename")

    monkeypatch.setattr(dgio.os, "replace", no_replace)
    with pytest.raises(Crash):
        model.save_weights(path)
    monkeypatch.undo()
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["w.safetensors"]


def test_atomic_write_fsyncs_file_and_folder_before_and_after_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(dgio.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(dgio.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    dgio.atomic_write(tmp_path / "f.bin", b"abc")
    assert events == ["fsync", "replace", "fsync"]  # file data durable, then rename, then the folder
    assert (tmp_path / "f.bin").read_bytes() == b"abc"


def test_atomic_write_keeps_normal_permissions(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    dgio.atomic_write(tmp_path / "new.bin", b"1")
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o666 & ~mask  # as open(path, "wb") would
    os.chmod(tmp_path / "new.bin", 0o640)
    dgio.atomic_write(tmp_path / "new.bin", b"2")
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
