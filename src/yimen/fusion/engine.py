"""The engines the stages run on. Stages speak SQL to an engine; the engine owns the tables.

DuckDB (default): one process, a database file in the run's work folder, spilling to disk past its
memory limit. Spark (`--engine spark`): the same SQL through Spark SQL, local mode in tests and a
cluster master URL in production (see engine_spark.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from yimen.fusion import read
from yimen.fusion.config import FusionError, Source


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, work_dir: Path, *, threads: int | None = None, memory_limit: str | None = None):
        self.work_dir = work_dir
        # in memory, spilling to the work folder past the memory limit: a database file costs 3x on writes
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET temp_directory = {literal(str(work_dir / 'spill'))}")
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 2)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(memory_limit)}")
        self.con.execute("SET enable_progress_bar = false")

    # -- tables -----------------------------------------------------------------------------------
    def create(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def drop(self, name: str) -> None:
        if name.startswith("raw_"):  # a view over its staged copy (read_source)
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
            name = "stage_" + name[4:]
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def scalar(self, sql: str):
        rows = self.con.execute(sql).fetchall()  # fetch to the end: DuckDB 2 keeps unfinished results open
        return rows[0][0] if rows else None

    def count(self, name: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {name}"))

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall()]

    def write_parquet(self, sql_or_table: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        query = sql_or_table if " " in sql_or_table.strip() else f"SELECT * FROM {sql_or_table}"
        self.con.execute(f"COPY ({query}) TO {literal(str(path))} (FORMAT parquet, COMPRESSION zstd)")

    def register_arrow(self, name: str, table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.create(name, f"SELECT * FROM {name}_arrow")
        self.con.unregister(f"{name}_arrow")

    def arrow(self, sql: str):
        rel = self.con.sql(sql)
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow  # DuckDB 2 renamed it
        return fetch()

    def splink_api(self):
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.con)

    def close(self) -> None:
        self.con.close()

    # -- reading ----------------------------------------------------------------------------------
    def read_source(self, source: Source) -> str:
        """Load one extract into `raw_<name>`: source, record_id, as_of, row_number + mapped fields."""
        staged = f"stage_{source.name}"
        if source.format == "csv":
            path, _ = read.utf8_path(source, self.work_dir)
            header, delimiter = read.csv_header(path, original=source.path)
            read.check_header(source, header)
            columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
            scan = (
                f"read_csv({literal(str(path))}, header = true, delim = {literal(delimiter)}, quote = '\"', "
                f"escape = '\"', columns = {columns}, strict_mode = true, null_padding = false, "
                f"auto_detect = false, skip = 0)"
            )
        else:
            scan = f"read_parquet({literal(str(source.path))})"
            try:
                header = [r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
            except duckdb.Error as exc:
                raise FusionError(
                    f"not a readable Parquet file: {_first_line(exc)}", file=source.path
                ) from None
            read.check_header(source, header)
        wanted = [source.record_id, *source.columns]
        select = ", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in dict.fromkeys(wanted))
        try:
            self.create(staged, f"SELECT {select} FROM {scan}")
        except duckdb.Error as exc:
            raise _read_error(source, exc) from None
        fields = ", ".join(f"nullif(trim({quote(source.column_for(f))}), '') AS {f}" for f in source.fields)
        # a view, not a copy: rowid is the row's position in the file, and govern reads the view once
        self.con.execute(
            f"CREATE OR REPLACE VIEW raw_{source.name} AS "
            f"SELECT {literal(source.name)} AS source, trim({quote(source.record_id)}) AS record_id, "
            f"DATE {literal(source.as_of.isoformat())} AS as_of, rowid + 1 AS row_number, {fields} "
            f"FROM {staged}"
        )
        self._check_record_ids(source)
        return f"raw_{source.name}"

    def _check_record_ids(self, source: Source) -> None:
        table = f"raw_{source.name}"
        empty = self.scalar(f"SELECT min(row_number) FROM {table} WHERE record_id IS NULL OR record_id = ''")
        if empty is not None:
            raise FusionError("the record id is empty", file=source.path, column=source.record_id, row=empty)
        dup = self.rows(
            f"SELECT record_id, list(row_number ORDER BY row_number)[1:2] FROM {table} "
            f"GROUP BY record_id HAVING count(*) > 1 ORDER BY min(row_number) LIMIT 1"
        )
        if dup:
            rid, rows = dup[0]
            raise FusionError(
                f"record id {rid!r} is not unique (rows {rows[0]} and {rows[1]})",
                file=source.path,
                column=source.record_id,
                row=rows[1],
            )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def _read_error(source: Source, exc: Exception) -> FusionError:
    text = str(exc)
    line = re.search(r"[Ll]ine:?\s*(\d+)", text)
    row = int(line.group(1)) - 1 if line else None
    if "Expected Number of Columns" in text or "columns" in text.lower():
        message = "a data row has a different number of fields than the header"
    elif "unicode" in text.lower() or "utf" in text.lower():
        message = "not valid UTF-8 (declare `encoding: gbk` in sources.yaml if it is GBK)"
    else:
        message = f"cannot be read: {_first_line(exc)}"
    return FusionError(message, file=source.path, row=row)
