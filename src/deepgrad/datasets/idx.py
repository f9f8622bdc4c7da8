"""Reader and writer for the IDX format of MNIST and Fashion-MNIST (``*-idx3-ubyte[.gz]``).

Layout (all integers big-endian)::

    bytes 0-1   0x00 0x00
    byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4*d bytes   the d dimensions as uint32
    payload     prod(dims) items in C order

Files may be gzip-compressed (recognized by their content, not their name). Every structural
problem (bad magic, unknown type code, a payload shorter or longer than the header says, a
truncated gzip stream) raises ``ValueError`` naming the file. No pickle is involved.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["read_idx", "write_idx", "IDX_TYPES"]

#: IDX type code -> NumPy dtype (big-endian where it matters).
IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code for code, dt in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise ValueError(f"IDX file {os.fspath(path)!r}: corrupt or truncated gzip stream ({e}).") from e


def read_idx(path) -> np.ndarray:
    """Read one IDX file (raw or gzip) into a NumPy array in native byte order.

    Returns an array of shape ``dims`` and the dtype given by the type code (uint8 for the
    MNIST files). Raises ``ValueError`` naming ``path`` when the file is not valid IDX.
    """
    name = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"IDX file {name!r}: {len(data)} bytes, too short for the 4-byte magic number.")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise ValueError(
            f"IDX file {name!r}: bad magic number 0x{data[:4].hex()} (must start with 0x0000); not an IDX file."
        )
    if code not in IDX_TYPES:
        valid = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise ValueError(f"IDX file {name!r}: unknown type code 0x{code:02X} (valid: {valid}).")
    if ndim == 0:
        raise ValueError(f"IDX file {name!r}: number of dimensions is 0.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"IDX file {name!r}: truncated header ({len(data)} bytes, need {header} for {ndim} dimensions)."
        )
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_TYPES[code]
    expected = math.prod(dims) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise ValueError(
            f"IDX file {name!r}: payload {what}: header says shape {dims} of {dtype.name} "
            f"({expected} bytes), file holds {got} bytes."
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path, array, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file; gzip when ``compress`` is True (default: ``path`` ends in ``.gz``).

    The dtype must be one of uint8, int8, int16, int32, float32, float64 and the array must
    have 1 to 255 dimensions. The gzip header carries no timestamp, so equal arrays give
    byte-identical files.
    """
    arr = np.asarray(array)
    dtype = arr.dtype.newbyteorder("=") if arr.dtype.itemsize > 1 else arr.dtype
    if dtype not in _CODES:
        names = [dt.name for dt in IDX_TYPES.values()]
        raise TypeError(f"write_idx: `array` dtype must be one of {names}, got {arr.dtype}.")
    if not 1 <= arr.ndim <= 255:
        raise ValueError(f"write_idx: `array` must have 1 to 255 dimensions, got {arr.ndim}.")
    code = _CODES[dtype]
    payload = (
        struct.pack(">HBB", 0, code, arr.ndim)
        + struct.pack(f">{arr.ndim}I", *arr.shape)
        + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()
    )
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(payload)
