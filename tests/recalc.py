"""Recalculate workbooks in LibreOffice, as a department's Calc would on opening them.

LibreOffice shows the cached results of an .xlsx without recalculating unless
told otherwise ("Recalculation on File Load" for Excel 2007 and newer, in
Tools ▸ Options ▸ LibreOffice Calc ▸ Formula).  Each run gets its own profile
with that option set to "Always recalculate" (OOXMLRecalcMode 0), then converts
xlsx → xlsx; the results are read back with openpyxl (data_only=True)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

SOFFICE = shutil.which("soffice")

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalculated(files: list[Path], workdir: Path, to: str = "xlsx") -> list[Path]:
    """Each file opened (and recalculated) in LibreOffice and saved as ``to`` in a
    folder of its own; a conversion that fails is an assertion error (soffice
    exits 0 when it fails)."""
    workdir.mkdir(parents=True, exist_ok=True)
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, "utf-8")
    outdir = workdir / f"recalculated-{to}"
    outdir.mkdir(exist_ok=True)
    filter_name = "xlsx:Calc MS Excel 2007 XML" if to == "xlsx" else to
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", filter_name, "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=300,
                   env=os.environ | {"HOME": str(workdir)})
    results = [outdir / f"{f.stem}.{to.split(':')[0]}" for f in files]
    missing = [p.name for p in results if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return results


def _uno_python() -> str | None:
    """A Python with LibreOffice's uno module (Debian: python3-uno), if any: it runs
    calc_typing.py, which types into a workbook in Calc as a department does."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and SOFFICE and subprocess.run([candidate, "-c", "import uno"],
                                                    capture_output=True,
                                                    check=False).returncode == 0:
            return candidate
    return None


UNO_PYTHON = _uno_python()


def type_in_calc(template: Path, steps: list[list[Any]], work: Path
                 ) -> tuple[list[dict[str, Any]], str]:
    """Type ``steps`` into ``template`` in Calc (calc_typing.py, with a profile and
    HOME of its own under ``work``): what each ``["show"]`` step saw, and stderr."""
    assert UNO_PYTHON is not None
    result = subprocess.run([UNO_PYTHON, str(Path(__file__).with_name("calc_typing.py")),
                             str(template), str(work / "profile")],
                            input=json.dumps(steps), capture_output=True, text=True,
                            timeout=300, check=False, env=os.environ | {"HOME": str(work)})
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr
