"""Hostile and broken model files: each gives a ModelFileError, runs no code, writes nothing.

Also a bounded hypothesis fuzz of the loader (whole-file byte mutations, and mutations of the
members' contents re-zipped with valid CRCs so the JSON and safetensors parsers are reached).
"""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepgrad.layers import Dense
from deepgrad.models import ModelFileError, Sequential, load_model
from deepgrad.models import saving

FUZZ_EXAMPLES = 200  # per fuzz test; the budget is reported in docs/saving.md


def make_model():
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.train_on_batch(np.ones((2, 3)), np.array([[1.0, 0.0], [0.0, 1.0]]))  # optimizer slots exist
    return model


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "m.deepgrad"
    make_model().save(path)
    return path.read_bytes()


def members_of(raw):
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def edit_config(raw, fn):
    m = members_of(raw)
    cfg = json.loads(m["config.json"])
    fn(cfg)
    m["config.json"] = json.dumps(cfg).encode()
    return rezip(m)


def load_bytes(tmp_path, raw, name="x.deepgrad"):
    path = tmp_path / name
    path.write_bytes(raw)
    before = sorted(os.listdir(tmp_path))
    try:
        return load_model(path)
    finally:
        assert sorted(os.listdir(tmp_path)) == before  # nothing written next to the file


def expect_error(tmp_path, raw, match):
    with pytest.raises(ModelFileError, match=match):
        load_bytes(tmp_path, raw)


def test_the_good_file_loads(tmp_path, good_bytes):
    assert isinstance(load_bytes(tmp_path, good_bytes), Sequential)


def test_model_file_error_is_a_documented_value_error():
    assert issubclass(ModelFileError, ValueError) and "truncated" in ModelFileError.__doc__


@pytest.mark.parametrize("cut", [0, 10, 100, 0.5, 0.9, -1])
def test_truncated_file(tmp_path, good_bytes, cut):
    n = int(len(good_bytes) * cut) if isinstance(cut, float) else cut
    expect_error(tmp_path, good_bytes[:n], "truncated|corrupted|not a readable")


def test_not_a_zip(tmp_path):
    expect_error(tmp_path, b"\x80\x04\x95pickle-like bytes" * 10, "not a readable")


def test_flipped_byte_in_weights_is_caught_by_crc(tmp_path, good_bytes):
    raw = bytearray(good_bytes)
    i = good_bytes.index(b'"data_offsets"')  # inside the weights member's header
    raw[i + 5] ^= 0xFF
    expect_error(tmp_path, bytes(raw), "corrupted|CRC")


def set_weights_blob(raw, blob):
    m = members_of(raw)
    m["model.weights.safetensors"] = blob
    return rezip(m)


def test_oversized_safetensors_header_length(tmp_path, good_bytes):
    blob = members_of(good_bytes)["model.weights.safetensors"]
    for n in (2 ** 63, 2 ** 40, len(blob)):  # far too big, big, just past the end
        bad = struct.pack("<Q", n) + blob[8:]
        expect_error(tmp_path, set_weights_blob(good_bytes, bad), "header length")


def test_corrupted_safetensors_header(tmp_path, good_bytes):
    blob = members_of(good_bytes)["model.weights.safetensors"]
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    cases = []
    cases.append(blob[:9] + b"!" + blob[10:])  # invalid JSON: '{!...' 
    garbage = bytearray(blob)
    garbage[9:12] = b"\xff\xfe\x00"
    cases.append(bytes(garbage))
    for key, value in [("dtype", "PICKLE"), ("shape", [-1, 3]), ("data_offsets", [0, 10 ** 12]),
                       ("shape", [4, 3, 1000])]:
        h = json.loads(json.dumps(header))
        name = next(k for k in h if k != "__metadata__")
        h[name][key] = value
        text = json.dumps(h).encode()
        cases.append(struct.pack("<Q", len(text)) + text + blob[8 + n:])
    for bad in cases:
        expect_error(tmp_path, set_weights_blob(good_bytes, bad), "safetensors|JSON|tensor")


def test_unknown_layer_class_is_rejected_without_importing(tmp_path, good_bytes):
    def evil(cfg):
        cfg["config"]["layers"][0]["class_name"] = "os.system"
    expect_error(tmp_path, edit_config(good_bytes, evil), "unknown layer class 'os.system'")

    def lambda_layer(cfg):
        cfg["config"]["layers"][0]["class_name"] = "Lambda"
        cfg["config"]["layers"][0]["config"]["function"] = "__import__('os').system('touch pwned')"
    expect_error(tmp_path, edit_config(good_bytes, lambda_layer), "unknown layer class 'Lambda'")
    assert not os.path.exists("pwned")


def test_non_layer_registry_names_and_nonexistent_attributes(tmp_path, good_bytes):
    def attr(cfg):
        cfg["config"]["layers"][0]["config"]["__class__"] = "x"
    expect_error(tmp_path, edit_config(good_bytes, attr), r"layer 0 \(Dense\).*__class__")

    def activation(cfg):
        cfg["config"]["layers"][0]["config"]["activation"] = "builtins.eval"
    expect_error(tmp_path, edit_config(good_bytes, activation), "layer 0")

    def optimizer(cfg):
        cfg["compile_config"]["optimizer"] = {"class_name": "subprocess.Popen", "config": {}}
    expect_error(tmp_path, edit_config(good_bytes, optimizer), "compile_config")

    def structure(cfg):
        cfg["config"]["layers"] = {"not": "a list"}
    expect_error(tmp_path, edit_config(good_bytes, structure), "list 'layers'")


def test_zip_path_traversal_names(tmp_path, good_bytes):
    for name in ("../evil.json", "/etc/passwd", "sub/../../x", "..\\x", "a/config.json"):
        m = members_of(good_bytes)
        m[name] = b"{}"
        with pytest.raises(ModelFileError, match="unsafe path"):
            load_bytes(tmp_path, rezip(m))
    assert not (tmp_path.parent / "evil.json").exists()


def test_unexpected_and_duplicate_members(tmp_path, good_bytes):
    m = members_of(good_bytes)
    m["data.pkl"] = b"\x80\x04."
    expect_error(tmp_path, rezip(m), "unexpected member 'data.pkl'")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        for name, data in members_of(good_bytes).items():
            zf.writestr(name, data)
        zf.writestr("config.json", b"{}")
    expect_error(tmp_path, buf.getvalue(), "duplicate")


def test_zip_bomb_is_refused_before_decompression(tmp_path, good_bytes):
    m = members_of(good_bytes)
    m["state.json"] = b" " * (20 * 2 ** 20) + b"{}"  # 20 MiB of spaces deflate to ~20 KB
    raw = rezip(m, compression=zipfile.ZIP_DEFLATED)
    assert len(raw) < 200_000
    expect_error(tmp_path, raw, "over the limit|compression ratio")
    # a highly compressible member under the size cap is refused by its ratio
    m = members_of(good_bytes)
    m["state.json"] = b'{"layer_rng": {}}' + b" " * 2 ** 20
    expect_error(tmp_path, rezip(m, compression=zipfile.ZIP_DEFLATED), "compression ratio")


def test_file_larger_than_max_bytes(tmp_path, good_bytes):
    path = tmp_path / "m.deepgrad"
    path.write_bytes(good_bytes)
    with pytest.raises(ModelFileError, match="max_bytes"):
        load_model(path, max_bytes=100)


def test_weight_shapes_not_matching_config(tmp_path, good_bytes):
    def wider(cfg):
        cfg["config"]["layers"][0]["config"]["units"] = 5
    expect_error(tmp_path, edit_config(good_bytes, wider), r"layers/0/vars/0.*shape \(3, 4\).*\(3, 5\)")

    m = members_of(good_bytes)
    from safetensors.numpy import load, save
    t = load(m["model.weights.safetensors"])
    del t["layers/1/vars/1"]
    m["model.weights.safetensors"] = save(t, metadata={"format": "deepgrad.weights"})
    expect_error(tmp_path, rezip(m), "missing")


def test_nan_weights_are_refused(tmp_path, good_bytes):
    from safetensors.numpy import load, save
    m = members_of(good_bytes)
    t = load(m["model.weights.safetensors"])
    t["layers/0/vars/0"][0, 0] = np.nan
    m["model.weights.safetensors"] = save(t)
    expect_error(tmp_path, rezip(m), "NaN or Inf")


def test_future_format_version(tmp_path, good_bytes):
    m = members_of(good_bytes)
    meta = json.loads(m["metadata.json"])
    meta["format_version"] = saving.FORMAT_VERSION + 1
    m["metadata.json"] = json.dumps(meta).encode()
    expect_error(tmp_path, rezip(m), "newer than this deepgrad")
    meta["format"] = "keras"
    m["metadata.json"] = json.dumps(meta).encode()
    expect_error(tmp_path, rezip(m), "not a deepgrad model file")


def test_bad_optimizer_state_and_rng_state(tmp_path, good_bytes):
    from safetensors.numpy import load, save
    m = members_of(good_bytes)
    t = load(m["optimizer.safetensors"])
    key = next(k for k in t if k != "iterations")
    t[key] = np.zeros((7, 7))
    m["optimizer.safetensors"] = save(t)
    expect_error(tmp_path, rezip(m), "optimizer state")
    m = members_of(good_bytes)
    m["state.json"] = json.dumps({"layer_rng": {"0": {"bit_generator": "MT19937"}}}).encode()
    expect_error(tmp_path, rezip(m), "random generator")


def test_deeply_nested_json(tmp_path, good_bytes):
    m = members_of(good_bytes)
    m["config.json"] = b"[" * 100_000 + b"]" * 100_000
    expect_error(tmp_path, rezip(m), "JSON|Sequential")


def test_load_weights_rejects_foreign_and_mismatching_files(tmp_path):
    from safetensors.numpy import save_file
    model = make_model()
    before = model.get_weights()
    save_file({"w": np.zeros(3, dtype=np.float32)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(ModelFileError, match="not a deepgrad weights file"):
        model.load_weights(tmp_path / "foreign.safetensors")
    other = Sequential([Dense(5, input_shape=(3,)), Dense(2)])
    other.save_weights(tmp_path / "other.safetensors")
    with pytest.raises(ModelFileError, match="shape"):
        model.load_weights(tmp_path / "other.safetensors")
    (tmp_path / "trunc.safetensors").write_bytes((tmp_path / "other.safetensors").read_bytes()[:50])
    with pytest.raises(ModelFileError):
        model.load_weights(tmp_path / "trunc.safetensors")
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


# ------------------------------------------------------------------ fuzzing
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def mutate(raw, edits):
    b = bytearray(raw)
    for pos, value, kind in edits:
        if not b:
            break
        i = pos % len(b)
        if kind == 0:
            b[i] = value
        elif kind == 1:
            del b[i:i + 1 + value % 16]
        else:
            b[i:i] = bytes([value]) * (1 + value % 8)
    return bytes(b)


EDITS = st.lists(st.tuples(st.integers(0, 2 ** 32), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=8)


def check_loader_outcome(tmp_path, raw):
    """The loader either returns a working model or raises ModelFileError; nothing else."""
    try:
        model = load_bytes(tmp_path, raw)
    except ModelFileError:
        return
    out = model.predict(np.ones((2, 3)), verbose=0)
    assert out.shape == (2, 2) and np.all(np.isfinite(out))


@FUZZ
@given(edits=EDITS)
def test_fuzz_whole_file_bytes(tmp_path, good_bytes, edits):
    check_loader_outcome(tmp_path, mutate(good_bytes, edits))


@FUZZ
@given(member=st.sampled_from(["metadata.json", "config.json", "model.weights.safetensors",
                               "optimizer.safetensors", "state.json"]), edits=EDITS)
def test_fuzz_member_contents_behind_valid_crcs(tmp_path, good_bytes, member, edits):
    m = members_of(good_bytes)
    m[member] = mutate(m[member], edits)
    check_loader_outcome(tmp_path, rezip(m))


def test_impossible_layer_size_is_a_model_file_error(tmp_path, good_bytes):
    def huge(cfg):
        cfg["config"]["layers"][0]["config"]["units"] = 10 ** 15  # 3 x 1e15 floats: the allocator refuses
    expect_error(tmp_path, edit_config(good_bytes, huge), "layer 0 .*cannot be built|MemoryError")
