"""Worker processes that read files in parallel, fenced in.

- A worker dies with its parent (Linux: PR_SET_PDEATHSIG, and a watch on the
  parent's pid everywhere), so `kill -9` of sheetkit never leaves workers behind.
- A worker ignores Ctrl-C: the terminal sends it to the whole process group,
  and only the parent answers it (中断しました, exit 130), so no worker prints
  a traceback.
- A worker that dies for any reason (a signal, the kernel's OOM killer, a
  native library aborting) costs only its own file: the files it had taken
  and not answered are read again one by one, each in a process of its own,
  and a file whose process dies again is reported by the caller.
- Workers take the files one at a time as they go, from a counter they share:
  however long each file takes, they end together."""

from __future__ import annotations

import fcntl
import gc
import io
import mmap
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from itertools import chain
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")
U = TypeVar("U")
PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


class Died(Exception):
    """The process reading one item died; ``item`` is what it was given."""

    def __init__(self, item: object) -> None:
        super().__init__(str(item))
        self.item = item


def _die_with(parent: int) -> None:
    """In a worker: exit as soon as ``parent`` is gone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass                                   # not Linux: the watch below still works
    if os.getppid() != parent:                 # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="sheetkit-parent-watch", daemon=True).start()


def init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)


def map_fenced(work: Callable[[Iterable[T]], list[U]], items: Sequence[T], workers: int,
               size: int, meanwhile: Callable[[], object] | None = None
               ) -> Iterator[tuple[list[int], list[U | Died]]]:
    """``work`` over ``items`` in ``workers`` fenced processes forked now:
    (the indices of some items, their results) as each call of ``work`` ends.
    Each process takes the items one at a time as its ``work`` asks for them
    (from the first; a counter the processes share), at most ``size`` into one
    call, and sends back each call's results, so that the processes end
    together however long each item takes.  Where a process died, the items it
    had taken and not sent back are redone one by one in processes of their
    own (an item whose process dies again comes back as Died); the others go
    on.  ``meanwhile`` runs here once the processes have started (they are
    forked first, from the process as it is then)."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    counter = _Count()                              # the next item to take
    answered = bytearray(len(items))
    members: dict[Connection, Any] = {}
    try:
        for _ in range(workers):
            receive, send = context.Pipe(duplex=False)
            member = context.Process(target=_member, daemon=True, args=(
                work, items, counter, size, send, os.getpid()))
            member.start()
            send.close()                             # the member's end: EOF here once it ends
            members[receive] = member
        if meanwhile is not None:
            meanwhile()
        while members:
            ready = wait(list(members))
            for receive in [r for r in members if r in ready]:
                try:
                    done, value = receive.recv()
                except EOFError:                     # the member ended, or died
                    receive.close()
                    members.pop(receive).join()
                    continue
                if not done:
                    raise value
                indices, results = value
                for index in indices:
                    answered[index] = 1
                yield indices, results
    finally:
        _end(members)                                # interrupted, or an error raised there
        counter.close()
    taken = min(counter.value, len(items))           # every member has ended
    for index in range(taken):
        if not answered[index]:                      # taken by a member that died
            yield [index], [_alone(work, items[index])]
    if taken < len(items):                           # every member died before the end
        rest = range(taken, len(items))
        again = map_fenced(work, items[taken:], workers, size) if taken else (
            ([index - taken], [_alone(work, items[index])]) for index in rest)
        for indices, results in again:
            yield [index + taken for index in indices], results


def _end(members: dict[Connection, Any]) -> None:
    for receive, member in members.items():
        if member.is_alive():
            member.kill()
        member.join()
        receive.close()
    members.clear()


def _member(work: Callable[[Iterable[T]], list[U]], items: Sequence[T], counter: _Count,
            size: int, send: Connection, parent: int) -> None:
    """In a process of map_fenced: ``work`` over the items it takes, ``size``
    at most a call, each call's results sent back as it ends (or the error it
    raised, and no more)."""
    init_worker(parent)
    try:
        while True:
            first = _take(counter, len(items))
            if first is None:
                break
            taken = [first]
            results = work(chain([items[first]], _taking(items, counter, size, taken)))
            send.send((True, (taken, results)))
    except Exception as error:  # noqa: BLE001 - raised in the parent
        _send_error(send, error)
    send.close()


def _take(counter: _Count, total: int) -> int | None:
    """The index of the next item to take, None when there is none.  The
    counter's lock is held for a moment at a time (the kernel releases it
    where a process dies holding it); where it cannot be had (a process
    stopped holding it), none: the parent sees to the rest."""
    lock = counter.get_lock()
    if not lock.acquire(timeout=5 * WATCH_SECONDS):
        return None
    try:
        index = counter.value
        if index >= total:
            return None
        counter.value = index + 1
        return index
    finally:
        lock.release()


def _taking(items: Sequence[T], counter: _Count, limit: int, taken: list[int]) -> Iterator[T]:
    """Items taken one at a time as they are asked for, until ``taken`` holds
    ``limit`` indices or none is left."""
    while len(taken) < limit:
        index = _take(counter, len(items))
        if index is None:
            return
        taken.append(index)
        yield items[index]


def _send_error(send: Connection, error: Exception) -> None:
    try:
        send.send((False, error))
    except Exception as unsent:  # noqa: BLE001 - an error that cannot be sent as it is
        send.send((False, RuntimeError(f"{type(unsent).__name__}: {unsent}")))


def _alone(work: Callable[[Sequence[T]], Sequence[U]], item: T) -> U | Died:
    """``work`` on one item in a fenced process of its own."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_once, daemon=True, args=(work, item, send, os.getpid()))
    process.start()
    send.close()                             # the process's end: EOF here if it dies
    try:
        try:
            done, value = receive.recv()
        except EOFError:                     # the process died
            return Died(item)
    finally:
        if process.is_alive():
            process.kill()                   # interrupted meanwhile
        process.join()
        receive.close()
    if not done:
        raise value
    return value


def _once(work: Callable[[Sequence[T]], Sequence[U]], item: T, send: Connection,
          parent: int) -> None:
    init_worker(parent)
    try:
        send.send((True, work([item])[0]))
    except Exception as error:  # noqa: BLE001 - raised in the parent
        _send_error(send, error)
    send.close()


class Ahead(Generic[T, U]):
    """``work`` over ``items`` from the first, one item at a time, in a fenced
    process of its own, forked now from this process as it is (small, before
    a slow import, say), while this process does something else; after
    ``stop`` it takes no more items, and ``results`` are those of the items it
    took.  ``work`` is given the items as an iterator and takes each as it
    goes; it returns a list, as map_fenced's ``work`` does.  If the process
    dies, the items it took are redone one by one in processes of their own
    (an item whose process dies again comes back as Died).  ``close`` ends the
    process if it is still there (interrupted).

    It is forked without multiprocessing (os.fork, a pipe, a _Count), whose
    import and set-up (~8 ms) would come before the fork, while nothing else
    runs; multiprocessing is imported later, by map_fenced, while it reads."""

    def __init__(self, work: Callable[[Iterable[T]], list[U]], items: Sequence[T]) -> None:
        self._work, self._items = work, items
        self._next = _Count()                # the next item to take; len(items): no more
        self._taken: int | None = None
        self._receive, send = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:                      # no process to be had: nothing left open
            os.close(send)
            os.close(self._receive)
            self._next.close()
            raise
        if pid == 0:                         # the process: it never leaves this block
            code = 1
            try:
                os.close(self._receive)
                _ahead(work, items, self._next, send, parent)
                code = 0
            finally:
                os._exit(code)
        os.close(send)                       # the process's end: EOF here if it dies
        self._process = _Forked(pid)

    def taking(self) -> bool:
        """Whether items are left for it to take (it has not been stopped, nor
        taken the last): a glance, without the lock, that may be out of date
        as soon as it is answered."""
        return self._taken is None and self._next.value < len(self._items)

    def stop(self) -> int:
        """Take no more items; how many were taken."""
        if self._taken is None:
            lock = self._next.get_lock()
            # held for a moment at a time; released by the kernel if its process dies
            # holding it; if it is not released (a process stopped, say), the process
            # is ended and what it took is final
            locked = lock.acquire(timeout=WATCH_SECONDS)
            if not locked:
                self._process.kill()
                self._process.join()
            try:
                self._taken = min(self._next.value, len(self._items))
                self._next.value = len(self._items)
            finally:
                if locked:
                    lock.release()
        return self._taken

    def results(self) -> list[U | Died]:
        """The results of the items taken (it stops first), once the process is done."""
        taken = self.stop()
        try:
            done, value = _received(self._receive)
        except EOFError:                     # the process died
            self.close()
            return [_alone(self._work, item) for item in self._items[:taken]]
        self._process.join()
        if not done:
            raise value
        return list(value)

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        if self._receive >= 0:
            os.close(self._receive)
            self._receive = -1
        self._next.close()


def _ahead(work: Callable[[Iterable[T]], list[U]], items: Sequence[T], next_: _Count,
           send: int, parent: int) -> None:
    """In the process of an Ahead: ``work`` over the items it takes, its
    answer (or the error it raised) written to ``send``.  The cyclic garbage
    collector runs only where ``work`` calls it (validate's reading collects
    the young objects each time they are many): the process ends once it has
    answered, and a collection as its work returns, of all it read (some 40 M
    instructions over some 190 files), or while its answer is pickled, freed
    nothing that mattered, while the main process waited for the answer."""
    import pickle

    gc.disable()
    init_worker(parent)
    try:
        answer: tuple[bool, Any] = (True, work(_taking(items, next_, len(items), [])))
    except Exception as error:  # noqa: BLE001 - raised in the parent, as a pool's would be
        answer = (False, error)
    try:
        data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    except Exception as unsent:  # noqa: BLE001 - an answer that cannot be sent as it is
        data = pickle.dumps((False, RuntimeError(f"{type(unsent).__name__}: {unsent}")))
    for part in (len(data).to_bytes(8, "little"), data):   # a cut answer: a death
        view = memoryview(part)
        while view:
            view = view[os.write(send, view):]
    os.close(send)


def _received(receive: int) -> Any:
    """The answer a process wrote to the pipe ``receive`` (_ahead); EOFError
    where the pipe ended before all of it (the process died)."""
    import pickle

    with io.FileIO(receive, "rb", closefd=False) as pipe:
        size = int.from_bytes(_exactly(pipe, 8), "little")
        return pickle.loads(_exactly(pipe, size))


def _exactly(pipe: io.FileIO, size: int) -> bytearray:
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        count = pipe.readinto(view[got:])
        if not count:
            raise EOFError
        got += count
    return data


class _Count:
    """An integer shared with the processes forked after it is made (in an
    anonymous shared mapping), and its lock: the count of items taken that
    map_fenced's members and an Ahead share, made without multiprocessing.
    The lock is a POSIX record lock on an anonymous file: the kernel releases
    it when a process that holds it dies.  ``value`` is read and written
    without the lock."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 8)
        self._lock = _RecordLock()

    @property
    def value(self) -> int:
        return int.from_bytes(self._memory[:8], "little", signed=True)

    @value.setter
    def value(self, value: int) -> None:
        self._memory[:8] = value.to_bytes(8, "little", signed=True)

    def get_lock(self) -> _RecordLock:
        return self._lock

    def close(self) -> None:
        self._lock.close()


class _RecordLock:
    """A lock between processes (not threads): an exclusive POSIX record lock
    on an anonymous file of its own, which processes forked after share."""

    def __init__(self) -> None:
        if hasattr(os, "memfd_create"):
            self._file: int = os.memfd_create("sheetkit-lock")
        else:                                # not Linux: a temporary file, unlinked
            import tempfile

            self._file, name = tempfile.mkstemp(prefix="sheetkit-lock-")
            os.unlink(name)

    def acquire(self, timeout: float = -1) -> bool:
        """Whether it was acquired within ``timeout`` seconds (for ever if negative)."""
        if timeout < 0:
            fcntl.lockf(self._file, fcntl.LOCK_EX)
            return True
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.lockf(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:                  # held by another process
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.001)

    def release(self) -> None:
        fcntl.lockf(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._file >= 0:
            os.close(self._file)
            self._file = -1


class _Forked:
    """A process this one forked, by its pid: whether it is alive, killed,
    waited for (its status collected once)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._ended = False

    def is_alive(self) -> bool:
        if not self._ended:
            try:
                self._ended = os.waitpid(self.pid, os.WNOHANG)[0] != 0
            except ChildProcessError:        # collected elsewhere
                self._ended = True
        return not self._ended

    def kill(self) -> None:
        if not self._ended:                  # not collected yet: the pid is still its own
            os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        if not self._ended:
            with suppress(ChildProcessError):       # collected elsewhere
                os.waitpid(self.pid, 0)
            self._ended = True


class SharedBytes:
    """Up to ``size`` - 1 bytes shared with the processes forked after it is
    made (an anonymous shared mapping): ``value`` is what was written last, up
    to its first NUL, as multiprocessing's Array("c") gives it."""

    def __init__(self, size: int) -> None:
        self._memory = mmap.mmap(-1, size)

    @property
    def value(self) -> bytes:
        return self._memory[:].split(b"\0", 1)[0]

    @value.setter
    def value(self, value: bytes) -> None:
        value = value[:len(self._memory) - 1]
        self._memory[:len(value) + 1] = value + b"\0"
