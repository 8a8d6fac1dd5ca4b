"""Run sheetkit as a user's shell would, in a process of its own, fenced in.

Each run gets its own session (and so its own process group), a wall-clock
limit and an address-space limit (RLIMIT_AS, inherited by every worker), so
that a regression fails the test instead of eating the machine.  Memory is
the peak, over the run, of the summed VmRSS of every process in that session
(the command and all its workers), sampled from /proc.  ``ru_maxrss`` from
``wait4`` is not used: a forked child starts with its parent's peak, so it
reports pytest's memory rather than sheetkit's.

    outcome = run_isolated(["validate", str(folder)], cwd=tmp_path)
    outcome.assert_clean()                # no traceback, nothing left running
    assert outcome.status == 1 and outcome.peak < GIB

``Isolated`` starts a run without waiting, for tests that interrupt it
(``send``: to the whole group, as a terminal's Ctrl-C does) or kill its
parent alone.  ``digests`` fingerprints input files, to show that a run left
them unchanged.  ``DEATHS``: the ways a worker process dies, for tests that
make one die (a signal, a native library aborting, an exit)."""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import os
import resource
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20
SAMPLE_SECONDS = 0.01


def _abort() -> None:
    faulthandler.disable()                    # pytest's stack dump is not the point here
    os.abort()


DEATHS = {"SIGKILL": lambda: os.kill(os.getpid(), signal.SIGKILL),
          "SIGABRT": _abort,
          "exit": lambda: os._exit(3)}


def dying_on(monkeypatch, module, guilty: Path, death: str):  # type: ignore[no-untyped-def]
    """``module.read_subject`` made to die (DEATHS[death]) in the process that
    reads ``guilty``; the real one."""
    real = module.read_subject

    def read(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path == guilty:
            DEATHS[death]()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "read_subject", read)
    return real


def _limit_memory(address_space: int | None) -> None:
    """In the child, before exec: cap its (and its workers') address space."""
    if address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def session_members(session: int) -> list[int]:
    """The pids of every live process in ``session`` (zombies excluded)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        fields = text[text.rfind(b")") + 2:].split()     # after "(comm)", which may hold spaces
        if fields[0] != b"Z" and int(fields[3]) == session:
            members.append(int(entry.name))
    return members


def rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for row in handle:
                if row.startswith(b"VmRSS:"):
                    return int(row.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Outcome:
    args: list[str]
    status: int                   # exit status; -N when killed by signal N
    stdout: str
    stderr: str
    peak: int                     # bytes: the largest summed RSS of the whole process tree
    seconds: float
    leftovers: list[int] = field(default_factory=list)   # processes still alive at the end

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def assert_no_traceback(self) -> None:
        for marker in ("Traceback", "panicked at", "RUST_BACKTRACE", "Error in atexit"):
            assert marker not in self.output, f"{marker!r} in output of {self.args}:\n" \
                                              f"{self.output}"

    def assert_clean(self, memory: int = GIB) -> None:
        """No traceback, no signal death, nothing left running, within ``memory``."""
        self.assert_no_traceback()
        assert self.status >= 0, f"killed by signal {-self.status}: {self.output}"
        assert self.status != 70, f"internal error: {self.output}"
        assert not self.leftovers, f"processes left running: {self.leftovers}"
        assert self.peak < memory, f"peak {self.peak / MIB:.0f} MiB for {self.args}"


class TimedOut(AssertionError):
    pass


class Isolated:
    """One ``python -m sheetkit`` run in a session of its own."""

    def __init__(self, args: Sequence[str | Path], cwd: Path, memory: int | None = GIB,
                 env: dict[str, str] | None = None,
                 program: Sequence[str] = (sys.executable, "-m", "sheetkit")) -> None:
        self.args = [str(a) for a in args]
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _read)
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        environment = os.environ | {"PYTHONUNBUFFERED": "1"} | (env or {})
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*program, *self.args], cwd=cwd, env=environment,
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err,
            start_new_session=True, preexec_fn=lambda: _limit_memory(memory))
        self.peak = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def members(self) -> list[int]:
        return session_members(self.pid)

    def sample(self) -> int:
        """Measure the whole tree once; return its current RSS."""
        current = sum(rss(pid) for pid in self.members())
        self.peak = max(self.peak, current)
        return current

    def send(self, sig: int) -> None:
        """A signal to every process of the run, as a terminal sends Ctrl-C."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def wait_for(self, condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
        """Sample until ``condition()`` holds (e.g. workers have started)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.kill_all()
                raise TimedOut(f"sheetkit {' '.join(self.args)}: condition not reached")
            self.sample()
            time.sleep(SAMPLE_SECONDS)

    def kill_all(self) -> None:
        """SIGKILL whatever is left of the run (the test's own clean-up)."""
        for pid in self.members():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def finish(self, timeout: float = 30, linger: float = 5) -> Outcome:
        """Wait (sampling) for the command to end; then give its workers
        ``linger`` seconds to go, and report any still running."""
        deadline = self.started + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.kill_all()
                raise TimedOut(f"sheetkit {' '.join(self.args)} did not finish in {timeout} s")
            self.sample()
            time.sleep(SAMPLE_SECONDS)
        seconds = time.monotonic() - self.started
        leftovers = self.members()
        end = time.monotonic() + linger
        while leftovers and time.monotonic() < end:
            time.sleep(0.05)
            leftovers = self.members()
        if leftovers:
            self.kill_all()
        return Outcome(self.args, self.process.returncode, self._read(self._out),
                       self._read(self._err), self.peak, seconds, leftovers)

    @staticmethod
    def _read(handle) -> str:  # type: ignore[no-untyped-def]
        handle.seek(0)
        text = handle.read().decode("utf-8", "replace")
        handle.close()
        return text


def run_isolated(args: Sequence[str | Path], cwd: Path, timeout: float = 30,
                 memory: int | None = GIB, env: dict[str, str] | None = None) -> Outcome:
    """Run ``python -m sheetkit *args`` fenced in; its Outcome.

    ``memory`` is the address-space limit of each process (None: no limit);
    ``timeout`` the wall-clock limit, past which the test fails."""
    return Isolated(args, cwd, memory, env).finish(timeout)


def digests(paths: Iterable[Path]) -> dict[str, str]:
    """A fingerprint of every input under ``paths`` (folders walked): the
    SHA-256 of each regular file; symlinks, FIFOs and devices by what they are
    (their target or kind), never opened."""
    found: dict[str, str] = {}

    def visit(path: Path) -> None:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            found[str(path)] = f"link:{os.readlink(path)}"
        elif stat.S_ISDIR(info.st_mode):
            found[str(path)] = "dir"
            for child in sorted(path.iterdir()):
                visit(child)
        elif stat.S_ISREG(info.st_mode):
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() + \
                f":{stat.S_IMODE(info.st_mode):o}"
        else:
            found[str(path)] = f"special:{stat.S_IFMT(info.st_mode):o}"

    for path in paths:
        visit(Path(path))
    return found
