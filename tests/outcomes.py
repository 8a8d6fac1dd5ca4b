"""What the reader makes of a workbook on one read path, to compare the paths."""

from pathlib import Path

from sheetkit.problems import SheetkitError
from sheetkit.reader import extract


def outcome(path: Path, engine: str):
    """The document, its sources, typed rates, external links and identity;
    or the problems the file was refused with."""
    try:
        x = extract(path, engine)
    except SheetkitError as error:
        return ("error", [(p.code, dict(p.params)) for p in error.problems])
    return (x.document, x.sources, x.typed_rates, x.external_links, x.identity)
