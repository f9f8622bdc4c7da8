"""Every lab output (compare's results, pictures, the GIF) is written atomically: temporary file,
fsync, rename; an error leaves the old files untouched and no temporary file."""

import os

import pytest

pytest.importorskip("matplotlib")

from deepgrad.lab import animation, compare, plots  # noqa: E402


# --- 1. every output file is written atomically (temporary file, fsync, rename) -------------

def _failing_fsync(fd):
    raise OSError(5, "simulated disk error at fsync")


def _result(key="sgd", seconds=(0.5,)):
    return {"key": key, "optimizer": "SGD(learning_rate=0.01)", "settings": {},
            "history": {"loss": [1.0], "val_loss": [2.0]}, "epoch": [0],
            "seconds_per_epoch": list(seconds), "final": {"loss": 1.0, "val_loss": 2.0},
            "diverged": False}


def _assert_untouched(folder, old):
    """Every file in ``old`` still has its old bytes, and nothing else (no temporary file) is there."""
    assert sorted(os.listdir(folder)) == sorted(old)
    for name, data in old.items():
        assert (folder / name).read_bytes() == data


def test_write_result_is_atomic_and_durable(tmp_path, monkeypatch):
    compare.write_result(_result(), tmp_path)
    d = tmp_path / "histories"
    old = {"sgd.json": b"OLD JSON", "sgd.csv": b"OLD CSV"}
    for name, data in old.items():
        (d / name).write_bytes(data)
    # A write whose fsync fails must not replace the finished files (a plain write + rename
    # without fsync would have replaced them with data a power cut could still lose).
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        compare.write_result(_result(), tmp_path)
    _assert_untouched(d, old)


def test_write_result_leaves_no_temporary_file_on_error(tmp_path):
    # A bad per-epoch time fails while the CSV text is built: nothing may be left behind
    # (the old code had already written `.sgd.json.tmp` by then).
    with pytest.raises(ValueError):
        compare.write_result(_result(seconds=("not a number",)), tmp_path)
    assert os.listdir(tmp_path / "histories") == []


def test_results_md_is_written_atomically(tmp_path, monkeypatch):
    tiny = dict(epochs=1, n_train=64, n_val=32, progress=lambda line: None)
    compare.compare(tmp_path, ["sgd"], **tiny)
    (tmp_path / "results.md").write_bytes(b"OLD TABLE")
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    # resume: the run is finished, so the first file written is results.md
    with pytest.raises(OSError, match="simulated"):
        compare.compare(tmp_path, ["sgd"], resume=True, **tiny)
    assert (tmp_path / "results.md").read_bytes() == b"OLD TABLE"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]



def test_pictures_are_written_atomically(tmp_path, monkeypatch, bowl_paths):
    old = {"p.png": b"OLD PNG", "p.svg": b"OLD SVG"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        plots.save_contour("bowl", bowl_paths, tmp_path / "p.png")
    _assert_untouched(tmp_path, old)


def test_gif_is_written_atomically(tmp_path, monkeypatch, bowl_paths):
    old = {"a.gif": b"OLD GIF"}
    (tmp_path / "a.gif").write_bytes(b"OLD GIF")
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="simulated"):
        animation.save_gif("bowl", bowl_paths, tmp_path / "a.gif", max_frames=3)
    _assert_untouched(tmp_path, old)
    monkeypatch.undo()
    animation.save_gif("bowl", bowl_paths, tmp_path / "a.gif", max_frames=3)
    assert (tmp_path / "a.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    assert os.listdir(tmp_path) == ["a.gif"]
