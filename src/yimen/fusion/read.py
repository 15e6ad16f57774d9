"""Reading extracts: encoding, header and record-id checks shared by both engines.

CSV may be UTF-8 or GBK (GB 18030 is its superset and is what we decode with). A declared encoding is
trusted; an undeclared one is detected. The engines read UTF-8 only, so GBK files are transcoded once
into the run's work folder, streaming, never whole into memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from yimen.fusion.config import FusionError, Source

CHUNK = 4 << 20
SAMPLE = 1 << 20  # bytes looked at to tell UTF-8 from GBK when sources.yaml does not say
DELIMITERS = ",\t|;"


def utf8_path(source: Source, work_dir: Path) -> tuple[Path, str]:
    """A UTF-8 copy of a CSV extract (or the file itself when it is UTF-8), and the encoding found."""
    # UTF-8 is checked by the engine as it reads (a bad byte is an error naming the line); only a file
    # whose start is not UTF-8 is decoded here, as GBK, into a UTF-8 copy
    encoding = source.encoding or detect_encoding(source.path, sample=SAMPLE)
    if encoding == "utf-8":
        return source.path, "utf-8"
    target = work_dir / f"{source.name}.utf8.csv"
    _transcode(source.path, target, encoding)
    return target, encoding


def detect_encoding(path: Path, *, sample: int | None = None) -> str:
    """UTF-8 when the file (or its first `sample` bytes) decodes as UTF-8, else GB 18030 when the whole
    file decodes as that."""
    try:
        _check_decodes(path, "utf-8", limit=sample)
        return "utf-8"
    except FusionError:
        pass
    try:
        _check_decodes(path, "gb18030")
    except FusionError as exc:
        raise FusionError(
            "cannot be decoded as UTF-8 or GBK; declare its `encoding` in sources.yaml",
            file=path,
            row=exc.row,
        ) from None
    return "gb18030"


def _check_decodes(path: Path, encoding: str, *, limit: int | None = None) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK if limit is None else min(CHUNK, limit)):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n") + 1
                raise FusionError(
                    f"not valid {encoding.upper()} at byte {exc.start} of line {line} "
                    f"(declare `encoding:` in sources.yaml if the file is in another encoding)",
                    file=path,
                    row=line - 1 if line > 1 else None,
                ) from None
            lines += chunk.count(b"\n")
            if limit is not None:
                return  # a sample: a character cut at its end is not an error
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FusionError(
                f"not valid {encoding.upper()}: the file ends inside a character", file=path
            ) from None


def _transcode(src: Path, dst: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    with src.open("rb") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        while chunk := fin.read(CHUNK):
            try:
                fout.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                line = lines + chunk[: exc.start].count(b"\n") + 1
                raise FusionError(
                    f"not valid {encoding.upper()} at line {line}",
                    file=src,
                    row=line - 1 if line > 1 else None,
                ) from None
            lines += chunk.count(b"\n")
        fout.write(decoder.decode(b"", final=True))


def csv_header(path: Path, *, original: Path | None = None) -> tuple[list[str], str]:
    """The header's column names and the delimiter, from a UTF-8 file."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise FusionError(
            "not valid UTF-8 at line 1 (declare `encoding:` in sources.yaml if the file is in another encoding)",
            file=original or path,
        ) from None
    if not first.strip():
        raise FusionError("the file is empty or its first line (the header) is blank", file=original or path)
    counts = {d: first.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return [h.strip() for h in header], delimiter


def check_header(source: Source, header: list[str]) -> None:
    """Every mapped column and the record-id column exist, once."""
    seen = set()
    for name in header:
        if name in seen:
            raise FusionError("the header names this column twice", file=source.path, column=name)
        seen.add(name)
    needed = [source.record_id, *source.columns]
    for column in needed:
        if column not in seen:
            raise FusionError(
                f"column named in sources.yaml ({'record_id' if column == source.record_id else 'columns'}) "
                f"is not in the file's header; the header has: {', '.join(header)}",
                file=source.path,
                column=column,
            )
