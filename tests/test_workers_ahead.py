"""validate --jobs N in a fresh process: a reader forked before pandas and
pandera are imported reads the first files meanwhile (workers.Ahead), sends
back plain values, and this process checks their tables; the workers forked
after read the rest.  Same report and subjects as one process; a reader that
dies costs only its own file; it never imports pandas."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from conftest import EXAMPLE, ROOT
from filling import many_returns
from isolated import DEATHS, dying_on

from sheetkit import validate as validation
from sheetkit import workers
from sheetkit.collect import merge_keeps
from sheetkit.layout import load_layout
from sheetkit.loader import load_plan
from sheetkit.serialize import to_yaml

CH2 = ROOT / "examples" / "fictional-ch2.yaml"
TAKEN = 4          # files the early reader takes before it is stopped, in these tests


@pytest.fixture(scope="module")
def inputs(example_doc, tmp_path_factory):
    """Returns (every 3rd with a finding), the example's data, a plan file of two
    chapters, a 総括表 of two chapters and a file that is no workbook."""
    from click.testing import CliRunner

    from sheetkit.cli import cli

    folder = tmp_path_factory.mktemp("ahead")
    _, paths, _ = many_returns(folder, example_doc, 9, broken_every=3)
    plan = folder / "計画.yaml"
    plan.write_text(to_yaml(load_plan([EXAMPLE, CH2])), encoding="utf-8")
    book = folder / "総括表.xlsx"
    result = CliRunner().invoke(cli, ["generate", str(EXAMPLE), str(CH2), "-o", str(book)])
    assert result.exit_code == 0, result.output
    broken = folder / "壊れた.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    return [paths[0], plan, paths[1], EXAMPLE, book, paths[2], broken, *paths[3:]]


class _TakesFour(workers.Ahead):
    """An early reader that takes the first TAKEN files and is stopped only once
    it has (or died): the run's start-up is not slow enough to count on in a test."""

    def __init__(self, work, items) -> None:  # type: ignore[no-untyped-def]
        super().__init__(work, items[:TAKEN])

    def stop(self) -> int:
        while self._next.value < TAKEN and self._process.is_alive():
            time.sleep(0.005)
        return super().stop()


@pytest.fixture
def early(monkeypatch):
    """validate as in a fresh process (pandera still to import), with an
    early reader that takes TAKEN files; what it sent, chunk by chunk."""
    monkeypatch.setattr(validation, "_slow_start", lambda: True)
    monkeypatch.setattr(workers, "Ahead", _TakesFour)
    monkeypatch.setattr(validation, "CHUNK", 2)        # the rest: several chunks, 2 workers
    sent: list[list[str]] = []
    real = validation._check_read

    def check_read(read, layout):
        sent.append([s.path for s in read.files])
        return real(read, layout)

    monkeypatch.setattr(validation, "_check_read", check_read)
    return sent


@pytest.mark.parametrize("how", ["validate", "documents", "merge", "--layout"])
def test_the_early_reader_gives_the_report_and_subjects_of_one_process(inputs, early, how):
    options = {"validate": {"documents": False}, "documents": {},
               "merge": {"keep": merge_keeps}, "--layout": {"layout": load_layout()}}[how]
    alone = validation.validate_paths(inputs, jobs=1, **options)
    assert not early
    together = validation.validate_paths(inputs, jobs=2, **options)
    assert early == [[str(p) for p in inputs[:TAKEN]]]      # read ahead, then the workers
    assert together == alone
    assert any(f.chapter == 2 for file in alone[0].files for f in file.findings)
    assert sum(len(f.findings) for f in alone[0].files) > len(inputs)


@pytest.mark.parametrize("death", DEATHS)
def test_an_early_reader_that_dies_costs_only_its_own_file(inputs, early, monkeypatch, death):
    guilty = inputs[2]                         # taken by the early reader
    real = dying_on(monkeypatch, validation, guilty, death)
    report, subjects = validation.validate_paths(inputs, jobs=2)
    assert [f.path for f in report.files] == [str(p) for p in inputs]      # order kept
    for file, subject in zip(report.files, subjects):
        reasons = [f.params.get("reason") for f in file.findings if f.code == "unreadable-file"]
        if file.path == str(guilty):
            assert reasons == ["crashed"]
        elif file.path.endswith("壊れた.xlsx"):
            assert subject.document is None
        else:
            assert reasons == [] and subject.document is not None
    monkeypatch.setattr(validation, "read_subject", real)
    assert [f for f in report.files if f.path != str(guilty)] == \
        [f for f in validation.validate_paths(inputs, jobs=1)[0].files if f.path != str(guilty)]


def test_an_error_in_the_early_reader_reaches_the_run(inputs, early, monkeypatch):
    """A developer's SHEETKIT_DEBUG=1 stops the run at the first unexpected
    error, in the early reader too: it is raised here, not lost there."""
    real = validation.read_subject

    def read(path, *args, **kwargs):
        if path == inputs[1]:
            raise ZeroDivisionError("a bug")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(validation, "read_subject", read)
    monkeypatch.setenv("SHEETKIT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError, match="a bug"):
        validation.validate_paths(inputs, jobs=2)


FRESH = textwrap.dedent("""
    import sys
    from sheetkit import validate
    real = validate._read_chunk
    def read_chunk(*args, **kwargs):
        read = real(*args, **kwargs)
        assert "pandas" not in sys.modules and "pandera" not in sys.modules
        print("read ahead:", len(read[0].files), flush=True)
        return read
    validate._read_chunk = read_chunk
    paths = sys.argv[1:]
    together = validate.validate_paths(paths, jobs=2)
    alone = validate.validate_paths(paths, jobs=1)
    print("same" if together == alone else "differ")
""")


def test_in_a_fresh_process_the_early_reader_imports_no_pandas(inputs):
    done = subprocess.run([sys.executable, "-c", FRESH, *map(str, inputs)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "same" and lines[0].startswith("read ahead: "), done.stdout


WARM = textwrap.dedent("""
    import os, sys, tempfile, time
    from sheetkit import layout_check, validate
    real_check, real_chunk, real_named, real_read, real_read_chunk = (
        layout_check.check_layout, validate._check_chunk, validate._load_named,
        validate.read_subject, validate._read_chunk)
    GO = os.path.join(tempfile.mkdtemp(), "forking")   # made once the layout is loaded
    reader = []                                # [files read] in the early reader
    def read_chunk(*args, **kwargs):
        reader.append(0)
        return real_read_chunk(*args, **kwargs)
    def read(*args, **kwargs):                 # the early reader leaves files over, however
        if reader and reader[0]:               # slow this process's start-up: after its first
            start = time.monotonic()           # file it waits until the workers are forked
            while not os.path.exists(GO) and time.monotonic() - start < 60:
                time.sleep(0.01)
        if reader:
            reader[0] += 1
        return real_read(*args, **kwargs)
    def check_layout(*args, **kwargs):
        print("layout checked in", os.getpid(), flush=True)
        return real_check(*args, **kwargs)
    def check_chunk(*args, **kwargs):
        before = set(sys.modules)
        done = real_chunk(*args, **kwargs)
        new = sorted(m for m in set(sys.modules) - before if m.startswith("pandera.backends.pandas"))
        print("worker", os.getpid(), "imported", new, flush=True)
        return done
    def load_named(named):                     # once the early reader has named its layout
        start = time.monotonic()
        while not named.value and time.monotonic() - start < 60:
            time.sleep(0.01)
        print("named", named.value.decode(), flush=True)
        real_named(named)
        open(GO, "w").close()
    layout_check.check_layout = check_layout
    validate._check_chunk = check_chunk
    validate._load_named = load_named
    validate.read_subject = read
    validate._read_chunk = read_chunk
    print("parent", os.getpid(), flush=True)
    validate.validate_paths(sys.argv[1:], jobs=2)
""")


def test_the_workers_inherit_the_layout_and_pandera_backends_loaded_once(inputs):
    """In a fresh process the early reader names the bundled layout of its first
    workbook; this process loads it, and registers pandera's backends, before it
    forks the workers: they inherit both, and neither checks the layout again
    nor imports a backend at its first file."""
    done = subprocess.run([sys.executable, "-c", WARM, *map(str, inputs)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    parent = lines[0].split()[1]
    assert "named tokorozawa" in lines
    checked = {line.split()[-1] for line in lines if line.startswith("layout checked in")}
    workers = [line.split()[1] for line in lines if line.startswith("worker")]
    assert workers and all(line.endswith("imported []") for line in lines
                           if line.startswith("worker")), done.stdout
    assert parent in checked and not checked & set(workers), done.stdout


# A process killed while it holds the lock of the count of items taken (the
# kernel's OOM killer, say, in the moment it takes one) holds it for ever.
DIES_HOLDING_THE_COUNT = textwrap.dedent("""
    import os, sys, tempfile, time
    from sheetkit import workers
    mark = os.path.join(tempfile.mkdtemp(), "died")
    real_take = workers._take
    def take(counter, total, *rest):
        index = real_take(counter, total, *rest)
        if index == 1 and not os.path.exists(mark):   # once, with the lock held
            open(mark, "w").close()
            counter.get_lock().acquire()
            os._exit(1)
        return index
    workers._take = take
    def work(items):
        return [item * 10 for item in items]
    if sys.argv[1] == "ahead":
        ahead = workers.Ahead(work, list(range(5)))
        time.sleep(0.5)
        print(ahead.stop(), ahead.results(), flush=True)
    else:
        done = {}
        for indices, results in workers.map_fenced(work, list(range(6)), 2, 2):
            done.update(zip(indices, results))
        print(sorted(done.values()), flush=True)
""")


@pytest.mark.parametrize(("how", "printed"), [("ahead", "2 [0, 10]"),
                                               ("workers", "[0, 10, 20, 30, 40, 50]")])
def test_a_process_that_dies_holding_the_count_costs_only_its_items(how, printed):
    """The parent reads the count without the lock once the process is gone:
    it neither waits for ever nor loses an item."""
    done = subprocess.run([sys.executable, "-c", DIES_HOLDING_THE_COUNT, how],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == printed


# An early reader glanced at: whether files are left for it while it reads, none
# once it has taken the last, none once it is stopped.
TAKING = textwrap.dedent("""
    import time
    from sheetkit import workers
    def slow(items):
        out = []
        for item in items:
            out.append(item)
            time.sleep(0.05)
        return out
    def waited(ahead):
        deadline = time.monotonic() + 20
        while ahead.taking() and time.monotonic() < deadline:
            time.sleep(0.005)
        return ahead.taking()
    ahead = workers.Ahead(slow, list(range(1000)))
    print(ahead.taking(), ahead.stop(), ahead.taking(), flush=True)
    ahead.results()
    ahead.close()
    ahead = workers.Ahead(list, list(range(3)))
    print(waited(ahead), ahead.stop(), ahead.results(), flush=True)
    ahead.close()
""")


def test_an_early_reader_says_whether_items_are_left_for_it():
    done = subprocess.run([sys.executable, "-c", TAKING], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    taking, taken, after = first.split()
    assert taking == "True" and int(taken) < 1000 and after == "False", done.stdout
    assert second == "False 3 [0, 1, 2]", done.stdout


def test_the_workers_set_up_is_skipped_when_the_early_reader_took_every_file(
        inputs, monkeypatch):
    """Where the early reader has taken every file (a few files) by the time
    pandas and pandera are imported, no worker is forked: nothing is set up for them."""
    monkeypatch.setattr(validation, "_slow_start", lambda: True)
    set_up: list[int] = []
    monkeypatch.setattr(validation, "_first_uses", lambda: set_up.append(1))
    made: list[workers.Ahead] = []

    class _Made(workers.Ahead):
        def __init__(self, work, items) -> None:  # type: ignore[no-untyped-def]
            super().__init__(work, items)
            made.append(self)

    real = validation._load_named

    def load_named(named):  # type: ignore[no-untyped-def]
        while made[0].taking() and made[0]._process.is_alive():      # the import: slow
            time.sleep(0.005)
        real(named)

    monkeypatch.setattr(workers, "Ahead", _Made)
    monkeypatch.setattr(validation, "_load_named", load_named)
    few = inputs[:2]
    report, _ = validation.validate_paths(few, jobs=2, documents=False)
    assert [f.path for f in report.files] == [str(p) for p in few] and set_up == []


# The early reader runs no collection of its own: the process ends once it has
# answered (validate's reading still collects the young objects where they are many).
NO_COLLECTION = textwrap.dedent("""
    import gc, time
    from sheetkit import workers
    def work(items):
        return [(item, gc.isenabled()) for item in items]
    ahead = workers.Ahead(work, [1, 2])
    while ahead.taking():
        time.sleep(0.005)
    print(gc.isenabled(), ahead.stop(), ahead.results(), flush=True)
    ahead.close()
""")


def test_the_early_reader_leaves_collections_to_its_work():
    done = subprocess.run([sys.executable, "-c", NO_COLLECTION], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True 2 [(1, False), (2, False)]", done.stdout
