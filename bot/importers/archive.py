"""Uniform read access to an export delivered as a folder or a ZIP, damaged ZIPs included.

Slack delivers a ZIP whose central directory sits at its very end, so a truncated download
loses the directory while every complete member before the cut is still intact. When
:mod:`zipfile` refuses such an archive, :class:`SalvagedZip` walks the local file headers
from the start and recovers each member that is whole and passes its CRC.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.importers.base import ExportError

ProblemSink = Callable[[str, str], None]
"""Receives ``(path, reason)`` for each damaged member found while opening an archive."""

_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_DESCRIPTOR = b"PK\x07\x08"
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x8
_ZIP64_EXTRA = 0x0001
_STORED, _DEFLATED = 0, 8
_CHUNK = 1 << 16


class ExportSource:
    """Relative POSIX names of an export's files and their bytes."""

    label: str

    def names(self) -> list[str]:
        """Every regular file, as a path relative to the export root, sorted."""
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        """The bytes of one file; raises ``OSError``/``ValueError``/``zipfile`` errors."""
        raise NotImplementedError

    def where(self, name: str) -> str:
        """How to name a file in a problem report."""
        return f"{self.label}:{name}"


class FolderSource(ExportSource):
    """An unpacked export folder."""

    def __init__(self, root: Path) -> None:
        """Index the folder once; reading happens file by file."""
        self.root = root
        self.label = str(root)
        found = (p for p in root.rglob("*") if p.is_file())
        self._names = sorted(p.relative_to(root).as_posix() for p in found)

    def names(self) -> list[str]:
        """Every file below the root."""
        return self._names

    def read(self, name: str) -> bytes:
        """Read one file from disk."""
        return (self.root / name).read_bytes()

    def where(self, name: str) -> str:
        """The file's own path, which a user can open."""
        return str(self.root / name)


class ZipSource(ExportSource):
    """A sound ZIP archive, read through :mod:`zipfile`."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        """Wrap an opened archive."""
        self.label = str(path)
        self._zip = archive
        self._names = sorted(i.filename for i in archive.infolist() if not i.is_dir())

    def names(self) -> list[str]:
        """Every member that is not a directory entry."""
        return self._names

    def read(self, name: str) -> bytes:
        """Decompress one member (``zipfile`` checks its CRC)."""
        return self._zip.read(name)


@dataclass(frozen=True, slots=True)
class _Member:
    """Where a salvaged member's data lies and how to check it."""

    start: int
    size: int
    method: int
    crc: int


class SalvagedZip(ExportSource):
    """A ZIP without a usable central directory, recovered from its local headers."""

    def __init__(self, path: Path, data: bytes, report: ProblemSink) -> None:
        """Scan the archive; members cut short or unreadable are reported and left out."""
        self.label = str(path)
        self._data = data
        self._members: dict[str, _Member] = {}
        self._scan(report)

    def names(self) -> list[str]:
        """Every complete member."""
        return sorted(self._members)

    def read(self, name: str) -> bytes:
        """Decompress one recovered member and check its CRC."""
        member = self._members[name]
        raw = self._data[member.start : member.start + member.size]
        content = raw if member.method == _STORED else zlib.decompress(raw, -15)
        if zlib.crc32(content) != member.crc:
            raise ValueError("CRC mismatch: the member is damaged")
        return content

    def _scan(self, report: ProblemSink) -> None:
        """Walk local headers from offset 0 until the data ends or stops making sense."""
        pos = 0
        while self._data.startswith(_LOCAL, pos):
            try:
                pos = self._take_member(pos)
            except _Truncated as cut:
                report(self.where(cut.name) if cut.name else self.label, cut.reason)
                return

    def _take_member(self, pos: int) -> int:
        """Index the member whose local header is at ``pos``; return the next header offset."""
        if pos + _LOCAL_HEADER.size > len(self._data):
            raise _Truncated("", "archive ends inside a file header")
        fields = _LOCAL_HEADER.unpack_from(self._data, pos)
        _, _, flags, method, _, _, crc, csize, _, name_len, extra_len = fields
        name_at = pos + _LOCAL_HEADER.size
        start = name_at + name_len + extra_len
        if start > len(self._data):
            raise _Truncated("", "archive ends inside a file header")
        encoding = "utf-8" if flags & _UTF8_FLAG else "cp437"
        name = self._data[name_at : name_at + name_len].decode(encoding, "replace")
        csize = _zip64_size(self._data[name_at + name_len : start], csize)
        if flags & _DESCRIPTOR_FLAG:
            csize, crc = self._measure(name, start, method)
            end = _skip_descriptor(self._data, start + csize)
        else:
            end = start + csize
        if start + csize > len(self._data):
            raise _Truncated(name, "archive ends inside this file (truncated download?)")
        if method not in (_STORED, _DEFLATED):
            raise _Truncated(name, f"unsupported compression method {method}")
        if not name.endswith("/"):
            self._members[name] = _Member(start, csize, method, crc)
        return end

    def _measure(self, name: str, start: int, method: int) -> tuple[int, int]:
        """Size and CRC of a member whose sizes follow it: inflate until the stream ends."""
        if method != _DEFLATED:
            raise _Truncated(name, "stored member without sizes cannot be recovered")
        inflater, crc, pos, view = zlib.decompressobj(-15), 0, start, memoryview(self._data)
        try:
            while not inflater.eof and pos < len(view):
                chunk = view[pos : pos + _CHUNK]
                crc = zlib.crc32(inflater.decompress(chunk), crc)
                pos += len(chunk)
        except zlib.error as exc:
            raise _Truncated(name, f"damaged compressed data: {exc}") from exc
        if not inflater.eof:
            raise _Truncated(name, "archive ends inside this file (truncated download?)")
        return pos - len(inflater.unused_data) - start, crc


class _Truncated(Exception):
    """Internal: the salvage scan cannot go past this member."""

    def __init__(self, name: str, reason: str) -> None:
        """Keep the member name and the reason for the report."""
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _zip64_size(extra: bytes, csize: int) -> int:
    """The compressed size, taken from the ZIP64 extra field when the header says so."""
    if csize != 0xFFFFFFFF:
        return csize
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        if tag == _ZIP64_EXTRA and size >= 16:
            return int(struct.unpack_from("<Q", extra, pos + 12)[0])
        pos += 4 + size
    return csize


def _skip_descriptor(data: bytes, pos: int) -> int:
    """Offset just past the data descriptor at ``pos`` (with or without its signature)."""
    pos += 4 if data.startswith(_DESCRIPTOR, pos) else 0
    pos += 12
    if not data.startswith(b"PK", pos) and data.startswith(b"PK", pos + 8):
        pos += 8  # ZIP64 descriptor: 8-byte sizes
    return pos


def open_source(path: Path, report: ProblemSink) -> ExportSource:
    """Open a folder or a ZIP; a ZIP without a central directory is salvaged and reported."""
    if path.is_dir():
        return FolderSource(path)
    if not path.is_file():
        raise ExportError(f"{path}: no such file or folder")
    try:
        return ZipSource(path, zipfile.ZipFile(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        data = path.read_bytes()
        if not data.startswith(_LOCAL):
            raise ExportError(f"{path}: not a ZIP archive or export folder ({exc})") from exc
        report(str(path), f"damaged ZIP ({exc}); recovering the files before the damage")
        return SalvagedZip(path, data, report)


def export_root(names: list[str], markers: tuple[str, ...]) -> str:
    """The folder prefix holding the export, for archives zipped one folder deep."""
    tops = [n for n in names if PurePosixPath(n).name in markers]
    if not tops:
        return ""
    parent = str(PurePosixPath(min(tops, key=lambda n: n.count("/"))).parent)
    return "" if parent == "." else parent + "/"
