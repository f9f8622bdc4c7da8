"""Crash-safe file writes.

Every file deepgrad writes (model files, weights, checkpoints, backups, CSV logs) goes through
:func:`atomic_write`: the bytes go to a temporary file in the *same folder* as the target,
are flushed and ``fsync``-ed, the temporary file is renamed over the target with
``os.replace`` (atomic on POSIX and Windows), and the folder itself is ``fsync``-ed so that
the rename survives a power cut. A crash at any moment leaves either the old file or the new
one, never a torn one; on an error the temporary file is removed. A process killed mid-write
(SIGKILL, power cut) cannot remove its temporary file ``.<name>.<8 random chars>.tmp``; the next
successful write of the same target removes such leftovers once they are older than
``STALE_TMP_SECONDS`` (a younger one may belong to a concurrent writer still at work).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time

__all__ = ["atomic_write", "atomic_open", "STALE_TMP_SECONDS"]

STALE_TMP_SECONDS = 60.0


def _remove_stale_temporaries(folder: str, name: str, keep: str) -> None:
    """Delete leftovers ``.<name>.XXXXXXXX.tmp`` of earlier, killed writes of the same target."""
    pattern = re.compile(re.escape("." + name + ".") + r"[A-Za-z0-9_]{8}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name == keep or not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > STALE_TMP_SECONDS:
                    os.unlink(entry.path)


def _fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(path: str) -> int:
    """The permission bits for ``path``: those of the file it replaces, else 0o666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_open(path):
    """Open a temporary binary file next to ``path``; on a clean exit it replaces ``path``.

    Usage::

        with atomic_open("model.deepgrad") as f:
            f.write(data)

    If the block raises, ``path`` is untouched and the temporary file is deleted.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = _mode_for(path)
    # ".NAME.XXXXXXXX.tmp" is 14 bytes longer than NAME: cut NAME so that a legal 242-255
    # byte name still gets a legal temporary name
    name = os.fsencode(os.path.basename(path))[:255 - 14].decode(errors="ignore")
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp, mode)  # mkstemp makes 0600 files; keep the permissions open() would give
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _remove_stale_temporaries(folder, os.path.basename(path), os.path.basename(tmp))
    _fsync_dir(folder)


def atomic_write(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename, fsync of the folder)."""
    with atomic_open(path) as f:
        f.write(data)
