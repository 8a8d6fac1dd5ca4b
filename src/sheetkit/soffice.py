"""LibreOffice headless as the PDF printer: each run its own profile and output
folder and a time limit, and every PDF checked afterwards, because soffice exits
0 when a conversion fails."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sheetkit.problems import Location, Problem, SheetkitError

DEFAULT_TIMEOUT = 300          # seconds for one run of soffice
PDFINFO_TIMEOUT = 30


def find_soffice() -> str:
    """The soffice program, or a problem with the install hint: 'soffice-missing', or
    'poppler-missing' when pdfinfo (to count a PDF's pages) is not there."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise SheetkitError([Problem("soffice-missing", Location())])
    if shutil.which("pdfinfo") is None:
        raise SheetkitError([Problem("poppler-missing", Location())])
    return found


def convert_to_pdf(soffice: str, books: Sequence[Path], workdir: Path,
                   timeout: float = DEFAULT_TIMEOUT) -> dict[Path, Path]:
    """PDFs of ``books`` in ``workdir/pdf``; the whole process group is killed on timeout."""
    outdir, profile = workdir / "pdf", workdir / "profile"
    outdir.mkdir()
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, books)]
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env=os.environ | {"HOME": str(workdir)})
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise SheetkitError([Problem("conversion-timeout", Location(str(books[0])),
                                     {"seconds": str(int(timeout))})]) from None
    pdfs = {book: outdir / (book.stem + ".pdf") for book in books}
    missing = [book for book, pdf in pdfs.items() if not pdf.is_file()]
    if missing:
        detail = output.decode("utf-8", "replace").strip().splitlines()
        raise SheetkitError([Problem("conversion-failed", Location(str(book)), {
            "detail": (detail[-1] if detail else f"exit status {proc.returncode}")[:300]})
            for book in missing])
    return pdfs


def page_count(pdf: Path) -> int:
    """Pages of a PDF, by poppler's pdfinfo; 0 when it cannot be read."""
    try:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                              timeout=PDFINFO_TIMEOUT, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return int(match[1]) if match else 0


def check_pages(pdf: Path, expected: int) -> None:
    """A PDF must have exactly the pages its workbook's print setup plans."""
    found = page_count(pdf)
    if found != expected:
        raise SheetkitError([Problem("page-count-mismatch", Location(str(pdf)),
                                     {"found": str(found), "expected": str(expected)})])
