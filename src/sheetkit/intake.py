"""Reading an input file's bytes, whatever the name promises.

A shell glob over an unpacked archive brings in whatever it held: a symlink
to /dev/zero named .xlsx, a FIFO that blocks open() forever, a folder, an
Excel lock file.  Every input is read here: only a regular file (after
symlinks are resolved), opened without blocking, and never more than a limit
plus one byte, so that the caller can tell "too large" without reading on.
The folders given as inputs are listed here too (expand_inputs): validate
needs that and nothing else of collect."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")   # what a folder given as input is searched for
_PATH = type(Path())         # the concrete class Path(…) makes here (PosixPath, WindowsPath)


class Refused(Exception):
    """The file is not read.  ``reason``: missing, not-regular, folder,
    permission, too-large or damaged (another I/O error)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def is_lock_file(path: Path) -> bool:
    """Excel's and LibreOffice's lock files (~$name.xlsx, .~lock.name#)."""
    return path.name.startswith(("~$", ".~lock."))


def read_limited(path: str | Path, limit: int) -> bytes:
    """The whole content of the regular file ``path``; Refused otherwise, or
    when it holds more than ``limit`` bytes."""
    path = Path(path)
    try:
        info = os.stat(path)                    # follows symlinks: what would be opened
    except FileNotFoundError:
        raise Refused("missing") from None
    except PermissionError:
        raise Refused("permission") from None
    except OSError as exc:
        raise Refused("damaged", exc.strerror or "") from None
    except ValueError:                          # a NUL in the name: no file is called so
        raise Refused("missing") from None
    if stat.S_ISDIR(info.st_mode):
        raise Refused("folder")
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-regular")
    if info.st_size > limit:
        raise Refused("too-large", f"{info.st_size:,}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise Refused("permission") from None
    except OSError as exc:
        raise Refused("missing" if exc.errno == errno.ENOENT else "damaged",
                      exc.strerror or "") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):        # swapped since the stat
            raise Refused("not-regular")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Refused("permission" if exc.errno == errno.EACCES else "damaged",
                      exc.strerror or "") from None
    finally:
        os.close(fd)
    if size > limit:
        raise Refused("too-large", f"{size:,}")
    return b"".join(chunks)


@dataclass(frozen=True)
class Inputs:
    """The files to read, and the lock files skipped (never read)."""

    paths: tuple[Path, ...]
    skipped: tuple[Path, ...] = ()


def expand_inputs(inputs: Iterable[str | Path]) -> Inputs:
    """Files as given, and every workbook-named entry inside folders (sorted;
    whatever it is, so that a link to a device or a pipe gets its own finding
    rather than vanishing), without hidden files.  Excel's and LibreOffice's
    lock files (~$…) are skipped, whether named or found in a folder."""
    found: list[Path] = []
    skipped: list[Path] = []
    for given in inputs:
        # a Path as click gives it is kept, not made again (Path(path) parses it anew:
        # some 20 K instructions a file, before anything is read)
        item = given if type(given) is _PATH else Path(given)
        if item.is_dir():
            entries = sorted(p for p in item.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES
                             and (is_lock_file(p) or not p.name.startswith(".")))
        else:
            entries = [item]
        for entry in entries:
            (skipped if is_lock_file(entry) else found).append(entry)
    return Inputs(tuple(found), tuple(skipped))
