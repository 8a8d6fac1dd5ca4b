"""YAML that sheetkit reads on every run — its registry of codes, its check
schemas, the layouts — parsed once per text and kept as JSON in the user's
cache folder, as Python keeps byte code: reading the JSON back costs some
50 times less than parsing the YAML (schemas/findings.yaml: ~0.3 ms against
~7 ms), and a run that finds everything there never imports PyYAML.

An entry is the parsed data of one source (named by the caller: ``findings``,
a layout's name …) with the SHA-256 of the text it came from; it is used only
for that very text, so an edited file is parsed again and its entry replaced;
an entry another user wrote is passed over.
Only data that JSON gives back exactly is kept (no dates, no numbers as keys).
Nothing here ever depends on a return: returns and data files are read afresh
every time.  The folder is ``SHEETKIT_CACHE_DIR`` (empty: keep nothing), else
``$XDG_CACHE_HOME/sheetkit`` or ``~/.cache/sheetkit``; it may be deleted at
any time.  A folder that cannot be written, or an entry that cannot be read,
only means parsing the YAML, as without a cache."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

FORMAT = "1"            # of an entry's JSON; entries of another format are parsed again


def safe_load(text: str) -> Any:
    """The data of a YAML text, as PyYAML's safe loader gives it (libyaml's
    where installed: pure-Python PyYAML costs every run milliseconds)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load(name: str, text: str, parse: Callable[[str], Any] = safe_load) -> Any:
    """``parse(text)``, or what it gave for this very text before (``name``
    names the source: one entry each).  ``parse`` may raise: nothing is kept."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    path = _entry(name)
    if path is not None:
        try:
            with open(path, encoding="utf-8") as file:
                entry = json.load(file) if _own(file.fileno()) else None
            if entry is not None and entry["format"] == FORMAT and entry["sha256"] == digest:
                return entry["data"]
        except (OSError, ValueError, KeyError, TypeError):
            pass                       # none yet, another text's, or unreadable: parse
    data = parse(text)
    if path is not None:
        _keep(path, {"format": FORMAT, "sha256": digest, "data": data})
    return data


def _own(descriptor: int) -> bool:
    """Whether the entry open at ``descriptor`` was written by this user: where
    SHEETKIT_CACHE_DIR names a folder others may write in, theirs are passed over."""
    getuid = getattr(os, "getuid", None)            # none on Windows: the folder is the user's
    return getuid is None or os.fstat(descriptor).st_uid == getuid()


def _folder() -> str | None:
    given = os.environ.get("SHEETKIT_CACHE_DIR")
    if given is not None:
        return given or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return None if base.startswith("~") else os.path.join(base, "sheetkit")


def _entry(name: str) -> str | None:
    folder = _folder()
    return None if folder is None else os.path.join(folder, f"{name}.json")


def _keep(path: str, entry: dict[str, Any]) -> None:
    """Write ``entry`` whole (a temporary file renamed over it), if JSON gives
    its data back exactly; any failure leaves the cache as it was."""
    try:
        text = json.dumps(entry, ensure_ascii=False, allow_nan=False)
        if json.loads(text)["data"] != entry["data"]:
            return                      # a number as a key, a tuple …: not kept
    except (TypeError, ValueError, RecursionError):
        return                          # a date, NaN …: not kept
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(temporary, "x", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
