"""Worker processes that read files in parallel, fenced in.

- A worker dies with its parent (Linux: PR_SET_PDEATHSIG, and a watch on the
  parent's pid everywhere), so `kill -9` of sheetkit never leaves workers behind.
- A worker ignores Ctrl-C: the terminal sends it to the whole process group,
  and only the parent answers it (中断しました, exit 130), so no worker prints
  a traceback.
- A worker that dies for any reason (a signal, the kernel's OOM killer, a
  native library aborting) costs only its own file: the files of a chunk
  whose worker died are read again one by one, each in a process of its
  own, and a file whose process dies again is reported by the caller."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

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


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=init_worker, initargs=(os.getpid(),))


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now: queued work cancelled, running workers killed, and its
    management thread ended.  Left running, that thread closes its wake-up
    pipe while Python's exit clean-up of pools writes to it: a run stopped by
    Ctrl-C printed a traceback (Bad file descriptor) after its message."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public way
    manager = getattr(pool, "_executor_manager_thread", None)              # nor here
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join()
    if manager is not None and manager is not threading.current_thread():
        manager.join(timeout=10 * WATCH_SECONDS)   # it sees its workers gone and ends


def map_fenced(work: Callable[[Sequence[T]], list[U]], chunks: Sequence[Sequence[T]],
               workers: int, meanwhile: Callable[[], object] | None = None
               ) -> Iterator[tuple[int, list[U | Died]]]:
    """``work`` over every chunk in ``workers`` processes: (chunk index, its
    results) as chunks finish.  Where a worker died, the chunk's items are
    redone one by one in processes of their own; an item whose process dies
    again comes back as Died.  ``meanwhile`` runs here once the workers have
    started (they are forked first, from the process as it is then)."""
    pool = _pool(workers)
    failed: list[int] = []
    try:
        pending: dict[Future[list[U]], int] = {pool.submit(work, chunk): index
                                               for index, chunk in enumerate(chunks)}
        if meanwhile is not None:
            meanwhile()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                try:
                    result: list[U | Died] = list(future.result())
                except BrokenProcessPool:
                    failed.append(index)
                    continue
                yield index, result
        pool.shutdown()
    finally:
        _stop(pool)              # interrupted, or a worker died: nothing is left running
    for index in sorted(failed):
        yield index, [_alone(work, item) for item in chunks[index]]


def _alone(work: Callable[[Sequence[T]], Sequence[U]], item: T) -> U | Died:
    """``work`` on one item in a process of its own."""
    pool = _pool(1)
    try:
        result = pool.submit(work, [item]).result()[0]
        pool.shutdown()
        return result
    except BrokenProcessPool:
        return Died(item)
    finally:
        _stop(pool)



class Ahead(Generic[T, U]):
    """``work`` over ``items`` from the first, one item at a time, in a fenced
    process of its own, forked now from this process as it is (small, before
    a slow import, say), while this process does something else; after
    ``stop`` it takes no more items, and ``results`` are those of the items it
    took.  ``work`` is given the items as an iterator and takes each as it
    goes; it returns a list, as map_fenced's ``work`` does.  If the process
    dies, the items it took are redone one by one in processes of their own
    (an item whose process dies again comes back as Died).  ``close`` ends the
    process if it is still there (interrupted)."""

    def __init__(self, work: Callable[[Iterable[T]], list[U]], items: Sequence[T]) -> None:
        context = multiprocessing.get_context("fork")
        self._work, self._items = work, items
        self._next = context.Value("q", 0)     # the next item to take; len(items): no more
        self._taken: int | None = None
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_ahead, daemon=True,
                                        args=(work, items, self._next, send, os.getpid()))
        self._process.start()
        send.close()                         # the process's end: EOF here if it dies

    def stop(self) -> int:
        """Take no more items; how many were taken."""
        if self._taken is None:
            lock = self._next.get_lock()
            # held for a moment at a time, unless its process died holding it: then it is
            # ended, and what it took is final
            locked = lock.acquire(timeout=WATCH_SECONDS)
            if not locked:
                self._process.kill()
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
            done, value = self._receive.recv()
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
        self._receive.close()


def _ahead(work: Callable[[Iterable[T]], list[U]], items: Sequence[T], next_: Any,
           send: Connection, parent: int) -> None:
    """In the process of an Ahead: ``work`` over the items it takes, its
    answer (or the error it raised) sent back."""
    init_worker(parent)

    def taken() -> Iterator[T]:
        while True:
            with next_.get_lock():
                index = next_.value
                if index >= len(items):
                    return
                next_.value = index + 1
            yield items[index]

    try:
        answer: tuple[bool, object] = (True, work(taken()))
    except Exception as error:  # noqa: BLE001 - raised in the parent, as a pool's would be
        answer = (False, error)
    try:
        send.send(answer)
    except Exception as error:  # noqa: BLE001 - an error that cannot be sent as it is
        send.send((False, RuntimeError(f"{type(error).__name__}: {error}")))
    send.close()
