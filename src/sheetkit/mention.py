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


def mentioned(name: str, analysis: str | None, siblings: tuple[str, ...],
              threshold: float) -> bool:
    """Whether ``analysis`` names the indicator ``name`` (one of ``siblings``)."""
    return Mentions(threshold).mentioned(name, analysis, siblings)


class Mentions:
    """Many indicators looked for in their analyses at once (a check over a
    chunk of files): each analysis's phrases, and each phrase's similarity to
    a name, are worked out once, though every indicator of a section is looked
    for in the same analysis among the same names."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._phrases: dict[str, tuple[str, ...]] = {}
        self._similarity: dict[tuple[str, str], float] = {}
        self._bounds: dict[tuple[str, str], float] = {}
        self._matchers: dict[str, SequenceMatcher[str]] = {}

    def mentioned(self, name: str, analysis: str | None, siblings: tuple[str, ...]) -> bool:
        """Whether ``analysis`` names the indicator ``name`` (one of ``siblings``):
        some phrase of it is similar enough to the name, and to no other more."""
        if not analysis:
            return False
        target = squash(name)
        if target and target in squash(analysis):
            return True
        names = [squash(s) for s in siblings] or [target]
        if analysis not in self._phrases:
            self._phrases[analysis] = tuple(phrases(analysis))
        for phrase in self._phrases[analysis]:
            if self._most(phrase, target) < self.threshold:
                continue
            score = self._similar(phrase, target)
            if score < self.threshold:
                continue
            if target in names:
                if not any(self._closer(phrase, n, score) for n in names if n != target):
                    return True
            elif max(self._similar(phrase, n) for n in names) == score:
                return True
        return False

    def _similar(self, phrase: str, name: str) -> float:
        """How similar the phrase is to the name: difflib's ratio (without its
        junk heuristic), by one matcher per name (difflib indexes the second
        text once, whatever the first)."""
        if (phrase, name) not in self._similarity:
            matcher = self._matcher(name)
            matcher.set_seq1(phrase)
            self._similarity[phrase, name] = matcher.ratio()
        return self._similarity[phrase, name]

    def _closer(self, phrase: str, name: str, score: float) -> bool:
        """Whether ``name`` is strictly more similar to ``phrase`` than ``score``."""
        return self._most(phrase, name) > score and self._similar(phrase, name) > score

    def _most(self, phrase: str, name: str) -> float:
        """The most their similarity can be (difflib's quick_ratio: their common
        letters, as if all matched in order)."""
        if (phrase, name) in self._similarity:
            return self._similarity[phrase, name]
        if (phrase, name) not in self._bounds:
            matcher = self._matcher(name)
            matcher.set_seq1(phrase)
            self._bounds[phrase, name] = matcher.quick_ratio()
        return self._bounds[phrase, name]

    def _matcher(self, name: str) -> SequenceMatcher[str]:
        if name not in self._matchers:
            self._matchers[name] = SequenceMatcher(None, "", name, autojunk=False)
        return self._matchers[name]
