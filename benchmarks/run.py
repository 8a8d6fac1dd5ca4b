"""Benchmark sheetkit against bare readers and a plain xlsxwriter script.

    python benchmarks/run.py [--n 300] [--repeat 3] [--update-readme]

Makes N returned templates (filled the way departments fill them, some with
errors), then measures each pair alternately (A, B, A, B, …) in this one run
and reports medians and their ratios, so that a busy machine affects both
sides alike.  Writes benchmarks/results/latest.json and latest.md.  Timing is
never asserted by tests: this script only reports."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))          # the 'department' that fills templates
sys.path.insert(0, str(Path(__file__).resolve().parent))

from filling import many_returns
from replay import record

from sheetkit.api import make_templates
from sheetkit.loader import load_document

PY = sys.executable
CALAMINE = ("import sys, python_calamine as pc\n"
            "for p in sys.argv[1:]:\n"
            "    wb = pc.CalamineWorkbook.from_path(p)\n"
            "    [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names]\n")
OPENPYXL = ("import sys, openpyxl\n"
            "for p in sys.argv[2:]:\n"
            "    wb = openpyxl.load_workbook(p, read_only=sys.argv[1] == 'ro')\n"
            "    [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]\n")


def make_returns(folder: Path, n: int) -> tuple[Path, list[Path]]:
    """A base of n sections and n filled returns of its templates (every 7th with errors)."""
    example = load_document(ROOT / "examples" / "tokorozawa-ch1.yaml")
    base, paths, _ = many_returns(folder, example, n, broken_every=7)
    return base, paths


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak memory (bytes) of one command in its own process.
    Only sheetkit validate and merge may exit 1 (they found problems)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    allowed = (0, 1) if command[1:4] in (["-m", "sheetkit", "validate"],
                                         ["-m", "sheetkit", "merge"]) else (0,)
    if os.waitstatus_to_exitcode(status) not in allowed:
        raise RuntimeError(f"{' '.join(command[:4])} failed with exit status "
                           f"{os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss * 1024


def alternate(a: list[str], b: list[str], repeat: int, cwd: Path,
              before=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median seconds of A and of B, measured A, B, A, B, …"""
    times_a, times_b = [], []
    for _ in range(repeat):
        for command, times in ((a, times_a), (b, times_b)):
            if before:
                before()
            times.append(timed(command, cwd)[0])
    return statistics.median(times_a), statistics.median(times_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="also write profile.txt: where validate spends its time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sheetkit-bench-"))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        results = run(work, args.n, args.repeat)
        if args.profile:
            (args.out / "profile.txt").write_text(profile(work / "returns"), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
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


def run(work: Path, n: int, repeat: int) -> dict:  # type: ignore[type-arg]
    sheetkit = [PY, "-m", "sheetkit"]
    base, paths = make_returns(work, n)
    files = [str(p) for p in paths]
    jobs = str(len(os.sched_getaffinity(0)))
    validate = [*sheetkit, "validate", *files, "--format", "json", "--jobs", jobs]
    calamine = [PY, "-c", CALAMINE, *files]
    rows = []

    def row(name: str, a: float, b: float, target: str, ok: bool, note: str = "") -> None:
        rows.append({"measure": name, "a": a, "b": b, "ratio": a / b if b else None,
                     "target": target, "met": ok, "note": note})

    v, c = alternate(validate, calamine, repeat, work)
    row(f"validate {n} files ÷ bare calamine read", v, c, "≤ 3×", v / c <= 3)
    od, v2 = alternate([PY, "-c", OPENPYXL, "default", *files], validate, repeat, work)
    row(f"openpyxl default load ÷ validate ({n} files)", od, v2, "≥ 20×", od / v2 >= 20)
    ro, c2 = alternate([PY, "-c", OPENPYXL, "ro", *files], calamine, repeat, work)
    row(f"openpyxl read_only load ÷ bare calamine read ({n} files)", ro, c2, "—", True,
        "for reference")
    out = work / "merged.xlsx"
    merge = [*sheetkit, "merge", *files, "--base", str(base), "-o", str(out), "--force",
             "--jobs", jobs]
    timed([*merge, "--data", str(work / "merged.yaml")], work)   # the document to write again
    generate = [*sheetkit, "generate", str(work / "merged.yaml"), "-o",
                str(work / "again.xlsx"), "--force"]
    m, g = alternate(merge, generate, repeat, work)
    _, c3 = alternate(calamine, calamine, 1, work)
    row(f"merge {n} files − one summary write, ÷ bare calamine read", m - g, c3, "≤ 4×",
        (m - g) / c3 <= 4, f"merge {m:.2f} s, summary write {g:.2f} s")
    v1, vj = alternate([*sheetkit, "validate", *files, "--jobs", "1"],
                       [*sheetkit, "validate", *files, "--jobs", jobs], repeat, work)
    row(f"validate --jobs 1 ÷ --jobs {jobs}", v1, vj, "≥ 1.6×", v1 / vj >= 1.6)
    books = record(lambda: make_templates(base, work / "recorded", force=True))
    recorded = work / "recorded.json"
    recorded.write_text(json.dumps(books, ensure_ascii=False), encoding="utf-8")
    t, p = alternate([*sheetkit, "template", str(base), "-o", str(work / "t"), "--force"],
                     [PY, str(Path(__file__).resolve().parent / "replay.py"), str(recorded),
                      str(work / "plain")], repeat, work)
    row(f"sheetkit template ({n} sections) ÷ plain xlsxwriter script", t, p, "≤ 1.3×",
        t / p <= 1.3)
    many = work / "many"
    many.mkdir()
    for copy in range(4):
        for path in paths:
            shutil.copy(path, many / f"{copy}-{path.name}")
    mem_n = timed([*sheetkit, "validate", *files, "--jobs", "1"], work)[1]
    mem_4n = timed([*sheetkit, "validate", *map(str, sorted(many.iterdir())), "--jobs", "1"],
                   work)[1]
    row(f"peak memory of validate: {4 * n} ÷ {n} files", mem_4n / 2**20, mem_n / 2**20,
        "≤ 1.2×", mem_4n / mem_n <= 1.2, "MiB")
    times_help, times_click = [], []
    for _ in range(max(repeat, 5)):
        times_help.append(timed([*sheetkit, "--help"], work)[0])
        times_click.append(timed([PY, "-c", "import click"], work)[0])
    h, k = statistics.median(times_help), statistics.median(times_click)
    row("sheetkit --help ÷ python -c 'import click'", h, k, "≤ 2×", h / k <= 2)
    return {"n": n, "repeat": repeat, "machine": f"{platform.machine()}, "
            f"{len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}",
            "date": time.strftime("%Y-%m-%d"), "rows": rows}


def profile(folder: Path) -> str:
    """cProfile of validate over the returns, in one process (--jobs 1)."""
    import cProfile
    import io
    import pstats

    from sheetkit.validate import validate_paths
    files = sorted(folder.iterdir())
    started = time.perf_counter()
    import pandera.pandas  # noqa: F401  (import cost shown apart from the run)
    imported = time.perf_counter() - started
    profiler = cProfile.Profile()
    profiler.enable()
    validate_paths(files, jobs=1)
    profiler.disable()
    out = io.StringIO()
    out.write(f"import of pandas + pandera: {imported:.2f} s\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"sheetkit|pandera/api/pandas/container", 30)
    return out.getvalue()


def markdown(results: dict) -> str:  # type: ignore[type-arg]
    lines = [(f"N = {results['n']}, medians of {results['repeat']} alternating runs, "
              f"{results['machine']}, {results['date']}"), "",
             "| measure | A | B | A ÷ B | target | met |", "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        unit = " MiB" if r["note"] == "MiB" else " s"
        note = f" ({r['note']})" if r["note"] and r["note"] != "MiB" else ""
        lines.append(f"| {r['measure']}{note} | {r['a']:.2f}{unit} | {r['b']:.2f}{unit} | "
                     f"{r['ratio']:.2f} | {r['target']} | {'yes' if r['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
