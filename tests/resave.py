"""Workbooks opened and saved again in LibreOffice Calc, as a department using it returns them."""

import os
import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def resave_with_libreoffice(files: list[Path], workdir: Path) -> list[Path]:
    """Open and save each file with LibreOffice Calc (own profile, own output folder)."""
    outdir = workdir / "resaved"
    outdir.mkdir()
    profile = workdir / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir),
                    *map(str, files)], check=True, capture_output=True, timeout=240,
                   env=os.environ | {"HOME": str(workdir)})
    results = [outdir / f.name for f in files]
    missing = [p.name for p in results if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"   # it exits 0 on failure
    return results
