"""One command's outputs are one set: checked before any work, written to
temporary files beside their targets, then put in place together.  On any
failure nothing is replaced and no temporary file is left.  An output is
never an input, an existing one is replaced only with --force, and a new one
is created exclusively (two runs racing for one name: one wins, the other
fails cleanly)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheetkit.problems import Location, Problem, SheetkitError

Writer = Callable[[Path], object]     # what it returns is not used
_TEMP = re.compile(r"^\..*\.sheetkit-(\d+)-[0-9a-f]{8}\.(?:tmp|bak)$")


def _names(path: Path) -> frozenset[tuple[object, ...]]:
    """What identifies the file ``path`` names: its resolved path, and its
    device and inode where it exists (hard links, case folding).  Two paths
    name the same file when these share one.  A name with a NUL names none."""
    try:
        names: set[tuple[object, ...]] = {("path", path.resolve())}
    except (OSError, ValueError):
        return frozenset()
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return frozenset(names)
    return frozenset(names | {("inode", info.st_dev, info.st_ino)})


@dataclass(frozen=True)
class Outputs:
    """The checked targets of one command."""

    targets: tuple[Path, ...]
    force: bool


def check_outputs(targets: Sequence[Path], inputs: Iterable[Path] = (), force: bool = False,
                  folders: Iterable[Path] = ()) -> Outputs:
    """Refuse, before any work: an output named twice, an output that is an
    input (even with --force), an output folder that holds an input, and
    existing outputs without --force (all listed at once)."""
    # each path's names, once (the command's inputs and outputs may be thousands:
    # comparing every pair asked the system about each path again and again)
    inputs = [Path(p) for p in inputs]
    given = frozenset().union(*map(_names, inputs))
    problems: list[Problem] = []
    named: set[tuple[object, ...]] = set()
    outputs = [(target, _names(target)) for target in map(Path, targets)]
    for target, names in outputs:
        if names & named:
            problems.append(Problem("output-twice", Location(str(target)), {"path": str(target)}))
        named |= names
    for target, names in outputs:
        if names & given:
            problems.append(Problem("output-is-input", Location(str(target)),
                                    {"path": str(target)}))
    folders = [Path(f) for f in folders]
    if folders:
        holding = given.union(*map(_names, {p.parent for p in inputs}))
        for folder in folders:
            if _names(folder) & holding:
                problems.append(Problem("output-is-input", Location(str(folder)),
                                        {"path": str(folder)}))
    if problems:
        raise SheetkitError(_unique(problems))
    if not force:
        existing = [t for t, _ in outputs if t.exists() or t.is_symlink()]
        if existing:
            raise SheetkitError([Problem("output-exists", Location(str(t)), {"path": str(t)})
                                 for t in existing])
    return Outputs(tuple(t for t, _ in outputs), force)


def _unique(problems: list[Problem]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if p not in out:
            out.append(p)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: Path) -> None:
    """Remove the temporary files an earlier, killed sheetkit run left in ``folder``."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        found = _TEMP.match(entry.name)
        if found and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _temp_name(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.sheetkit-{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def _mode_for(path: Path) -> int:
    """The permissions a new file gets (umask), or those of the file replaced."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def os_error(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (xlsxwriter and others wrap it)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, OSError):
            return current
        inner = next((a for a in getattr(current, "args", ()) if isinstance(a, BaseException)),
                     None)
        current = inner or current.__cause__ or current.__context__
        seen += 1
    return None


def failure(path: Path, exc: BaseException) -> SheetkitError:
    """A write that failed, as a plain problem (a full disk says so)."""
    error = os_error(exc)
    if error is not None and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return SheetkitError([Problem("disk-full", Location(str(path)), {"path": str(path)})])
    if error is not None and error.errno == errno.EEXIST:
        return SheetkitError([Problem("output-exists", Location(str(path)), {"path": str(path)})])
    detail = (error.strerror or str(error)) if error is not None else f"{type(exc).__name__}"
    return SheetkitError([Problem("output-failed", Location(str(path)),
                                  {"path": str(path), "detail": detail})])


def write_all(outputs: Outputs, writers: Sequence[tuple[Path, Writer]]) -> list[Path]:
    """Write every output to a temporary file, then put them all in place.
    ``writers``: each target (one of ``outputs``) and what writes it to a path."""
    temps: list[tuple[Path, Path]] = []
    try:
        for target, write in writers:
            folder = target.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise failure(target, exc) from None
            sweep(folder)
            tmp = _temp_name(target, "tmp")
            try:
                os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                temps.append((target, tmp))
                write(tmp)
                os.chmod(tmp, _mode_for(target))
            except SheetkitError:
                raise
            except Exception as exc:  # noqa: BLE001 - the writer's failure, as a problem
                if os_error(exc) is None:
                    raise
                raise failure(target, exc) from None
        _commit(temps, outputs.force)
    finally:
        for _, tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return [target for target, _ in writers]


def _commit(temps: list[tuple[Path, Path]], force: bool) -> None:
    """Put every temporary file in place; on a failure undo what was done."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for target, tmp in temps:
            backup = None
            if force and (target.exists() or target.is_symlink()):
                backup = _temp_name(target, "bak")
                os.link(target, backup, follow_symlinks=False)
                os.replace(tmp, target)
            else:
                _create(tmp, target)
            done.append((target, backup))
    except OSError as exc:
        for target, backup in reversed(done):
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    os.unlink(target)
            except OSError:
                pass
        raise failure(target, exc) from None
    finally:
        for _, backup in done:
            if backup is not None and backup.exists():
                backup.unlink()


def _create(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if nothing has that name yet."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK):
            raise
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.replace(tmp, target)


def bytes_writer(data: bytes) -> Writer:
    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(data)
    return write
