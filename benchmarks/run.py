"""Benchmark sheetkit against bare readers and a plain xlsxwriter script.

    python benchmarks/run.py [--n 100 300 1200 3000] [--repeat 3] [--reference 300]
                             [--update-readme] [--profile]

Makes returned templates (filled the way departments fill them, every 7th
with an error), then, for each N, runs validate --jobs 1, validate --jobs 2
and a bare python-calamine read on one core and on as many cores (the same
chunks over a process pool) in turn, A, B, C, D, A, …, and takes medians, so
that a busy machine affects all alike.  Fixed and per-file costs come from a
least-squares line through the medians over all N.  Peak memory is the
largest summed RSS of the measured command's whole process tree (the command
and its workers), sampled from /proc in runs of their own.  The first
performance step's comparisons (openpyxl, merge, template, --help) run at the
reference N.  Writes benchmarks/results/latest.json and latest.md.  Timing is
never asserted by tests: this script only reports."""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import pyexpat
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))          # the 'department' that fills templates
sys.path.insert(0, str(Path(__file__).resolve().parent))

from filling import many_returns
from isolated import MIB, Isolated
from replay import record

from sheetkit.api import make_templates
from sheetkit.loader import load_document
from sheetkit.validate import CHUNK

PY = sys.executable
CORES = len(os.sched_getaffinity(0))
CALAMINE = ("import sys, python_calamine as pc\n"
            "for p in sys.argv[1:]:\n"
            "    wb = pc.CalamineWorkbook.from_path(p)\n"
            "    [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]\n")
# The same read over a process pool, in the chunks validate uses: the fair
# comparison for validate --jobs N.
CALAMINE_POOL = ("import sys\n"
                 "from concurrent.futures import ProcessPoolExecutor\n"
                 "import python_calamine as pc\n"
                 "def read(paths):\n"
                 "    for p in paths:\n"
                 "        wb = pc.CalamineWorkbook.from_path(p)\n"
                 "        [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]\n"
                 "    return len(paths)\n"
                 "jobs, chunk, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]\n"
                 "count = jobs * -(-len(files) // (jobs * chunk))\n"
                 "size = max(1, -(-len(files) // count))\n"
                 "chunks = [files[i:i + size] for i in range(0, len(files), size)]\n"
                 "with ProcessPoolExecutor(jobs) as pool:\n"
                 "    sum(pool.map(read, chunks))\n")
OPENPYXL = ("import sys, openpyxl\n"
            "for p in sys.argv[2:]:\n"
            "    wb = openpyxl.load_workbook(p, read_only=sys.argv[1] == 'ro')\n"
            "    [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]\n")
TARGETS = {"per_file": 3.0, "fixed": 0.40, "jobs_vs_calamine": 3.5, "memory": 1.1,
           "speedup": 1.7}


def make_returns(folder: Path, total: int, distinct: int) -> tuple[Path, list[Path]]:
    """A base document, ``distinct`` filled returns of its templates (every 7th
    with an error), and copies of them up to ``total`` files: the first
    ``distinct`` files are the distinct returns."""
    example = load_document(ROOT / "examples" / "tokorozawa-ch1.yaml")
    base, paths, _ = many_returns(folder, example, min(total, distinct), broken_every=7)
    copies = folder / "copies"
    copies.mkdir()
    for number in range(len(paths), total):
        source = paths[number % len(paths)]
        target = copies / f"{number // len(paths)}-{source.name}"
        shutil.copy(source, target)
        paths.append(target)
    return base, paths


def _allowed(command: list[str]) -> tuple[int, ...]:
    """Exit statuses that mean success: validate and merge exit 1 on findings,
    generate when the merged document holds values it reports."""
    return (0, 1) if command[1:4] in (["-m", "sheetkit", "validate"],
                                      ["-m", "sheetkit", "merge"],
                                      ["-m", "sheetkit", "generate"]) else (0,)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, with the workers it
    waited for) of one command in its own process, nothing sampled meanwhile.
    On a busy machine the wall time also holds the time spent waiting for a
    core; the CPU time does not."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in _allowed(command):
        raise RuntimeError(f"{' '.join(command[:4])} failed with exit status {code}")
    return elapsed, usage.ru_utime + usage.ru_stime


def peak_memory(command: list[str], cwd: Path) -> int:
    """Peak bytes of the summed RSS of the command and all its workers."""
    run = Isolated([], cwd, memory=None, program=command).finish(timeout=3600)
    if run.status not in _allowed(command):
        raise RuntimeError(f"{' '.join(command[:4])} failed with exit status {run.status}")
    return run.peak


def alternate(commands: list[list[str]], repeat: int, cwd: Path,
              cpu: list[float] | None = None) -> list[float]:
    """Median wall seconds of each command, measured in turn: A, B, C, A, B, C, …
    (and their median CPU seconds appended to ``cpu``)."""
    times: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, found in zip(commands, times):
            found.append(timed(command, cwd))
    if cpu is not None:
        cpu.extend(statistics.median(c for _, c in t) for t in times)
    return [statistics.median(w for w, _ in t) for t in times]


def plain_comparison(ours: list[str], replay: list[str], repeat: int, cwd: Path
                     ) -> tuple[float, float, float]:
    """Median wall seconds of ``ours``, and of what a plain xlsxwriter script
    writing the same workbooks takes, in two parts measured in turn with it:
    Python starting and importing xlsxwriter, and the seconds the replay
    spends in xlsxwriter's calls (it prints them), without the decoding of
    its recording, which a script written out by hand would not do."""
    start_up = [PY, "-c", "import xlsxwriter"]
    walls: list[float] = []
    starts: list[float] = []
    spent: list[float] = []
    for _ in range(repeat):
        walls.append(timed(ours, cwd)[0])
        starts.append(timed(start_up, cwd)[0])
        done = subprocess.run(replay, cwd=cwd, check=True, capture_output=True, text=True)
        spent.append(float(done.stdout.split()[-1]))
    return statistics.median(walls), statistics.median(starts), statistics.median(spent)


def libraries() -> str:
    """The versions of the libraries validate's cost depends on, so that a
    table is compared with one made on the same ones: the same code's fixed
    cost was 0.41 s in one session's run and 0.32 s in the next, on a fresh
    install (which of the machine and the libraries moved it is not known)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("pandas", "numpy", "pandera", "python-calamine", "openpyxl", "click"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def fit(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Least-squares line seconds = fixed + per_file × N; None with fewer than 2 sizes."""
    if len({n for n, _ in points}) < 2:
        return None
    mean_n = statistics.fmean(n for n, _ in points)
    mean_t = statistics.fmean(t for _, t in points)
    slope = sum((n - mean_n) * (t - mean_t) for n, t in points) / \
        sum((n - mean_n) ** 2 for n, _ in points)
    return mean_t - slope * mean_n, slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 300, 1200, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference", type=int, default=None,
                        help="N for the first step's comparisons (default: the smallest N)")
    parser.add_argument("--distinct", type=int, default=300,
                        help="distinct returns to make; larger N repeat them as copies")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="also time each stage of validate in one process (profile.txt)")
    args = parser.parse_args()
    sizes = sorted(set(args.n))
    reference = args.reference or sizes[0]
    compiled()
    work = Path(tempfile.mkdtemp(prefix="sheetkit-bench-"))
    args.out.mkdir(parents=True, exist_ok=True)
    load = [os.getloadavg()[0]]
    try:
        base, paths = make_returns(work, max(sizes), args.distinct)
        results = run(work, base, paths, sizes, args.repeat, reference, load)
        if args.profile:
            # the distinct returns only: a copy could meet what its original left in a
            # memo (none is keyed by a return's content; this keeps the table honest anyway)
            results["stages"] = stages(paths[:min(len(paths), args.distinct)])
            (args.out / "profile.txt").write_text(profile_text(results["stages"]),
                                                  encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load.append(os.getloadavg()[0])
    results["load"] = [min(load), max(load)]
    (args.out / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2)
                                          + "\n", encoding="utf-8")
    table = markdown(results)
    (args.out / "latest.md").write_text(table, encoding="utf-8")
    print(table)
    if args.update_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        readme.write_text(f"{head}{start}\n{table}{end}{tail}", encoding="utf-8")


def compiled() -> None:
    """sheetkit's byte code, compiled as ``pip install`` compiles it, so that no
    run measures compiling sheetkit's modules from source (about 50 ms).  An
    editable install writes it at the first run, unless PYTHONDONTWRITEBYTECODE
    is set, as it is on some machines (and was, unnoticed, in earlier runs)."""
    import compileall

    import sheetkit

    compileall.compile_dir(str(Path(sheetkit.__file__).parent), quiet=1)


def run(work: Path, base: Path, paths: list[Path], sizes: list[int], repeat: int,
        reference: int, load: list[float]) -> dict[str, Any]:
    sheetkit = [PY, "-m", "sheetkit"]
    rows = []
    for n in sizes:
        files = [str(p) for p in paths[:n]]
        validate = [*sheetkit, "validate", *files, "--format", "json", "--jobs"]
        commands = [[*validate, "1"], [PY, "-c", CALAMINE, *files]]
        if CORES > 1:
            commands += [[*validate, str(CORES)],
                         [PY, "-c", CALAMINE_POOL, str(CORES), str(CHUNK), *files]]
        cpu: list[float] = []
        medians = alternate(commands, repeat, work, cpu) + [0.0] * (4 - len(commands))
        load.append(os.getloadavg()[0])
        rows.append({"n": n, "validate_1": medians[0], "calamine_1": medians[1],
                     "validate_1_cpu": cpu[0], "calamine_1_cpu": cpu[1],
                     "validate_jobs": medians[2], "calamine_jobs": medians[3],
                     "rss_1": peak_memory(commands[0], work) / MIB,
                     "rss_jobs": peak_memory(commands[2], work) / MIB if CORES > 1 else None})
    results: dict[str, Any] = {
        "sizes": sizes, "repeat": repeat, "cores": CORES, "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {CORES} cores, Python {platform.python_version()}",
        "libraries": libraries(), "rows": rows, "fit": {}, "targets": [], "first_step": []}
    for name in ("validate_1", "calamine_1", "validate_1_cpu", "calamine_1_cpu"):
        line = fit([(r["n"], r[name]) for r in rows])
        results["fit"][name] = None if line is None else {"fixed": line[0], "per_file": line[1]}
    results["targets"] = targets(results)
    results["first_step"] = first_step(work, base, paths[:reference], repeat)
    return results


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the second performance step, measured in this run."""
    rows = {r["n"]: r for r in results["rows"]}
    largest = max(rows)
    found = []

    def target(name: str, value: float | None, goal: str, met: bool | None) -> None:
        found.append({"target": name, "value": value, "goal": goal, "met": met})

    v1, c1 = results["fit"]["validate_1"], results["fit"]["calamine_1"]
    if v1 and c1:
        target(f"per-file cost of validate --jobs 1 ({v1['per_file'] * 1000:.2f} ms) ÷ bare "
               f"calamine's ({c1['per_file'] * 1000:.2f} ms)",
               v1["per_file"] / c1["per_file"], f"≤ {TARGETS['per_file']}×",
               v1["per_file"] / c1["per_file"] <= TARGETS["per_file"])
        target("fixed start-up cost of validate (s)", v1["fixed"],
               f"≤ {TARGETS['fixed']:.2f} s", v1["fixed"] <= TARGETS["fixed"])
    v1, c1 = results["fit"]["validate_1_cpu"], results["fit"]["calamine_1_cpu"]
    if v1 and c1:
        target("the same per-file ratio in CPU time (not waiting for a busy core)",
               v1["per_file"] / c1["per_file"], "for reference", None)
        target("the same fixed cost in CPU time (s)", v1["fixed"], "for reference", None)
    cores = results["cores"]
    if cores > 1:
        top = rows[largest]
        ratio = top["validate_jobs"] / top["calamine_jobs"]
        target(f"validate --jobs {cores} ÷ bare calamine on {cores} cores, N = {largest}",
               ratio, f"≤ {TARGETS['jobs_vs_calamine']}×", ratio <= TARGETS["jobs_vs_calamine"])
    small, big = (300, 1200) if {300, 1200} <= rows.keys() else (min(rows), largest)
    if big != small:
        key = "rss_jobs" if cores > 1 else "rss_1"
        ratio = rows[big][key] / rows[small][key]
        target(f"peak RSS of the process tree (validate --jobs {cores if cores > 1 else 1}), "
               f"{big} ÷ {small} files", ratio, f"≤ {TARGETS['memory']}×",
               ratio <= TARGETS["memory"])
    if cores > 1:
        at = 1200 if 1200 in rows else largest
        speedup = rows[at]["validate_1"] / rows[at]["validate_jobs"]
        target(f"validate --jobs 1 ÷ --jobs {cores}, N = {at}", speedup,
               f"≥ {TARGETS['speedup']}×", speedup >= TARGETS["speedup"])
    return found


def first_step(work: Path, base: Path, paths: list[Path], repeat: int) -> list[dict[str, Any]]:
    """The first performance step's comparisons, at one N."""
    sheetkit = [PY, "-m", "sheetkit"]
    files = [str(p) for p in paths]
    n = len(files)
    jobs = str(CORES)
    found = []

    def row(name: str, a: float, b: float, goal: str, met: bool, note: str = "") -> None:
        found.append({"measure": name, "a": a, "b": b, "ratio": a / b, "goal": goal,
                      "met": met, "note": note})

    validate = [*sheetkit, "validate", *files, "--format", "json", "--jobs", jobs]
    od, v = alternate([[PY, "-c", OPENPYXL, "default", *files], validate], repeat, work)
    row(f"openpyxl default load ÷ validate --jobs {jobs} ({n} files)", od, v, "≥ 20×",
        od / v >= 20)
    merged = work / "merged.xlsx"
    merge = [*sheetkit, "merge", *files, "--base", str(base), "-o", str(merged), "--force",
             "--jobs", jobs]
    timed([*merge, "--data", str(work / "merged.yaml")], work)   # the document to write again
    generate = [*sheetkit, "generate", str(work / "merged.yaml"), "-o",
                str(work / "again.xlsx"), "--force"]
    calamine = [PY, "-c", CALAMINE, *files]
    m, g, c = alternate([merge, generate, calamine], repeat, work)
    row(f"merge {n} files − one summary write, ÷ bare calamine read", m - g, c, "≤ 4×",
        (m - g) / c <= 4, f"merge {m:.2f} s, summary write {g:.2f} s")
    books = record(lambda: make_templates(base, work / "recorded", force=True))
    recorded = work / "recorded.json"
    recorded.write_text(json.dumps(books, ensure_ascii=False), encoding="utf-8")
    t, start, spent = plain_comparison(
        [*sheetkit, "template", str(base), "-o", str(work / "t"), "--force"],
        [PY, str(Path(__file__).resolve().parent / "replay.py"), str(recorded),
         str(work / "plain")], repeat, work)
    p = start + spent
    row(f"sheetkit template ({len(books)} sections) ÷ plain xlsxwriter script", t, p, "≤ 1.3×",
        t / p <= 1.3, f"plain: Python with xlsxwriter imported {start:.2f} s + its calls "
                      f"{spent:.2f} s")
    h, k = alternate([[*sheetkit, "--help"], [PY, "-c", "import click"]], max(repeat, 5), work)
    row("sheetkit --help ÷ python -c 'import click'", h, k, "≤ 2×", h / k <= 2)
    return found


def stages(files: list[Path]) -> dict[str, float]:
    """Milliseconds per file of each stage of validate, in one process with
    imports done: CPU time, best of 3 (not a profiler, which inflates them)."""
    import python_calamine

    from sheetkit.grid import read_book
    from sheetkit.guard import inspect
    from sheetkit.reader import extract
    from sheetkit.subjects import read_subject
    from sheetkit.validate import prepare, validate_subjects

    prepare()                    # as validate does: schemas loaded, the imports frozen

    def clock(action) -> float:  # type: ignore[no-untyped-def]
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            action()
            best = min(best, time.process_time() - started)
        return best * 1000 / len(files)

    def calamine() -> None:
        for path in files:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]

    def inflate() -> list[list[tuple[str, bytes]]]:
        """Every part of every file inflated with zlib (zipfile only for the
        directory), as the guard must at the least: a sheet every time, a
        part outside xl/worksheets/ that a template's returns share once."""
        books, shared = [], {}
        for path in files:
            data = path.read_bytes()
            with zipfile.ZipFile(path) as archive:
                parts = []
                for info in archive.infolist():
                    name, extra = struct.unpack_from("<HH", data, info.header_offset + 26)
                    start = info.header_offset + 30 + name + extra
                    raw = data[start:start + info.compress_size]
                    sheet = info.filename.startswith("xl/worksheets/")
                    part = None if sheet else shared.get(raw)
                    if part is None:
                        part = zlib.decompress(raw, -15) if info.compress_type else raw
                        if not sheet:
                            shared[raw] = part
                    parts.append((info.filename, part))
                books.append(parts)
        return books

    inflated = inflate()

    def strict_parse() -> None:
        """A handler-less expat parse of every XML part (a sheet every time, a
        shared part once): what the guard did before it proved a sheetData
        well-formed by its grammar (sheet_grammar); it now parses the rest of
        a sheet only, and a template's tail once a run.  Kept for comparison."""
        seen: set[bytes] = set()
        for parts in inflated:
            for name, part in parts:
                if not part.startswith(b"<"):
                    continue
                if not name.startswith("xl/worksheets/"):
                    if part in seen:
                        continue
                    seen.add(part)
                pyexpat.ParserCreate().Parse(part, True)

    subjects = [read_subject(p) for p in files]
    # validate keeps no file's document past its chunk; the ones kept here for
    # the checks stage would otherwise be walked by every full collection in
    # the stages timed below, and inflate whichever stage allocates then
    gc.collect()
    gc.freeze()
    guard = clock(lambda: [inspect(p) for p in files])
    book = clock(lambda: [read_book(p) for p in files])
    extracted = clock(lambda: [extract(p) for p in files])
    subject = clock(lambda: [read_subject(p) for p in files])
    checks = clock(lambda: [validate_subjects(subjects[i:i + CHUNK])
                            for i in range(0, len(subjects), CHUNK)])
    bare = clock(calamine)
    unzip, parse = clock(inflate), clock(strict_parse)
    return {"files": len(files), "bare calamine read": bare,
            "guard (unzip once, XML checks, limits)": guard,
            "open the sheets (values read when first used)": book - guard,
            "document (values of the sheets used, formulas, formats, model)":
                extracted - book,
            "subject (sources, identity)": subject - extracted,
            "checks (frames, pandera, findings)": checks,
            "total": subject + checks,
            "floor: inflate the parts (zlib; shared ones once)": unzip,
            "floor: inflate + the bare calamine read": unzip + bare,
            "for comparison: a whole strict XML parse (expat; shared parts once)": parse}


def profile_text(found: dict[str, float]) -> str:
    lines = [f"validate, stage by stage, {found['files']} distinct files, one process, imports done "
             "(CPU time, best of 3, ms per file)"]
    lines += [f"  {name:72s} {value:6.3f}" for name, value in found.items() if name != "files"]
    return "\n".join(lines) + "\n"


def _seconds(value: float) -> str:
    return f"{value:.2f} s"


def markdown(results: dict[str, Any]) -> str:
    cores = results["cores"]
    load = results.get("load", [0, 0])
    lines = [f"{results['machine']}, {results['date']}; medians of {results['repeat']} "
             f"alternating runs; load average {load[0]:.1f}–{load[1]:.1f} during the run", "",
             f"Libraries: {results['libraries']}", "",
             f"| N | validate --jobs 1 | validate --jobs {cores} | calamine, 1 core | "
             f"calamine, {cores} cores | jobs 1 ÷ calamine 1 core | "
             f"jobs {cores} ÷ calamine {cores} cores | jobs 1 ÷ jobs {cores} | "
             f"peak RSS, jobs 1 | peak RSS, jobs {cores} (all processes) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["rows"]:
        jobs = cores > 1

        def ratio(a: str, b: str, r: dict[str, Any] = r) -> str:
            return f"{r[a] / r[b]:.2f}"
        lines.append(" | ".join([
            f"| {r['n']}", _seconds(r["validate_1"]),
            _seconds(r["validate_jobs"]) if jobs else "—", _seconds(r["calamine_1"]),
            _seconds(r["calamine_jobs"]) if jobs else "—", ratio("validate_1", "calamine_1"),
            ratio("validate_jobs", "calamine_jobs") if jobs else "—",
            ratio("validate_1", "validate_jobs") if jobs else "—",
            f"{r['rss_1']:.0f} MiB", f"{r['rss_jobs']:.0f} MiB |" if jobs else "— |"]))
    fits = results["fit"]
    for clock, suffix in (("wall", ""), ("CPU", "_cpu")):
        v1, c1 = fits[f"validate_1{suffix}"], fits[f"calamine_1{suffix}"]
        if v1 and c1:
            lines += ["", f"Least-squares fit over all N of the {clock} time, seconds = fixed + "
                      f"per file × N: validate --jobs 1 {v1['fixed']:.3f} s + "
                      f"{v1['per_file'] * 1000:.2f} ms × N; bare calamine {c1['fixed']:.3f} s + "
                      f"{c1['per_file'] * 1000:.2f} ms × N."]
    lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        value = f"{t['value']:.2f}"
        met = "—" if t["met"] is None else "yes" if t["met"] else "NO"
        lines.append(f"| {t['target']} | {value} | {t['goal']} | {met} |")
    if results["first_step"]:
        lines += ["", "The first step's comparisons:", "",
                  "| measure | A | B | A ÷ B | target | met |", "|---|---|---|---|---|---|"]
        for r in results["first_step"]:
            note = f" ({r['note']})" if r["note"] else ""
            lines.append(f"| {r['measure']}{note} | {r['a']:.2f} s | {r['b']:.2f} s | "
                         f"{r['ratio']:.2f} | {r['goal']} | {'yes' if r['met'] else 'NO'} |")
    if results.get("stages"):
        lines += ["", "```", profile_text(results["stages"]).rstrip(), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
