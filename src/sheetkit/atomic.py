"""Outputs are written to a temporary file beside the target and renamed
only when complete, and an existing output is replaced only when asked."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sheetkit.problems import Location, Problem, SheetkitError


def check_output(path: Path, force: bool) -> None:
    """Refuse to replace an existing file unless ``force``."""
    if path.exists() and not force:
        raise SheetkitError([Problem("output-exists", Location(str(path)), {"path": str(path)})])


def _mode_for(path: Path) -> int:
    """The permissions a new file would get (mkstemp makes 0600), or those of
    the file being replaced."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def atomic_path(path: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it over ``path`` on success."""
    check_output(path, force)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp",
                                        dir=folder)
        os.close(fd)
    except OSError as exc:
        raise SheetkitError([Problem("output-failed", Location(str(path)),
                                     {"path": str(path), "detail": exc.strerror or str(exc)})]
                            ) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise SheetkitError([Problem("output-failed", Location(str(path)),
                                     {"path": str(path), "detail": exc.strerror or str(exc)})]
                            ) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically: the file appears whole or not at all."""
    with atomic_path(path, force) as tmp:
        tmp.write_bytes(data)
    return path
