"""IDX reader/writer, the MNIST/Fashion-MNIST file search and its error, the embedded subset.

No test needs the full dataset: fixture directories hold tiny IDX files written here. The one
test that regenerates the subset from Debian's full Fashion-MNIST is skipped where it is absent.
"""

import gzip
import importlib.util
import tomllib
from pathlib import Path

import numpy as np
import pytest

import deepgrad.datasets as ds
from deepgrad.datasets import fashion_mnist, mnist
from deepgrad.datasets.idx import read_idx, write_idx
from deepgrad.datasets.mnist import IDX_FILES, DatasetNotFoundError

ROOT = Path(__file__).resolve().parents[2]
FULL_DIR = Path("/usr/share/datasets/fashion-mnist")


# ----------------------------------------------------------------------------- IDX format

@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64", ">i4", "<f8"])
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    a = (np.arange(2 * 3 * 4).reshape(2, 3, 4) - 7).astype(dtype)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.shape == (2, 3, 4)
    assert b.dtype == a.dtype.newbyteorder("=")  # native byte order whatever went in
    np.testing.assert_array_equal(b, a)


def test_idx_bytes_match_the_format_by_hand(tmp_path):
    # uint8, 1 dimension of 3: magic 00 00 08 01, then dim 3 as big-endian uint32, then the bytes.
    write_idx(tmp_path / "u8", np.array([1, 2, 250], np.uint8))
    assert (tmp_path / "u8").read_bytes() == b"\x00\x00\x08\x01" + b"\x00\x00\x00\x03" + b"\x01\x02\xfa"
    # int16 big-endian: 0x0102 = 258, 0xFFFE = -2; shape (2, 1).
    (tmp_path / "i16").write_bytes(b"\x00\x00\x0b\x02" + b"\x00\x00\x00\x02\x00\x00\x00\x01" + b"\x01\x02\xff\xfe")
    np.testing.assert_array_equal(read_idx(tmp_path / "i16"), [[258], [-2]])


def test_idx_gzip_detected_by_content_and_deterministic(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "raw.gz", a, compress=False)  # misleading name: still read correctly
    write_idx(tmp_path / "packed", a, compress=True)
    assert (tmp_path / "packed").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "raw.gz"), a)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed"), a)
    write_idx(tmp_path / "again", a, compress=True)  # no timestamp in the gzip header
    assert (tmp_path / "again").read_bytes() == (tmp_path / "packed").read_bytes()


def _valid_bytes():
    return b"\x00\x00\x08\x02" + b"\x00\x00\x00\x02\x00\x00\x00\x03" + bytes(range(6))


@pytest.mark.parametrize("data, pattern", [
    (b"\x01\x02\x08\x02" + _valid_bytes()[4:], "bad magic"),
    (b"\x00\x00\x07\x02" + _valid_bytes()[4:], "unknown type code 0x07"),
    (b"\x00\x00", "too short"),
    (b"\x00\x00\x08\x00", "dimensions is 0"),
    (_valid_bytes()[:10], "truncated header"),
    (_valid_bytes()[:-1], "payload truncated"),
    (_valid_bytes() + b"\x00", "trailing bytes"),
])
def test_idx_corrupt_raw_files_name_the_file(tmp_path, data, pattern):
    f = tmp_path / "broken-idx3-ubyte"
    f.write_bytes(data)
    with pytest.raises(ValueError, match=pattern) as e:
        read_idx(f)
    assert str(f) in str(e.value)


def test_idx_truncated_gzip_and_gzipped_short_payload(tmp_path):
    packed = gzip.compress(_valid_bytes() * 50)
    cut = tmp_path / "cut-idx3-ubyte.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated gzip") as e:
        read_idx(cut)
    assert str(cut) in str(e.value)
    short = tmp_path / "short-idx3-ubyte.gz"
    short.write_bytes(gzip.compress(_valid_bytes()[:-2]))
    with pytest.raises(ValueError, match="payload truncated.*6 bytes.*4 bytes"):
        read_idx(short)


def test_write_idx_rejects_unsupported_arrays(tmp_path):
    with pytest.raises(TypeError, match="dtype"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))


# ----------------------------------------------------------------------------- fixtures

def _write_set(directory: Path, marker: int, n_train=20, n_test=10, gz=True):
    """Four tiny IDX files; every image's first pixel is ``marker`` to tell directories apart."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(marker)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }
    arrays["x_train"][:, 0, 0] = marker
    arrays["x_test"][:, 0, 0] = marker
    for key, stem in IDX_FILES.items():
        write_idx(directory / (stem + (".gz" if gz else "")), arrays[key])
    return arrays


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Point every search location into tmp_path; return them (none exist yet)."""
    home, env, system = tmp_path / "home", tmp_path / "env", tmp_path / "system"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DEEPGRAD_DATA", str(env))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", (str(system),))
    return {"env_sub": env / "fashion-mnist", "env": env,
            "home": home / ".deepgrad" / "datasets" / "fashion-mnist", "system": system}


def _marker(result):
    (x_train, _), (x_test, _) = result
    assert x_train[0, 0, 0] == x_test[0, 0, 0]
    return int(x_train[0, 0, 0])


# ----------------------------------------------------------------------------- search

def test_load_returns_keras_layout(places):
    expected = _write_set(places["env_sub"], marker=7)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected[key])
    assert x_train.shape == (20, 28, 28) and y_train.shape == (20,)
    assert x_test.shape == (10, 28, 28) and y_test.shape == (10,)


def test_search_order(places):
    # Write all four locations with different markers, then remove them from the top down.
    order = ["env_sub", "env", "home", "system"]
    for i, key in enumerate(order):
        _write_set(places[key], marker=i + 1)
    for i, key in enumerate(order):
        assert _marker(fashion_mnist.load_data()) == i + 1, f"expected {key} to win"
        for stem in IDX_FILES.values():  # dismantle this location (files only: env holds env_sub)
            (places[key] / f"{stem}.gz").unlink()
    with pytest.raises(DatasetNotFoundError):
        fashion_mnist.load_data()


def test_explicit_path_is_searched_alone(places, tmp_path):
    _write_set(places["env_sub"], marker=1)
    _write_set(tmp_path / "mine", marker=9, gz=False)  # raw (non-gzip) files are found too
    assert _marker(fashion_mnist.load_data(path=tmp_path / "mine")) == 9
    assert _marker(fashion_mnist.load_data(path=str(tmp_path / "mine"))) == 9
    with pytest.raises(DatasetNotFoundError) as e:
        fashion_mnist.load_data(path=tmp_path / "empty")
    assert e.value.searched == [tmp_path / "empty"]


def test_mnist_uses_its_own_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DEEPGRAD_DATA", str(tmp_path / "env"))
    _write_set(tmp_path / "env" / "fashion-mnist", marker=1)  # must not be picked up
    _write_set(tmp_path / "home" / ".deepgrad" / "datasets" / "mnist", marker=2)
    assert _marker(mnist.load_data()) == 2
    assert _marker(mnist.load_data(path=tmp_path / "env" / "fashion-mnist")) == 1


def test_not_found_message(places):
    _write_set(places["home"], marker=1)
    (places["home"] / "t10k-labels-idx1-ubyte.gz").unlink()  # a partial set does not count
    with pytest.raises(FileNotFoundError) as e:
        fashion_mnist.load_data()
    err = e.value
    assert isinstance(err, DatasetNotFoundError)
    msg = str(err)
    for key in ("env_sub", "env", "home", "system"):  # every place it looked, in order
        assert str(places[key]) in msg
    positions = [msg.index(f"  {places[k]}  ") for k in ("env_sub", "env", "home", "system")]
    assert positions == sorted(positions)
    assert "missing t10k-labels-idx1-ubyte)" in msg  # why the partial set was skipped
    assert "apt-get install dataset-fashion-mnist" in msg
    assert "$DEEPGRAD_DATA" in msg and "train-images-idx3-ubyte.gz" in msg
    assert "load_data(subset=True)" in msg
    assert "never downloads" in msg
    assert err.searched == [places[k] for k in ("env_sub", "env", "home", "system")]


def test_not_found_without_env_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DEEPGRAD_DATA", raising=False)
    with pytest.raises(DatasetNotFoundError) as e:
        mnist.load_data()
    msg = str(e.value)
    assert "$DEEPGRAD_DATA  (not set)" in msg
    assert str(tmp_path / ".deepgrad" / "datasets" / "mnist") in msg
    assert "apt-get" not in msg and "subset" not in msg  # Fashion-MNIST-only hints


@pytest.mark.parametrize("change, pattern", [
    ("labels_short", "expected labels of shape \\(20,\\)"),
    ("bad_image_shape", "expected images of shape \\(N, 28, 28\\)"),
    ("label_10", "labels must be in 0..9"),
    ("float_images", "expected uint8"),
])
def test_inconsistent_files_are_rejected(tmp_path, change, pattern):
    arrays = _write_set(tmp_path, marker=3)
    target = {"labels_short": ("y_train", arrays["y_train"][:-1]),
              "bad_image_shape": ("x_train", arrays["x_train"][:, :, :27].copy()),
              "label_10": ("y_test", np.full(10, 10, np.uint8)),
              "float_images": ("x_test", arrays["x_test"].astype(np.float32))}[change]
    f = tmp_path / f"{IDX_FILES[target[0]]}.gz"
    write_idx(f, target[1])
    with pytest.raises(ValueError, match=pattern) as e:
        fashion_mnist.load_data(path=tmp_path)
    assert str(f) in str(e.value)


def test_bad_arguments():
    with pytest.raises(TypeError, match="`path`"):
        mnist.load_data(path=123)
    with pytest.raises(TypeError, match="`subset`"):
        fashion_mnist.load_data(subset="yes")
    with pytest.raises(ValueError, match="`path` must be None when subset=True"):
        fashion_mnist.load_data(path="/tmp", subset=True)


def test_package_exports_modules():
    assert ds.fashion_mnist is fashion_mnist and ds.mnist is mnist


# ----------------------------------------------------------------------------- embedded subset

def test_subset_shapes_balance_and_budget(places):
    # places: every search location is empty, so this proves the subset needs none of them.
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(subset=True)
    assert x_train.shape == (5000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert y_train.shape == (5000,) and y_test.shape == (1000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), [500] * 10)
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), [100] * 10)
    assert x_train.max() == 255 and x_train.min() == 0
    assert np.unique(x_train.reshape(5000, -1), axis=0).shape[0] > 4990  # real, varied images
    assert len(set(y_train[:20].tolist())) > 3  # shuffled, not sorted by class
    files = [f for f in fashion_mnist.SUBSET_DIR.iterdir() if f.is_file()]
    assert sum(f.stat().st_size for f in files) <= 3_000_000


def test_subset_licence_notice():
    text = (fashion_mnist.SUBSET_DIR / "LICENSE").read_text()
    assert "The MIT License" in text and "Zalando SE" in text and "2017" in text
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_subset_is_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = cfg["tool"]["setuptools"]["package-data"]["deepgrad"]
    shipped = fashion_mnist.SUBSET_DIR.relative_to(ROOT / "src" / "deepgrad")
    for f in fashion_mnist.SUBSET_DIR.iterdir():
        assert any((shipped / f.name).match(p) for p in patterns), f"{f.name} not in package-data"


@pytest.mark.skipif(not (FULL_DIR / "train-images-idx3-ubyte.gz").exists(),
                    reason="full Fashion-MNIST (apt-get install dataset-fashion-mnist) not installed")
def test_subset_regenerates_from_the_full_set():
    spec = importlib.util.spec_from_file_location("make_subset", ROOT / "scripts" / "make_fashion_subset.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    (x_full, y_full), (xt_full, yt_full) = fashion_mnist.load_data(path=FULL_DIR)
    assert x_full.shape == (60000, 28, 28) and xt_full.shape == (10000, 28, 28)
    rng = np.random.default_rng(20170825)  # the script's default seed
    i_train = script.balanced_sample(y_full, 500, rng)
    i_test = script.balanced_sample(yt_full, 100, rng)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(subset=True)
    np.testing.assert_array_equal(x_train, x_full[i_train])
    np.testing.assert_array_equal(y_train, y_full[i_train])
    np.testing.assert_array_equal(x_test, xt_full[i_test])
    np.testing.assert_array_equal(y_test, yt_full[i_test])
