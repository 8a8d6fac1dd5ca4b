"""Every key in a bundled layout is a plain name: a comma inside a flow mapping's text
(``{hint: 例：12,345}``) splits the text and leaves a stray key such as ``345）``,
which cuts the hint short without any error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _stray_keys(node: Any, path: str) -> list[str]:
    if isinstance(node, dict):
        found = [f"{path}.{key}" for key in node if not KEY.fullmatch(str(key))]
        return found + [k for key, value in node.items() for k in _stray_keys(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [k for i, value in enumerate(node) for k in _stray_keys(value, f"{path}.{i}")]
    return []


@pytest.mark.parametrize("layout", sorted(TEMPLATES.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_layout_keys_are_plain_names(layout: Path) -> None:
    data = yaml.safe_load(layout.read_text(encoding="utf-8"))
    assert _stray_keys(data, layout.stem) == []
