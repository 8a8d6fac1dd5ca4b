"""The guard unzips each member itself (zlib, bounded by the size the central
directory declares): damaged and lying zips get the same clear answer as
before, each run in its own process, fenced in (time and address space), and
nothing is ever inflated beyond its declared size."""

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from filling import fill
from isolated import GIB, MIB, run_isolated

from sheetkit.guard import _directory, _Member, _Unzipped, inspect
from sheetkit.problems import SheetkitError

SHEET = "xl/worksheets/sheet2.xml"
BUDGET = 600 * MIB          # the whole process tree, pandas and pandera included
CENTRAL = b"PK\x01\x02"
# offsets of a field in a member's local header and in its central directory entry
FIELDS = {"flags": (6, 8, "H"), "method": (8, 10, "H"), "crc": (14, 16, "L"),
          "packed": (18, 20, "L"), "size": (22, 24, "L")}


@pytest.fixture(scope="module")
def returned(template_dir, example_doc, tmp_path_factory):
    section = example_doc.sections[0]
    source = template_dir / f"第1章第1節_{section.title}.xlsx"
    return fill(source, tmp_path_factory.mktemp("ret") / "第1節.xlsx", section)


def _entries(data: bytes, name: str) -> tuple[int, int]:
    """Where ``name``'s local header and central directory entry start."""
    end = data.rindex(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(count):
        assert data[at:at + 4] == CENTRAL
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46:at + 46 + name_length] == name.encode():
            return struct.unpack_from("<L", data, at + 42)[0], at
        at += 46 + name_length + extra_length + comment_length
    raise KeyError(name)


def patch(data: bytes, name: str, where: str = "both", **fields: int) -> bytes:
    """``data`` with fields of member ``name`` rewritten, in its local header,
    its central directory entry or both."""
    out = bytearray(data)
    local, central = _entries(data, name)
    for field, value in fields.items():
        in_local, in_central, kind = FIELDS[field]
        if where in ("both", "local"):
            struct.pack_into("<" + kind, out, local + in_local, value)
        if where in ("both", "central"):
            struct.pack_into("<" + kind, out, central + in_central, value)
    return bytes(out)


def member(data: bytes, name: str) -> zipfile.ZipInfo:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.getinfo(name)


def wrong_crc(data: bytes) -> bytes:
    return patch(data, SHEET, crc=member(data, SHEET).CRC ^ 1)


def encrypted(data: bytes) -> bytes:
    return patch(data, SHEET, flags=member(data, SHEET).flag_bits | 1)


def bad_local_signature(data: bytes) -> bytes:
    local, _ = _entries(data, SHEET)
    return data[:local] + b"PK\x05\x06" + data[local + 4:]


def local_name_differs(data: bytes) -> bytes:
    local, _ = _entries(data, SHEET)
    at = local + 30 + len(SHEET) - 5                  # sheet2.xml -> sheet3.xml, locally only
    return data[:at] + b"3" + data[at + 1:]


def cut_member(data: bytes) -> bytes:
    """The central directory says the sheet's deflated bytes end halfway."""
    return patch(data, SHEET, where="central", packed=member(data, SHEET).compress_size // 2)


def declared_huge(data: bytes) -> bytes:
    return patch(data, SHEET, size=200 << 20)


def _rezip(source: Path, target: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]],
           compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", compression) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
        for name, body in extra:
            new.writestr(name, body)
    return target.read_bytes()


def _deflated_zeros(megabytes: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    return b"".join([*(squeeze.compress(chunk) for _ in range(megabytes)), squeeze.flush()])


def lying_size(source: Path, target: Path) -> bytes:
    """A member that says it holds 100 bytes (and gives their CRC) whose
    deflated stream goes on to 900 MiB of zeros: zipfile would inflate up to
    1 GiB of it at once."""
    data = _rezip(source, target, [("xl/media/image9.bin", bytes(100))])
    info = member(data, "xl/media/image9.bin")
    local, central = _entries(data, "xl/media/image9.bin")
    bomb = _deflated_zeros(900)
    start = local + 30 + len(info.filename) + len(info.extra)
    end = start + info.compress_size
    grown = len(bomb) - info.compress_size
    out = bytearray(data[:start] + bomb + data[end:])
    central += grown
    for at in (local, central):
        struct.pack_into("<L", out, at + (18 if at == local else 20), len(bomb))
    # the central directory moved: its offset in the end record
    eocd = bytes(out).rindex(b"PK\x05\x06")
    offset = struct.unpack_from("<L", out, eocd + 16)[0]
    struct.pack_into("<L", out, eocd + 16, offset + grown)
    return bytes(out)


def duplicate_name(source: Path, target: Path) -> bytes:
    with zipfile.ZipFile(source) as old:
        sheet = old.read(SHEET)
    with pytest.warns(UserWarning, match="Duplicate name"):
        return _rezip(source, target, [(SHEET, sheet)])


def bzip2(source: Path, target: Path) -> bytes:
    return _rezip(source, target, [], compression=zipfile.ZIP_BZIP2)


def ratio(source: Path, target: Path) -> bytes:
    return _rezip(source, target, [("xl/media/image9.bin", bytes(64 << 20))])


DAMAGED = {"wrong-crc": wrong_crc, "encrypted-flag": encrypted,
           "local-signature": bad_local_signature, "local-name": local_name_differs,
           "cut-member": cut_member}
BUILT: dict[str, Callable[[Path, Path], bytes]] = {
    "duplicate-name": duplicate_name, "bzip2": bzip2}
TOO_LARGE = {"declared-huge": declared_huge}


@pytest.fixture(scope="module")
def hostile(returned, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("zips")
    good = returned.read_bytes()
    made = {}
    for kind, change in {**DAMAGED, **TOO_LARGE}.items():
        made[kind] = folder / f"{kind}.xlsx"
        made[kind].write_bytes(change(good))
    for kind, build in {**BUILT, "ratio": ratio, "lying-size": lying_size}.items():
        made[kind] = folder / f"{kind}.xlsx"
        made[kind].write_bytes(build(returned, folder / f"{kind}.tmp.xlsx"))
    return made


def test_each_member_reads_as_zipfile_reads_it(returned):
    data = returned.read_bytes()
    members = _directory(data)
    assert members is not None and len(members) > 10
    unzipped = _Unzipped(data, members)
    with zipfile.ZipFile(returned) as archive:
        for info in archive.infolist():
            assert unzipped.read(info.filename) == archive.read(info)


def _listed(data: bytes) -> list[_Member] | str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [_Member.of(info) for info in archive.infolist()]
    except Exception as error:  # noqa: BLE001 - compared, not raised
        return type(error).__name__


def test_the_central_directory_reads_as_zipfile_reads_it(returned, hostile):
    """The guard reads a plain central directory itself: where it does, it
    lists what zipfile lists, also with bytes changed at random in the
    directory (otherwise zipfile reads it, as before)."""
    good = returned.read_bytes()
    start = good.index(b"PK\x01\x02")
    rng = random.Random(14)
    variants = [good, *(p.read_bytes() for p in hostile.values()),
                good[:-2] + b"\x05\0hello",                       # a comment
                b"MZ" * 64 + good]                                # something before the zip
    for _ in range(400):
        changed = bytearray(good)
        changed[rng.randrange(start, len(good))] ^= 1 << rng.randrange(8)
        variants.append(bytes(changed))
    read_itself = 0
    for data in variants:
        mine = _directory(data)
        if mine is not None:
            read_itself += 1
            assert [m._replace(raw_name=None) for m in mine] == _listed(data)
    assert _directory(good) is not None and read_itself > 200
    assert _directory(good[:-2] + b"\x05\0hello") is None
    assert _directory(b"MZ" * 64 + good) is None


def test_the_intact_return_passes(returned):
    assert inspect(returned).parts


@pytest.mark.parametrize("kind, reason", [*((k, "damaged") for k in (*DAMAGED, *BUILT)),
                                          *((k, "too-large") for k in (*TOO_LARGE, "ratio"))])
def test_a_damaged_zip_is_refused_with_its_reason(hostile, kind, reason):
    with pytest.raises(SheetkitError) as refused:
        inspect(hostile[kind])
    assert [(p.code, p.params["reason"]) for p in refused.value.problems] == [
        ("unreadable-file", reason)]


WORDS = {"damaged": "壊れています", "too-large": "大きすぎます"}


@pytest.mark.parametrize("kind, reason", [*((k, "damaged") for k in (*DAMAGED, *BUILT)),
                                          *((k, "too-large") for k in (*TOO_LARGE, "ratio"))])
def test_validate_refuses_it_in_its_own_process(hostile, kind, reason, tmp_path):
    outcome = run_isolated(["validate", hostile[kind]], tmp_path, timeout=30, memory=GIB)
    outcome.assert_clean(memory=BUDGET)
    assert outcome.status == 1, outcome.output
    assert WORDS[reason] in outcome.output, outcome.output


def test_a_member_is_never_inflated_beyond_its_declared_size(hostile, tmp_path):
    """As zipfile does, the declared bytes are kept (their CRC is right), but
    the 900 MiB behind them are never inflated: the run stays small."""
    path = hostile["lying-size"]
    assert path.stat().st_size < 2 << 20
    assert inspect(path).parts
    outcome = run_isolated(["validate", path], tmp_path, timeout=30, memory=GIB)
    outcome.assert_clean(memory=BUDGET)
    assert outcome.status in (0, 1), outcome.output


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/theme/theme1.xml", "[Content_Types].xml"])
@pytest.mark.parametrize("field", ["crc", "size"])
def test_a_shared_member_is_inflated_once_but_checked_every_time(returned, tmp_path, part, field):
    """Members outside xl/worksheets/ are inflated once a run, remembered by
    their compressed bytes, sizes and CRC-32: the same bytes with another
    CRC or size are refused right after intact returns, and the intact
    return still passes after."""
    good = returned.read_bytes()
    info = member(good, part)
    value = {"crc": info.CRC ^ 0x10, "size": info.file_size - 1}[field]
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(patch(good, part, **{field: value}))
    inspect(returned)
    inspect(returned)
    with pytest.raises(SheetkitError) as refused:
        inspect(damaged)
    assert [p.params["reason"] for p in refused.value.problems] == ["damaged"]
    assert inspect(returned).parts


def test_a_large_part_is_never_remembered_across_files(returned, tmp_path):
    """What is remembered once a run is the small parts a template's returns
    share; large parts outside xl/worksheets/ (each return's own) are
    inflated and counted afresh, so a run keeps no megabytes per file."""
    from sheetkit.guard import (
        REMEMBERED_BYTES,
        _shared_bounds,
        _shared_inflate,
        _shared_plain_counts,
    )

    def caches() -> tuple[int, int, int]:
        return (_shared_inflate.cache_info().currsize,
                _shared_plain_counts.cache_info().currsize,
                _shared_bounds.cache_info().currsize)

    _shared_inflate.cache_clear()
    _shared_plain_counts.cache_clear()
    _shared_bounds.cache_clear()
    inspect(returned)
    remembered = caches()
    rng = random.Random(3)
    for index in range(3):
        noise = rng.randbytes(REMEMBERED_BYTES + 1)
        path = tmp_path / f"large{index}.xlsx"
        path.write_bytes(_rezip(returned, tmp_path / f"large{index}.tmp.xlsx", [
            ("xl/media/image9.bin", noise),
            ("customXml/item9.xml", b"<a>" + noise.hex().encode() + b"</a>")]))
        assert inspect(path).parts
    assert caches() == remembered


# parts each return holds its own of: what the department typed, its dates,
# its section's sheet and defined names, its notes
OWN_PARTS = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml", "xl/workbook.xml",
             "xl/sharedStrings.xml", "xl/comments1.xml")


def _own_parts_varied(source: Path, target: Path, index: int) -> Path:
    """``source`` with each of its own parts (OWN_PARTS) made different from
    every other variant's (white space after the root element), and a shared
    strings and a comments part of its own added; every part the returns of
    one template share is left as it is."""
    strings = (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
               b'.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
               + f"取り組み{index}".encode() + b"</t></si></sst>")
    comments = (b'<?xml version="1.0" encoding="UTF-8"?>\n<comments xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><authors><author>'
                + f"担当{index}".encode() + b"</author></authors><commentList/></comments>")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        names = old.namelist()
        for name in names:
            body = old.read(name)
            new.writestr(name, body + b"\n" * index if name in OWN_PARTS else body)
        for name, body in (("xl/sharedStrings.xml", strings), ("xl/comments1.xml", comments)):
            if name not in names:
                new.writestr(name, body)
    return target


def _memos() -> dict[str, int]:
    """How many entries each memo of the guard holds."""
    import sheetkit.guard as guard
    return {name: memo.cache_info().currsize for name, memo in vars(guard).items()
            if callable(getattr(memo, "cache_info", None))}


def test_a_returns_own_parts_are_never_remembered(returned, tmp_path):
    """Only the parts the returns of one template share (content types,
    relationships, styles, theme) are remembered across files; a part that is
    each return's own (document properties, workbook, shared strings,
    comments) is judged on its own bytes every time, never served from a memo
    (which would make the per-file cost on copies of returns look smaller than
    it is): no memo of the guard grows with the number of distinct returns."""
    import sheetkit.guard as guard
    for memo in _memos():
        getattr(guard, memo).cache_clear()     # (a full memo could not grow)
    inspect(_own_parts_varied(returned, tmp_path / "0.xlsx", 0))
    remembered = _memos()
    for index in range(1, 6):
        assert inspect(_own_parts_varied(returned, tmp_path / f"{index}.xlsx", index)).parts
    assert _memos() == remembered


@pytest.mark.parametrize("part, damage", [
    ("docProps/core.xml", lambda body: body.replace(b"</cp:coreProperties>", b"</cp:core>")),
    ("docProps/core.xml", lambda body: body.replace(b"<dc:", b"<\xff:", 1)),
    ("xl/workbook.xml", lambda body: body.replace(b"<sheets>", b"<sheets><<", 1)),
    ("xl/sharedStrings.xml", lambda body: body.replace(b"</sst>", b"</ss>"))])
def test_each_return_is_judged_on_its_own_parts(returned, tmp_path, part, damage):
    """Two returns whose own part differs by a damaged byte: the intact one
    passes, the damaged one is refused, in either order, however often."""
    intact = _own_parts_varied(returned, tmp_path / "intact.xlsx", 1)
    with zipfile.ZipFile(intact) as old:
        bodies = {name: old.read(name) for name in old.namelist()}
    assert damage(bodies[part]) != bodies[part]
    bodies[part] = damage(bodies[part])
    with zipfile.ZipFile(tmp_path / "damaged.xlsx", "w", zipfile.ZIP_DEFLATED) as new:
        for name, body in bodies.items():
            new.writestr(name, body)
    for _ in range(2):
        assert inspect(intact).parts
        with pytest.raises(SheetkitError) as refused:
            inspect(tmp_path / "damaged.xlsx")
        assert [p.params["reason"] for p in refused.value.problems] == ["damaged"]


# The memos of the modules that read a return which may grow without a bound:
# each is keyed by what the layout or the run asks, never by what a file holds
# (an attribute name, column letters within XFD, a layout's number pattern, the
# run's limits, the schemas), so a run over many files keeps them small.
UNBOUNDED_BY_DESIGN = {"sheetkit.fastgrid._attribute", "sheetkit.fastgrid._col",
                       "sheetkit.codec._pattern_regex", "sheetkit.guard.default_limits"}


def test_memos_keyed_by_a_files_contents_are_bounded():
    """A memo keyed by a file's bytes (a cell's attributes, its reference …)
    without a bound would grow with every return of a long run, and without
    end on hostile ones: every memo of the reading modules has a maxsize, but
    the few keyed by the layout or the run."""
    import importlib

    unbounded = set()
    for name in ("sheetkit.guard", "sheetkit.fastgrid", "sheetkit.cellxml", "sheetkit.grid",
                 "sheetkit.reader", "sheetkit.codec", "sheetkit.keys", "sheetkit.subjects",
                 "sheetkit.identity", "sheetkit.frames", "sheetkit.checks"):
        module = importlib.import_module(name)
        for attribute, memo in vars(module).items():
            parameters = getattr(memo, "cache_parameters", None)
            if callable(parameters) and getattr(memo, "__module__", None) == name and \
                    parameters()["maxsize"] is None:
                unbounded.add(f"{name}.{attribute}")
    assert unbounded == UNBOUNDED_BY_DESIGN
