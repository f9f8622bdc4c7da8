"""deepgrad.io: the atomic writer."""

import os

from deepgrad import io


def test_next_write_removes_stale_temporaries_of_the_same_target_only(tmp_path):
    # issue 13 item 11: a SIGKILL mid-save leaves .m.deepgrad.XXXXXXXX.tmp behind forever
    stale = tmp_path / ".m.deepgrad.abcd1234.tmp"      # a killed write of the same target
    fresh = tmp_path / ".m.deepgrad.zzzz9999.tmp"      # younger: maybe a concurrent writer
    other = tmp_path / ".n.deepgrad.abcd1234.tmp"      # another target's: not ours to touch
    for p in (stale, fresh, other):
        p.write_bytes(b"partial")
    old = os.path.getmtime(stale) - io.STALE_TMP_SECONDS - 10
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    io.atomic_write(tmp_path / "m.deepgrad", b"data")
    assert (tmp_path / "m.deepgrad").read_bytes() == b"data"
    assert not stale.exists()
    assert fresh.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name, "m.deepgrad"])
