"""JSON text exactly as ``json.dumps(data, ensure_ascii=False, indent=2)``
writes it, in about a third of the time: the standard library's C encoder
works only without an indent, and its Python one yields every token through
nested generators.  For the reports validate prints (a few lines a finding).
A dict of texts, numbers, booleans and None (a finding) is written by the C
encoder all the same, its separator being the line break and indent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from json import encoder as _encoder
from json.encoder import encode_basestring  # the C function where there is one
from typing import Any

INDENT = "  "
c_make_encoder: Any = getattr(_encoder, "c_make_encoder", None)   # the C encoder (None without)
EVERY = 64              # items of an iterator written at once by dump


def dumps(data: Any) -> str:
    """``data`` (dicts with text keys, lists, tuples, texts, numbers, booleans,
    None) as indented JSON text, the same as json.dumps(…, ensure_ascii=False,
    indent=2)."""
    out: list[str] = []
    _write(data, out, "\n")
    return "".join(out)


def dump(data: Any, write: Callable[[str], Any]) -> None:
    """The text of ``dumps(data)``, handed to ``write`` in pieces; where
    ``data`` holds an iterator instead of a list (a report's files, made one
    by one), it is written as that list, item by item, so that neither the
    whole data nor the whole text is ever held (validate on many files)."""
    out = _Out(write)
    _write(data, out, "\n")
    out.flush()


class _Out(list[str]):
    """The pieces written so far, handed on when they grow long."""

    def __init__(self, write: Callable[[str], Any]) -> None:
        super().__init__()
        self._write = write

    def flush(self) -> None:
        if self:
            self._write("".join(self))
            self.clear()


def _write(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + INDENT
        if c_make_encoder is not None and all(map(_SCALAR_TYPES.__contains__,
                                                  map(type, value.values()))):
            # "{…}" with the items written one a line: what is left for the loop below
            out.append("{" + inner + "".join(_flat(inner)(value, 0))[1:-1] + newline + "}")
            return
        head = "{" + inner
        for key, item in value.items():
            head += (encode_basestring(key) if isinstance(key, str) else _key(key)) + ": "
            if type(item) is str:                # most values: written in one piece
                out.append(head + encode_basestring(item))
            elif item is None:
                out.append(head + "null")
            else:
                out.append(head)
                _write(item, out, inner)
            head = "," + inner
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + INDENT
        head = "[" + inner
        for item in value:
            out.append(head)
            _write(item, out, inner)
            head = "," + inner
        out.append(newline + "]")
    elif value is None or isinstance(value, (int, float)):      # bool is an int
        out.append(_scalar(value))
    elif isinstance(value, Iterator):       # a list made item by item (see dump)
        _write_items(value, out, newline)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _write_items(items: Iterator[Any], out: list[str], newline: str) -> None:
    """An iterator's items, written as a list's; handed on EVERY items."""
    inner = newline + INDENT
    head = "[" + inner
    for count, item in enumerate(items, 1):
        out.append(head)
        _write(item, out, inner)
        head = "," + inner
        if count % EVERY == 0 and isinstance(out, _Out):
            out.flush()
    out.append("[]" if head[0] == "[" else newline + "]")


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


@cache
def _flat(inner: str) -> Any:
    """The standard library's C encoder, writing a dict's items ``inner`` apart
    (its values all scalars: nothing of it is nested, nothing indented more)."""
    return c_make_encoder(None, _not_json, encode_basestring, None, ": ", "," + inner,
                          False, False, True)


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _scalar(value: None | bool | int | float) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A key that is no text, as json writes it: a number or a constant, quoted."""
    if isinstance(key, (int, float)) or key is None:
        return encode_basestring(_scalar(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
