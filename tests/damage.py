"""Damaged files, as transfers and disks break them: random steps for hypothesis."""

import io
import zipfile
import zlib

from hypothesis import strategies as st


def damage_steps():
    """A hypothesis strategy: up to three damaging steps (bytes flipped or cut, a member
    dropped, garbled, truncated or with its digits changed)."""
    flip = st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255))
    cut = st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0))
    member = st.tuples(st.sampled_from(["drop", "garble", "truncate", "digits"]),
                       st.integers(0, 50), st.integers(1, 255))
    return st.lists(st.one_of(flip, cut, member), min_size=1, max_size=3)


def mutate(data: bytes, steps) -> bytes:
    """``data`` (a zip) after ``steps`` from damage_steps()."""
    for kind, position, value in steps:
        if kind in ("flip", "cut"):
            if not data:
                continue
            position %= len(data)
            data = data[:position] + bytes([data[position] ^ value]) + data[position + 1:] \
                if kind == "flip" else data[:position]
            continue
        try:
            data = _rewrite_member(data, kind, position, value)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError,
                NotImplementedError):       # a flipped compression method
            continue          # the archive is already too broken to rewrite: keep it as it is
    return data


def _rewrite_member(data: bytes, kind: str, position: int, value: int) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    target = members[position % len(members)].filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in members:
            body = archive.read(info.filename)
            if info.filename == target:
                if kind == "drop":
                    continue
                if kind == "garble":
                    body = bytes(b ^ value if i % 7 == 0 else b for i, b in enumerate(body))
                elif kind == "truncate":
                    body = body[: len(body) * value // 256]
                else:
                    body = body.replace(b"1", b"x").replace(b"<v>", b"<v>-")
            new.writestr(info.filename, body)
    return out.getvalue()
