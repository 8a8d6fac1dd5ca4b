"""Does a 未達成指標の理由・分析 mention an indicator, the way a reader would tell?

A reader looks at the phrases the analysis is about — quoted 「…」 names and
the subject before 「については」「は、」「…」 — and takes each one to mean the
indicator whose name it is closest to.  So 「自治会・町内会の加入率」 mentions
自治会・町内会への加入率, and an indicator that only shares a word with the
phrase is not mentioned."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from sheetkit.values import squash

_QUOTED = re.compile(r"「([^」]+)」")
_SUBJECT = re.compile(r"^(.+?)(?:については|について|に関しては|は、|…|‥)")


def phrases(analysis: str) -> list[str]:
    """The phrases an analysis is about, folded for comparison."""
    found = []
    for raw_line in re.split(r"[\n。]", analysis):
        line = raw_line.strip().lstrip("・･-－*●○◆").strip()
        if not line:
            continue
        found.extend(_QUOTED.findall(line))
        subject = _SUBJECT.match(_QUOTED.sub("", line))
        if subject and subject.group(1).strip():
            found.append(subject.group(1))
    return [squash(p) for p in found if squash(p)]


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def mentioned(name: str, analysis: str | None, siblings: tuple[str, ...],
              threshold: float) -> bool:
    """Whether ``analysis`` names the indicator ``name`` (one of ``siblings``)."""
    if not analysis:
        return False
    target = squash(name)
    if target and target in squash(analysis):
        return True
    names = [squash(s) for s in siblings] or [target]
    for phrase in phrases(analysis):
        scores = [similarity(phrase, n) for n in names]
        best = max(scores)
        if best >= threshold and similarity(phrase, target) == best:
            return True
    return False
