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
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

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
    """End a pool now: queued work cancelled, running workers killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public way
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join()


def map_fenced(work: Callable[[Sequence[T]], list[U]], chunks: Sequence[Sequence[T]],
               workers: int) -> Iterator[tuple[int, list[U | Died]]]:
    """``work`` over every chunk in ``workers`` processes: (chunk index, its
    results) as chunks finish.  Where a worker died, the chunk's items are
    redone one by one in processes of their own; an item whose process dies
    again comes back as Died."""
    pool = _pool(workers)
    failed: list[int] = []
    try:
        pending: dict[Future[list[U]], int] = {pool.submit(work, chunk): index
                                               for index, chunk in enumerate(chunks)}
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

