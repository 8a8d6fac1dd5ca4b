"""The document model's dataclasses seen as dotted paths (``section.goal``,
``section.citizen_needs.request_rate``): which paths exist, for checking a
layout's ``field:`` and ``table:``, and model objects built back from values
read by path, for the reader.  Derived from model.py, never listed."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from sheetkit import keys


@cache
def model_paths(roots: tuple[tuple[str, type], ...]) -> tuple[dict[str, Any],
                                                               dict[str, type]]:
    """Every single value (path -> its type) and every table (path -> its row
    type) reachable from ``roots`` through the model's dataclasses."""
    values: dict[str, Any] = {}
    tables: dict[str, type] = {}

    def visit(cls: type, prefix: str) -> None:
        for name, hint in typing.get_type_hints(cls).items():
            path = keys.join(prefix, name)
            nested, row = dataclass_of(hint), row_type(hint)
            if nested is not None:
                visit(nested, path)
            elif row is not None:
                tables[path] = row
            else:
                values[path] = hint
    for name, cls in roots:
        visit(cls, name)
    return values, tables


@cache
def row_fields(row: type) -> tuple[str, ...]:
    """The fields of a table's row type."""
    return tuple(f.name for f in dataclasses.fields(row))


def dataclass_of(hint: Any) -> type | None:
    """The dataclass a field holds (also when it may be None), else None."""
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    found = [o for o in (typing.get_args(hint) if union else (hint,)) if o is not type(None)]
    return found[0] if len(found) == 1 and isinstance(found[0], type) \
        and dataclasses.is_dataclass(found[0]) else None


def row_type(hint: Any) -> type | None:
    """The dataclass of a ``tuple[Row, ...]`` field (a table), else None."""
    if typing.get_origin(hint) is not tuple:
        return None
    args = typing.get_args(hint)
    return dataclass_of(args[0]) if args else None


def build(cls: type, values: dict[str, Any], prefix: str, **given: Any) -> Any:
    """A ``cls`` from values read by path under ``prefix`` (a table as a list of
    {column field: value}); ``given`` fields as they are, and a field not read
    (or read empty where it has a default) keeps its default."""
    found: dict[str, Any] = dict(given)
    for name, path, nested, row, has_default in _fields(cls, prefix):
        if name in found:
            continue
        if nested is not None and keys.any_within(values, path):
            found[name] = build(nested, values, path)
        elif row is not None:
            if values.get(path):
                found[name] = tuple([_row(row, item) for item in values[path]])
        elif values.get(path) is not None or (path in values and not has_default):
            found[name] = values[path]
    return cls(**found)


@cache
def _fields(cls: type, prefix: str) -> tuple[tuple[str, str, type | None, type | None, bool],
                                             ...]:
    """Each field of ``cls`` under ``prefix``: its name, path, dataclass (a group),
    row type (a table) and whether it has a default; worked out once per run."""
    hints = _type_hints(cls)
    return tuple((spec.name, keys.join(prefix, spec.name), dataclass_of(hints[spec.name]),
                  row_type(hints[spec.name]), _has_default(spec))
                 for spec in dataclasses.fields(cls))


@cache
def _type_hints(cls: type) -> Mapping[str, Any]:
    """A dataclass's field types, its annotations evaluated once per run (the
    reader builds every file's document with them)."""
    return types.MappingProxyType(typing.get_type_hints(cls))


def _row(row: type, item: Any) -> Any:
    """One table row: the row itself where a column holds it whole (a 基本方針
    read as code and title), else the row's fields by column (None where the
    layout has no column for one)."""
    if isinstance(item, row):         # read as a row already (an indicator table's rows)
        return item
    for value in item.values():
        if isinstance(value, row):
            return value
    return row(*map(item.get, row_fields(row)))


def _has_default(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is not dataclasses.MISSING or \
        spec.default_factory is not dataclasses.MISSING
