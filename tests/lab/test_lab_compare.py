"""deepgrad compare: the notes' MLP with the notes' optimizer calls; outputs, resume, parallel paths.

Tiny runs only: 1 epoch on 256 training / 128 validation images of the embedded subset.
"""

import json

import numpy as np
import pytest

from deepgrad import optimizers
from deepgrad.lab import compare

TINY = dict(epochs=1, n_train=256, n_val=128)


def _quiet(_line):
    pass


def test_notes_model_has_669706_parameters():
    # 784*512+512 + 512*512+512 + 512*10+10 = 401,920 + 262,656 + 5,130 (the notes' summary)
    model = compare.build_model()
    assert model.count_params() == 669_706


def test_notes_optimizer_calls():
    assert list(compare.NOTES_RUNS) == ["sgd", "sgd-0.05", "momentum", "nesterov", "adagrad",
                                        "rmsprop", "adam", "adam-0.05"]
    nag = compare.build_optimizer("nesterov")
    assert isinstance(nag, optimizers.SGD) and nag.learning_rate == pytest.approx(0.05)
    assert nag.momentum == 0.9 and nag.nesterov is True
    ada = compare.build_optimizer("adagrad")
    assert ada.epsilon == 1e-5 and ada.initial_accumulator_value == 0.1
    adam = compare.build_optimizer("adam-0.05")
    assert (adam.beta_1, adam.beta_2, adam.epsilon) == (0.85, 0.95, 1e-5)
    assert compare.build_optimizer("adam").learning_rate == pytest.approx(1e-3)  # Keras default
    with pytest.raises(ValueError, match="valid runs: sgd, sgd-0.05"):
        compare.build_optimizer("lion")


def test_compare_writes_histories_table_and_figure(tmp_path):
    lines = []
    res = compare.compare(tmp_path, ["sgd", "adam"], progress=lines.append, **TINY)
    assert [r["key"] for r in res] == ["sgd", "adam"]
    for key in ("sgd", "adam"):
        data = json.loads((tmp_path / "histories" / f"{key}.json").read_text())
        assert set(data["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
        epoch_timings = data["seconds_per_epoch"]  # one entry per epoch run (TINY runs one)
        assert len(epoch_timings) == 1
        csv_rows = (tmp_path / "histories" / f"{key}.csv").read_text().splitlines()
        assert csv_rows[0].startswith("epoch,") and len(csv_rows) == 2
    table = (tmp_path / "results.md").read_text()
    assert "| sgd | `SGD(learning_rate=0.01)` |" in table and "| adam | `Adam()` |" in table
    assert (tmp_path / "curves.png").exists() and (tmp_path / "curves.svg").exists()
    # one progress line per run, plus the header and the closing line
    assert sum(line.startswith("[") for line in lines) == 2


def test_resume_skips_finished_runs_with_same_settings(tmp_path):
    compare.compare(tmp_path, ["sgd"], progress=_quiet, **TINY)
    before = (tmp_path / "histories" / "sgd.json").read_text()
    lines = []
    compare.compare(tmp_path, ["sgd"], resume=True, progress=lines.append, **TINY)
    assert any("already finished, skipped" in ln for ln in lines)
    assert (tmp_path / "histories" / "sgd.json").read_text() == before
    # other settings (seed) -> not the same run: trained again
    lines = []
    compare.compare(tmp_path, ["sgd"], resume=True, seed=1, progress=lines.append, **TINY)
    assert not any("skipped" in ln for ln in lines)


@pytest.mark.parametrize("damage", [
    "[1, 2, 3]",                                   # valid JSON, but a list (used to raise AttributeError)
    "drop:final",                                  # a result without "final" (used to raise KeyError)
    "drop:history",
    "set:final=[0.5]",                             # "final" of the wrong type
    "set:seconds_per_epoch=\"fast\"",
    "set:key=\"adam\"",                          # another run's result under this run's name
    "{not json",
])
def test_resume_reruns_a_damaged_history_with_one_line(tmp_path, damage):
    import json
    compare.compare(tmp_path, ["sgd"], progress=_quiet, **TINY)
    path = tmp_path / "histories" / "sgd.json"
    good = json.loads(path.read_text())
    if damage.startswith("drop:"):
        del good[damage[5:]]
        text = json.dumps(good)
    elif damage.startswith("set:"):
        field, value = damage[4:].split("=", 1)
        good[field] = json.loads(value)
        text = json.dumps(good)
    else:
        text = damage
    path.write_text(text)
    lines = []
    results = compare.compare(tmp_path, ["sgd"], resume=True, progress=lines.append, **TINY)
    assert [ln for ln in lines if ln.startswith("[resume]")] == [f"[resume] sgd: {path} is damaged, rerun"]
    assert not any("skipped" in ln for ln in lines)
    rerun = json.loads(path.read_text())  # rewritten whole by the rerun
    assert rerun["key"] == "sgd" and set(rerun["final"]) >= {"loss", "val_loss"}
    assert [r["key"] for r in results] == ["sgd"]


def _histories(res):
    return {r["key"]: r["history"] for r in res}


def test_same_seed_same_numbers_serial_joblib_dask(tmp_path):
    serial = compare.compare(tmp_path / "a", ["sgd", "momentum"], progress=_quiet, **TINY)
    par = compare.compare(tmp_path / "b", ["sgd", "momentum"], jobs=2, progress=_quiet, **TINY)
    assert _histories(par) == _histories(serial)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask_res = compare.compare(tmp_path / "c", ["sgd", "momentum"],
                                   scheduler=cluster.scheduler_address, progress=_quiet, **TINY)
    assert _histories(dask_res) == _histories(serial)


def test_every_run_starts_from_the_same_weights():
    from deepgrad.utils import set_random_seed
    set_random_seed(0)
    w1 = compare.build_model().get_weights()
    set_random_seed(0)
    w2 = compare.build_model().get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))


def test_cli_compare_in_process(tmp_path, capsys):
    from deepgrad.cli import main
    code = main(["compare", "--optimizers", "sgd", "--epochs", "1", "--train-samples", "256",
                 "--val-samples", "128", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "[1/1] sgd" in out and (tmp_path / "results.md").exists()


def test_compare_header_states_the_batch_size(tmp_path):
    compare.compare(tmp_path, ["sgd"], epochs=1, n_train=64, n_val=32, batch_size=32,
                    progress=lambda line: None)
    assert "batch 32," in (tmp_path / "results.md").read_text()
