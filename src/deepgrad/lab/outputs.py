"""The lab command's output files, all checked before any is written.

``--out OUT`` names the contour map; it must end in ``.png`` or ``.svg`` and have a stem
(``x.``, ``.png``, ``.``, ``..``, ``/``, ``''`` and a trailing ``/`` are refused). From its stem
come ``STEM.png`` + ``STEM.svg`` (contour), ``STEM_loss.png/.svg``, and on request
``STEM_3d.png/.svg``, ``STEM.gif`` and ``STEM_sweep.png/.svg``. The folder must exist and be
writable; no output may be an existing folder; every file name must fit the file system's
255-byte limit (:data:`NAME_MAX`).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["NAME_MAX", "output_set"]

NAME_MAX = 255


def output_set(out: str, loss: bool = True, surface3d: bool = False, gif: bool = False,
               sweep: bool = False) -> dict:
    """``{"contour": Path, "loss": Path, ...}`` (each PNG; its SVG is beside it) for ``out``;
    ``ValueError`` naming ``--out`` and the problem if any of them cannot be written."""
    text = str(out)
    if not text.strip() or text.endswith(("/", os.sep)):
        raise ValueError(f"--out must be a file name ending in .png or .svg, got {text!r}")
    dest = Path(text)
    if dest.name in ("", ".", "..") or dest.suffix.lower() not in (".png", ".svg") \
            or dest.stem in ("", ".") or dest.stem.endswith("."):
        raise ValueError(f"--out must be a file name ending in .png or .svg (e.g. lab.png), "
                         f"got {text!r}")
    stem = dest.with_suffix("")
    named = {"contour": dest.with_suffix(".png")}
    if loss:
        named["loss"] = Path(f"{stem}_loss.png")
    if surface3d:
        named["surface3d"] = Path(f"{stem}_3d.png")
    if sweep:
        named["sweep"] = Path(f"{stem}_sweep.png")
    files = [f for p in named.values() for f in (p, p.with_suffix(".svg"))]
    if gif:
        named["gif"] = Path(f"{stem}.gif")
        files.append(named["gif"])
    folder = dest.parent
    if not folder.is_dir():
        raise ValueError(f"--out: cannot write to the output folder {str(folder)!r} "
                         f"(it does not exist; create it first)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"--out: cannot write to the output folder {str(folder)!r} "
                         f"(no write permission)")
    for f in files:
        if len(f.name.encode()) > NAME_MAX:
            raise ValueError(f"--out: the output name {f.name[:40]}... is "
                             f"{len(f.name.encode())} bytes, over the {NAME_MAX}-byte limit")
        if f.is_dir():
            raise ValueError(f"--out: {str(f)!r} is a folder; choose another name")
    return named
