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
    (or read empty where it has a default) keeps its default.

    The model's dataclasses set each field in ``__init__`` and check nothing
    after it: the object is made with its fields in order, as ``__init__``
    would set them, without calling it (the reader builds every file's
    sections, chapter and rows this way); a field missing with no default,
    or a ``given`` name that is no field, is ``cls(**…)``'s TypeError."""
    made: dict[str, Any] = {}
    get = values.get
    for name, path, simple, nested, row, default, factory in _fields(cls, prefix):
        if name in given:
            made[name] = given[name]
        elif simple:                    # most fields: the branches below, for such a field
            value = get(path)
            made[name] = default if value is None else value
        elif nested is not None and keys.any_within(values, path):
            made[name] = build(nested, values, path)
        elif row is not None and values.get(path):
            made[name] = _rows(row, values[path])
        elif row is None and (values.get(path) is not None or (
                path in values and default is _NONE and factory is _NONE)):
            made[name] = values[path]
        elif default is not _NONE:
            made[name] = default
        elif factory is not _NONE:
            made[name] = factory()
        else:
            return cls(**made)          # raises: a field without a default was not read
    if not given.keys() <= made.keys() or not _plain(cls):
        return cls(**made, **{k: v for k, v in given.items() if k not in made})
    item: Any = object.__new__(cls)
    item.__dict__.update(made)
    return item


@cache
def _plain(cls: type) -> bool:
    """Whether ``cls``'s ``__init__`` only sets its fields: a dataclass's own,
    with no ``__post_init__`` and no slots (the model's)."""
    return dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__") \
        and not hasattr(cls, "__slots__") \
        and getattr(cls.__init__, "__qualname__", "") == f"{cls.__qualname__}.__init__"


_NONE: Any = dataclasses.MISSING


@cache
def _fields(cls: type, prefix: str) -> tuple[tuple[str, str, bool, type | None, type | None,
                                                   Any, Any], ...]:
    """Each field of ``cls`` under ``prefix``: its name, path, whether it is
    simple (a single value with a default: read, unless read as None, else
    its default), dataclass (a group), row type (a table), default and
    default factory (dataclasses.MISSING where it has none); worked out once
    per run."""
    hints = _type_hints(cls)
    found = []
    for spec in dataclasses.fields(cls):
        nested, row = dataclass_of(hints[spec.name]), row_type(hints[spec.name])
        found.append((spec.name, keys.join(prefix, spec.name),
                      nested is None and row is None and spec.default is not _NONE,
                      nested, row, spec.default, spec.default_factory))
    return tuple(found)


@cache
def _type_hints(cls: type) -> Mapping[str, Any]:
    """A dataclass's field types, its annotations evaluated once per run (the
    reader builds every file's document with them)."""
    return types.MappingProxyType(typing.get_type_hints(cls))


def _rows(row: type, items: list[Any]) -> tuple[Any, ...]:
    """A table's rows: each the row itself where a column holds it whole (a
    基本方針 read as code and title), else the row's fields by column (None
    where the layout has no column for one)."""
    names, plain = _row_plan(row)
    made: list[Any] = []
    for item in items:
        if isinstance(item, row):     # read as a row already (an indicator table's rows)
            made.append(item)
            continue
        for value in item.values():
            if isinstance(value, row):
                made.append(value)
                break
        else:
            if not plain:
                made.append(row(*map(item.get, names)))
                continue
            one: Any = object.__new__(row)      # as row(*values) makes it: see build
            if tuple(item) == names:    # read column by column in the row's field order
                one.__dict__.update(item)
            else:
                one.__dict__.update(zip(names, map(item.get, names)))
            made.append(one)
    return tuple(made)


@cache
def _row_plan(row: type) -> tuple[tuple[str, ...], bool]:
    """row_fields(row), and whether it is made without its __init__ (_plain)."""
    return row_fields(row), _plain(row)
