"""The file boundary: bytes in, text to convert, bytes out, without changing what was not converted.

Source is decoded the way Python decodes it (a byte-order mark, else a PEP 263 ``coding:`` cookie, else
UTF-8) and encoded back the same way; line endings are never translated (CRLF, LF and mixed endings
survive byte for byte). Writes go to a temporary file in the target directory that replaces the target
in one step, carry the mode asked for, and never leave the temporary file behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

UTF8_BOM = "\ufeff"


class SourceError(ValueError):
    """The bytes cannot be decoded as Python source; the message says why."""


@dataclass(frozen=True)
class Source:
    text: str  # a byte-order mark stays in the text as U+FEFF (the converter keeps it)
    encoding: str  # the codec that turns ``text`` back into the file's bytes


def decode(data: bytes) -> Source:
    """Decode Python source bytes as the interpreter would, keeping every line ending."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown codec, or a cookie contradicting the BOM
        raise SourceError(f"{error.msg}") from None
    if encoding == "utf-8-sig":
        encoding = "utf-8"  # the BOM is kept in the text, so plain UTF-8 writes it back
    try:
        return Source(data.decode(encoding), encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            f"line {line}: byte {data[error.start : error.start + 1]!r} is not valid {encoding}; "
            "declare the file's encoding with a PEP 263 '# -*- coding: NAME -*-' line"
        ) from None


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def kind_of(mode: int) -> str | None:
    """What a non-regular, non-directory file is, for messages (None for regular files and dirs)."""
    for test, name in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return None


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes; refuses special files (opening a named pipe would block)."""
    special = kind_of(path.stat().st_mode)
    if special:
        raise OSError(f"{special}, not a regular file")
    return path.read_bytes()


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(
    path: Path, data: bytes, mode: int | None = None, owner: os.stat_result | None = None
) -> None:
    """Replace ``path`` with ``data`` in one step, with ``mode`` (default: a new file's mode) and, where
    allowed, the owner and group of ``owner``.

    A symlink at ``path`` is written through: its target is replaced and the link stays.
    """
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            os.fchmod(stream.fileno(), new_file_mode() if mode is None else mode)
            if owner is not None and (owner.st_uid, owner.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(
                    PermissionError
                ):  # not ours to give away: content and mode still right
                    os.fchown(stream.fileno(), owner.st_uid, owner.st_gid)
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
