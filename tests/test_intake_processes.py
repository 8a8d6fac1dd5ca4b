"""Processes: a worker that dies costs only its own file; Ctrl-C says
中断しました and exits 130 with nothing left behind; killing sheetkit with
SIGKILL takes its workers with it."""

import os
import signal
import sys
import textwrap
import time
from collections.abc import Iterable

import pytest
from filling import many_returns
from isolated import DEATHS, Isolated, digests, dying_on

from sheetkit import validate as validation
from sheetkit.validate import validate_paths


@pytest.fixture(scope="module")
def forty(example_doc, tmp_path_factory):
    base, paths, _ = many_returns(tmp_path_factory.mktemp("forty"), example_doc, 40)
    return base, paths[0].parent


@pytest.fixture(scope="module")
def nine_good(example_doc, tmp_path_factory):
    base, paths, _ = many_returns(tmp_path_factory.mktemp("nine"), example_doc, 9, models=(0,))
    return base, paths


@pytest.mark.parametrize("death", DEATHS)
def test_a_worker_that_dies_costs_only_its_own_file(forty, monkeypatch, death):
    _, folder = forty
    paths = sorted(folder.iterdir())[:9]
    guilty = paths[6]
    dying_on(monkeypatch, validation, guilty, death)
    report, subjects = validate_paths(paths, jobs=2)
    assert [f.path for f in report.files] == [str(p) for p in paths]      # order kept
    for file, subject in zip(report.files, subjects):
        reasons = [f.params.get("reason") for f in file.findings if f.code == "unreadable-file"]
        if file.path == str(guilty):
            assert reasons == ["crashed"]
            assert "異常終了" in file.findings[0].message("ja")
        else:
            assert reasons == [] and subject.document is not None


WRAPPER = textwrap.dedent("""
    import os, sys
    from sheetkit import validate
    real = validate.read_subject
    def read(path, *args, **kwargs):
        if "die" in os.path.basename(str(path)):
            os.abort()
        return real(path, *args, **kwargs)
    validate.read_subject = read
    from sheetkit.cli import main
    sys.argv[0] = "sheetkit"
    main()
""")


def test_merge_goes_on_when_a_worker_aborts(nine_good, tmp_path):
    base, paths = nine_good
    returns = tmp_path / "returns"
    returns.mkdir()
    for path in paths[:8]:
        (returns / path.name).write_bytes(path.read_bytes())
    (returns / "zz_die.xlsx").write_bytes(paths[8].read_bytes())
    before = digests([returns, base])
    run = Isolated(["merge", returns, "--base", base, "-o", tmp_path / "out.xlsx",
                    "--jobs", "2"], tmp_path, program=(sys.executable, "-c", WRAPPER))
    outcome = run.finish(timeout=60)
    outcome.assert_clean()
    assert outcome.status == 1
    assert "zz_die.xlsx" in outcome.stdout and "異常終了" in outcome.stdout
    assert "9 節のうち 8 節を統合" in outcome.stdout
    assert digests([returns, base]) == before


# A reader starts before pandas and pandera are imported and reads files from the first
# (validate._in_processes), the two workers forked after the import read the rest.  Each
# file is made slower to read: so that forty of them outlast the import (the workers
# start), and so that a reader left behind would still be there after the test's wait.
SLOW = textwrap.dedent("""
    import sys, time
    from sheetkit import validate
    real = validate.read_subject
    def read(path, *args, **kwargs):
        time.sleep(0.3)
        return real(path, *args, **kwargs)
    validate.read_subject = read
    from sheetkit.cli import main
    sys.argv[0] = "sheetkit"
    main()
""")
STAGES = {"early reader": 2, "workers": 3}       # processes then: sheetkit and its readers


def _started(stage: str, args: list, cwd) -> Isolated:  # type: ignore[type-arg]
    """The command run until the processes of ``stage`` are there."""
    run = Isolated(args, cwd, program=(sys.executable, "-c", SLOW))
    run.wait_for(lambda: len(run.members()) >= STAGES[stage])
    return run


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("command", ["validate", "merge"])
def test_kill_9_of_sheetkit_takes_its_workers_with_it(forty, tmp_path, command, stage):
    base, folder = forty
    args = ["validate", folder, "--jobs", "2"] if command == "validate" else \
        ["merge", folder, "--base", base, "-o", tmp_path / "out.xlsx", "--jobs", "2"]
    run = _started(stage, args, tmp_path)
    os.kill(run.pid, signal.SIGKILL)
    run.process.wait()
    run.wait_for(lambda: run.members() == [], timeout=10)


@pytest.mark.parametrize("args, stage", [
    (["validate", "{folder}", "--jobs", "2"], "early reader"),
    (["validate", "{folder}", "--jobs", "2"], "workers"),
    (["merge", "{folder}", "--base", "{base}", "-o", "{out}/総括表.xlsx", "--jobs", "2"], "workers"),
    (["validate", "{folder}", "--jobs", "2", "--annotate", "{out}"], "workers"),
])
def test_ctrl_c_says_interrupted_exits_130_and_leaves_nothing(forty, tmp_path, args, stage):
    base, folder = forty
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(folder=folder, base=base, out=out) for a in args]
    run = _started(stage, args, tmp_path)
    run.send(signal.SIGINT)                   # to the whole group, as a terminal does
    outcome = run.finish(timeout=30)
    outcome.assert_no_traceback()
    assert outcome.status == 130, outcome.output
    assert "中断しました" in outcome.stderr
    assert outcome.leftovers == []
    assert list(out.iterdir()) == []          # no output, whole or partial, no temporary file


def test_ctrl_c_while_writing_templates(example_doc, tmp_path):
    from dataclasses import replace

    from sheetkit.serialize import to_yaml
    sections = tuple(replace(example_doc.sections[0], number=n, title=f"節{n}")
                     for n in range(1, 301))
    data = tmp_path / "big.yaml"
    data.write_text(to_yaml(replace(example_doc, sections=sections)), encoding="utf-8")
    out = tmp_path / "tpl"
    run = Isolated(["template", data, "-o", out, "--lang", "en"], tmp_path)
    run.wait_for(lambda: out.exists() and len(list(out.iterdir())) >= 3, timeout=60)
    run.send(signal.SIGINT)
    outcome = run.finish(timeout=30)
    outcome.assert_no_traceback()
    assert outcome.status == 130 and "Interrupted" in outcome.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


# Ctrl-C that lands while a package is being imported: Python forgets the package but
# keeps the submodules it had finished, and importing it again (the parse of the code
# registry's YAML that 中断しました needs, on a first run with no parse cache) failed
# on them with a traceback ("partially initialized module 'yaml'").  Here the Ctrl-C is
# sent from inside the import of yaml.tokens, after yaml.error was imported.
CUT_IMPORT = textwrap.dedent("""
    import os, signal, sys
    class CutShort:
        def find_spec(self, name, path=None, target=None):
            if name == "yaml.tokens":
                os.kill(os.getpid(), signal.SIGINT)
            return None
    sys.meta_path.insert(0, CutShort())
    from sheetkit.cli import main
    sys.argv[0] = "sheetkit"
    main()
""")


@pytest.mark.parametrize("lang, said", [("ja", "中断しました"), ("en", "Interrupted")])
def test_ctrl_c_in_the_middle_of_an_import_still_says_interrupted(forty, tmp_path, lang, said):
    _, folder = forty
    cold = tmp_path / "cache"                 # no parse kept: the registry's YAML is parsed
    run = Isolated(["validate", folder, "--lang", lang], tmp_path,
                   env={"SHEETKIT_CACHE_DIR": str(cold)}, program=(sys.executable, "-c", CUT_IMPORT))
    outcome = run.finish(timeout=60)
    outcome.assert_no_traceback()
    assert outcome.status == 130, outcome.output
    assert said in outcome.stderr
    assert outcome.leftovers == []


def _sleep(items: Iterable[float]) -> list[float]:
    slept = []
    for seconds in items:                       # taken one at a time
        time.sleep(seconds)
        slept.append(seconds)
    return slept


def test_a_stopped_map_leaves_no_process_or_thread_behind():
    """workers.map_fenced stopped midway (Ctrl-C, an error raised by its
    caller) kills its processes at once and leaves no thread running (a
    process pool's management thread, left running, once printed a traceback
    at exit after 中断しました: OSError: Bad file descriptor)."""
    import multiprocessing
    import threading

    from sheetkit import workers

    threads, children = threading.active_count(), multiprocessing.active_children()
    run = workers.map_fenced(_sleep, [0.01] + [30.0] * 4, 2, 1)
    assert next(run) == ([0], [0.01])              # the workers run, one sleeps
    members = [c for c in multiprocessing.active_children() if c not in children]
    assert len(members) == 2
    start = time.monotonic()
    run.close()
    assert time.monotonic() - start < 10
    assert not any(member.is_alive() for member in members)
    assert multiprocessing.active_children() == children
    assert threading.active_count() == threads
