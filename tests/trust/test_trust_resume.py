"""Exact resume with BackupAndRestore: an interrupted fit, started again, ends bit-for-bit equal
to a run that was never interrupted (shuffling, dropout masks, optimizer state all resume).

One test kills a real training process with SIGKILL in the middle of an epoch.
"""

import os
import signal
import importlib.util
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

from deepgrad.callbacks import BackupAndRestore, LambdaCallback
from deepgrad.layers import Dense
from deepgrad.models import ModelFileError, Sequential
from deepgrad.utils import set_random_seed

JOB_FILE = pathlib.Path(__file__).with_name("resume_job.py")
_spec = importlib.util.spec_from_file_location("resume_job", JOB_FILE)
resume_job = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(resume_job)
job_data, job_model, FIT = resume_job.job_data, resume_job.job_model, resume_job.FIT


class Interrupt(Exception):
    pass


def interrupt_at(epoch, batch):
    state = {"epoch": None}

    def on_batch_end(b, logs):
        if (state["epoch"], b) == (epoch, batch):
            raise Interrupt
    return LambdaCallback(on_epoch_begin=lambda e, logs: state.update(epoch=e), on_train_batch_end=on_batch_end)


@pytest.fixture(scope="module")
def uninterrupted():
    x, y = job_data()
    model = job_model()
    history = model.fit(x, y, **FIT)
    return model.get_weights(), history


def same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("save_freq", ["epoch", 1, 4])
@pytest.mark.parametrize("stop", [(0, 1), (1, 5), (2, 0), (3, 3)])
def test_interrupted_fit_resumes_exactly(tmp_path, uninterrupted, save_freq, stop):
    weights, history = uninterrupted
    x, y = job_data()
    with pytest.raises(Interrupt):
        job_model().fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, save_freq=save_freq), interrupt_at(*stop)])
    nothing_saved_yet = stop == (0, 1) and save_freq != 1  # 2 batches done, no backup point reached
    assert os.listdir(tmp_path) == ([] if nothing_saved_yet else ["backup.deepgrad"])
    model = job_model()  # a new process would build the model again from scratch
    h = model.fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, save_freq=save_freq)])
    assert same(model.get_weights(), weights)
    assert h.epoch == [0, 1, 2, 3]
    assert h.history["loss"] == history.history["loss"]  # the running epoch loss resumes too
    assert h.history["val_loss"] == history.history["val_loss"]
    assert os.listdir(tmp_path) == []  # delete_checkpoint=True


def test_backup_is_kept_with_delete_checkpoint_false_and_finished_run_does_nothing(tmp_path, uninterrupted):
    x, y = job_data()
    model = job_model()
    model.fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert os.listdir(tmp_path) == ["backup.deepgrad"]
    again = job_model()
    h = again.fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path)])  # all epochs already done
    assert same(again.get_weights(), uninterrupted[0]) and h.epoch == [0, 1, 2, 3]


def test_backup_of_another_architecture_is_refused_before_any_change(tmp_path):
    x, y = job_data()
    with pytest.raises(Interrupt):
        job_model().fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, save_freq=1), interrupt_at(0, 2)])
    set_random_seed(0)
    other = Sequential([Dense(4, input_shape=(5,)), Dense(1, activation="sigmoid")])
    other.compile(optimizer="adam", loss="binary_crossentropy")
    before = other.get_weights()
    with pytest.raises(ModelFileError, match="do not match the model"):
        other.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    assert same(other.get_weights(), before) and other.optimizer.iterations == 0


def test_backup_and_restore_argument_checks(tmp_path):
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq="batch")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(TypeError, match="delete_checkpoint"):
        BackupAndRestore(tmp_path, delete_checkpoint="yes")




def test_sigkill_mid_epoch_then_restart_is_bit_identical(tmp_path, uninterrupted):
    backup, marker = tmp_path / "backup", tmp_path / "marker"
    out = tmp_path / "final.weights.safetensors"
    args = [sys.executable, str(JOB_FILE), str(backup), str(marker), str(out)]
    proc = subprocess.Popen(args + ["pause"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never reached the kill point"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert os.listdir(backup) == ["backup.deepgrad"] and not out.exists()
    done = subprocess.run(args + ["run"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    model = job_model()
    model.load_weights(out)
    assert same(model.get_weights(), uninterrupted[0])
    assert os.listdir(backup) == []


@pytest.mark.parametrize("member, content", [
    ("training.json", b'{"epoch": -1}'),
    ("training.safetensors", None),  # replaced below by an order that is not a permutation
    ("state.json", b'{"layer_rng": {"3": {"bit_generator": "PCG64", "state": 5}}}'),
])
def test_corrupt_backup_is_refused_before_any_change(tmp_path, member, content):
    import io
    import zipfile
    from safetensors.numpy import save
    x, y = job_data()
    with pytest.raises(Interrupt):
        job_model().fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, save_freq=1), interrupt_at(1, 2)])
    path = tmp_path / "backup.deepgrad"
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = content if content is not None else save({"order": np.zeros(48, dtype=np.int64)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    path.write_bytes(buf.getvalue())
    model = job_model()
    before = model.get_weights()
    with pytest.raises(ModelFileError):
        model.fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path)])
    assert same(model.get_weights(), before) and model.optimizer.iterations == 0


def _edit_training_json(path, **changes):
    """Rewrite one backup's training.json with ``changes`` (the rest of the archive as written)."""
    import io
    import json
    import zipfile
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    state = json.loads(members["training.json"])
    state.update(changes)
    members["training.json"] = json.dumps(state).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    path.write_bytes(buf.getvalue())


# FIT trains on job_data()'s 48 rows in batches of 8: 6 steps per epoch, 4 epochs (resume_job.py)
@pytest.mark.parametrize("changes, error", [
    ({"loss_sum": float("nan")}, ModelFileError),     # a NaN running loss would be logged as the epoch loss
    ({"loss_sum": float("inf")}, ModelFileError),
    ({"n": 0}, ModelFileError),                       # seen 16 > n 0 (used to divide by zero)
    ({"n": 2 ** 39}, ValueError),                     # not this fit's 48 samples (used to allocate 4 TiB)
    ({"seen": 0}, ModelFileError),                    # batch 2 done but nothing seen
    ({"seen": 49}, ModelFileError),                   # more than the 48 samples
    ({"batch": 7}, ValueError),                       # an epoch has 6 batches
    ({"epoch": 9}, ValueError),                       # the fit has 4 epochs
])
def test_backup_bookkeeping_outside_its_domain_is_refused_before_any_change(tmp_path, changes, error):
    x, y = job_data()
    with pytest.raises(Interrupt):
        job_model().fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path, save_freq=1), interrupt_at(1, 1)])
    _edit_training_json(tmp_path / "backup.deepgrad", **changes)
    model = job_model()
    before = model.get_weights()
    with pytest.raises(error):
        model.fit(x, y, **FIT, callbacks=[BackupAndRestore(tmp_path)])
    assert same(model.get_weights(), before) and model.optimizer.iterations == 0
