"""Findings: data problems as values, and the report they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sheetkit import codes
from sheetkit.problems import Location

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem in one file: a stable code, how serious it is, where it is."""

    code: str
    severity: str
    location: Location
    section: int | None = None
    value: str | None = None
    expected: str | None = None
    params: dict[str, str] = field(default_factory=dict, hash=False)
    chapter: int | None = None      # its 章, in a file of several (a plan's data or 総括表)

    def message(self, lang: str = "ja") -> str:
        params = {"value": self.value or "", "expected": self.expected or "",
                  "section": "" if self.section is None else str(self.section)} | self.params
        return codes.message(self.code, params, lang)       # messages.render, without its Problem

    def as_json(self, lang: str = "ja") -> dict[str, Any]:
        loc = self.location
        return {"code": self.code, "severity": self.severity, "message": self.message(lang),
                "sheet": loc.sheet, "cell": loc.cell, "line": loc.line,
                "section": self.section, "field": loc.field, "value": self.value,
                "expected": self.expected}


@dataclass(frozen=True)
class FileReport:
    """The findings of one input file."""

    path: str
    findings: tuple[Finding, ...]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, fail_on: str) -> bool:
        worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
        return any(f.severity in worst for f in self.findings)


@dataclass(frozen=True)
class Report:
    """The findings of a whole run."""

    files: tuple[FileReport, ...]

    def count(self, severity: str) -> int:
        return sum(f.count(severity) for f in self.files)

    def fails(self, fail_on: str = "error") -> bool:
        return any(f.fails(fail_on) for f in self.files)

    def as_json(self, lang: str = "ja", fail_on: str = "error") -> dict[str, Any]:
        """The public JSON shape (documented in the README)."""
        data = self.json_by_file(lang, fail_on)
        data["files"] = list(data["files"])
        return data

    def json_by_file(self, lang: str = "ja", fail_on: str = "error") -> dict[str, Any]:
        """as_json, with its files as an iterator that makes each file's part
        when it is reached (for jsontext.dump: the report of a run over many
        files is written without the whole of it held as data and text)."""
        return {
            "valid": not self.fails(fail_on),
            "summary": {"files": len(self.files), "errors": self.count("error"),
                        "warnings": self.count("warning"), "infos": self.count("info")},
            "files": ({"path": f.path, "valid": not f.fails(fail_on),
                       "findings": [x.as_json(lang) for x in f.findings]} for f in self.files),
        }
