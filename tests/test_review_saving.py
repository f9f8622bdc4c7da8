"""Regression tests for review findings on saving and the progress bar.

1. A seeded Dropout inside a wrapper keeps its generator across save/load and backups.
"""

import json
import os
import zipfile

import numpy as np
import pytest

from deepgrad import layers as L
from deepgrad.callbacks import BackupAndRestore, LambdaCallback
from deepgrad.models import ModelFileError, Sequential, load_model
from deepgrad.optimizers import Adam
from deepgrad.utils import set_random_seed


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def _rewrite_member(path, name, raw):
    """Replace one member of a .deepgrad archive (as another writer would have written it)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = raw
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


# ---------------------------------------------------------------- 1. nested seeded generators
X_SEQ = np.random.default_rng(0).standard_normal((12, 3, 2)).astype("float32")
Y_SEQ = np.random.default_rng(1).standard_normal((12, 3, 2)).astype("float32")
FIT_SEQ = dict(batch_size=4, verbose=0, shuffle=True)


def _td_model():
    set_random_seed(0)
    model = Sequential([L.Input((3, 2)), L.TimeDistributed(L.Dropout(0.5, seed=1)), L.Dense(2)])
    model.compile(Adam(0.01), "mse")
    return model


def test_time_distributed_seeded_dropout_resumes_exactly_after_save_and_load(tmp_path):
    # Reference: 2 epochs in one go. The inner Dropout's generator advances during epoch 1, so
    # the resumed epoch 2 only matches if that generator's state travels with the file.
    reference = _td_model()
    reference.fit(X_SEQ, Y_SEQ, epochs=2, **FIT_SEQ)

    model = _td_model()
    model.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    path = tmp_path / "td.deepgrad"
    model.save(path)
    resumed = load_model(path)  # the global generator continues untouched (shuffling of epoch 2)
    resumed.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    assert _same(resumed.get_weights(), reference.get_weights())
    state = json.loads(zipfile.ZipFile(path).read("state.json"))
    assert list(state["layer_rng"]) == ["1/layer"]  # layer 1 (after Input), attribute `layer`


def test_time_distributed_seeded_dropout_resumes_exactly_with_backup_and_restore(tmp_path):
    class Interrupt(Exception):
        pass

    where = {"epoch": None}

    def stop(batch, logs):
        if (where["epoch"], batch) == (1, 1):
            raise Interrupt

    reference = _td_model()
    reference.fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ)

    stopper = LambdaCallback(on_epoch_begin=lambda epoch, logs: where.update(epoch=epoch), on_train_batch_end=stop)
    with pytest.raises(Interrupt):  # backups after every batch; killed in the middle of epoch 2
        _td_model().fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ, callbacks=[BackupAndRestore(tmp_path, save_freq=1),
                                                                      stopper])
    resumed = _td_model()
    resumed.fit(X_SEQ, Y_SEQ, epochs=3, **FIT_SEQ, callbacks=[BackupAndRestore(tmp_path, save_freq=1)])
    assert _same(resumed.get_weights(), reference.get_weights())


def test_file_without_nested_generator_states_still_loads(tmp_path):
    # Files written before nested states were saved hold {"layer_rng": {}} for this model; the
    # inner Dropout then keeps the generator its config seeds (that of a fresh Dropout(seed=1)).
    model = _td_model()
    model.fit(X_SEQ, Y_SEQ, epochs=1, **FIT_SEQ)
    path = tmp_path / "old.deepgrad"
    model.save(path)
    _rewrite_member(path, "state.json", b'{"layer_rng": {}}')
    loaded = load_model(path)
    fresh = L.Dropout(0.5, seed=1)
    assert loaded.layers[0].layer._rng.bit_generator.state == fresh._rng.bit_generator.state
    assert _same(loaded.get_weights(), model.get_weights())


def test_unknown_nested_generator_path_is_refused(tmp_path):
    model = _td_model()
    path = tmp_path / "bad.deepgrad"
    model.save(path)
    state = json.loads(zipfile.ZipFile(path).read("state.json"))
    state["layer_rng"]["1/other"] = state["layer_rng"]["1/layer"]
    _rewrite_member(path, "state.json", json.dumps(state).encode())
    with pytest.raises(ModelFileError, match="1/other"):
        load_model(path)
