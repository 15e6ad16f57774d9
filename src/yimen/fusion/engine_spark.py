"""The Spark engine: the same stages through Spark SQL, with Splink's Spark backend for linkage.

Local mode (`local[N]`) in tests and on one machine; a cluster master URL (`spark://host:7077`, `yarn`) in
production, where the extracts' paths must be visible to every executor. Tables are cached temporary
views; outputs are written as single Parquet files like the DuckDB engine's.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

from yimen.fusion import read
from yimen.fusion.config import FusionError, Source
from yimen.fusion.engine import literal


def _bq(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkEngine:
    name = "spark"
    dialect = "spark"

    def __init__(self, work_dir: Path, *, master: str | None = None, threads=None, memory_limit=None):
        from pyspark.sql import SparkSession

        self.work_dir = work_dir
        builder = (
            SparkSession.builder.master(master or f"local[{int(threads or 2)}]")
            .appName("yimen-fuse")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.warehouse.dir", str(work_dir / "spark-warehouse"))
            .config("spark.sql.shuffle.partitions", str(max(2, int(threads or 2) * 2)))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.local.dir", str(work_dir / "spark-local"))
            .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        )
        if memory_limit:
            builder = builder.config("spark.driver.memory", memory_limit)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        logging.getLogger("py4j").setLevel(logging.WARNING)  # its finaliser logs at exit, to closed streams
        self.spark.sparkContext.setCheckpointDir(str(work_dir / "spark-checkpoints"))
        self._views: dict[str, object] = {}

    # -- tables -----------------------------------------------------------------------------------
    def create(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql).localCheckpoint(eager=True)
        self.drop(name)
        df.createOrReplaceTempView(name)
        self._views[name] = df

    def view(self, name: str, sql: str) -> None:
        df = self.spark.sql(sql)
        self.drop(name)
        df.createOrReplaceTempView(name)
        self._views[name] = df

    def drop(self, name: str) -> None:
        if self._views.pop(name, None) is not None:
            self.spark.catalog.dropTempView(name)

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def scalar(self, sql: str):
        rows = self.spark.sql(sql).collect()
        return rows[0][0] if rows else None

    def count(self, name: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {name}"))

    def columns(self, name: str) -> list[str]:
        return self.spark.table(name).columns

    def write_parquet(self, sql_or_table: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        query = sql_or_table if " " in sql_or_table.strip() else f"SELECT * FROM {sql_or_table}"
        tmp = self.work_dir / f"parquet-{uuid.uuid4().hex[:8]}"
        self.spark.sql(query).coalesce(1).write.option("compression", "zstd").parquet(str(tmp))
        part = next(tmp.glob("part-*.parquet"))
        shutil.move(str(part), str(path))
        shutil.rmtree(tmp, ignore_errors=True)

    def register_arrow(self, name: str, table) -> None:
        df = (
            self.spark.createDataFrame(table)
            if table.num_rows
            else self.spark.createDataFrame([], _arrow_schema(table))
        )
        self.drop(name)
        df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._views[name] = df

    def arrow(self, sql: str):
        return self.spark.sql(sql).toArrow()

    def splink_api(self):
        from splink import SparkAPI

        return SparkAPI(spark_session=self.spark, register_udfs_automatically=False)

    def close(self) -> None:
        for name in list(self._views):
            self.drop(name)
        self.spark.stop()

    # -- reading ----------------------------------------------------------------------------------
    def read_source(self, source: Source) -> str:
        from pyspark.sql import types as T

        if source.format == "csv":
            path, _ = read.utf8_path(source, self.work_dir)
            header, delimiter = read.csv_header(path, original=source.path)
            read.check_header(source, header)
            schema = T.StructType(
                [T.StructField(f"c{i}", T.StringType()) for i in range(len(header))]
                + [T.StructField("_corrupt", T.StringType())]
            )
            df = (
                self.spark.read.option("header", "true")
                .option("sep", delimiter)
                .option("quote", '"')
                .option("escape", '"')
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", "_corrupt")
                .option("enforceSchema", "true")
                .schema(schema)
                .csv(str(path))
            )
            names = {h: f"c{i}" for i, h in enumerate(header)}
        else:
            try:
                df = self.spark.read.parquet(str(source.path))
            except Exception as exc:
                raise FusionError(
                    f"not a readable Parquet file: {str(exc).splitlines()[0]}", file=source.path
                ) from None
            header = df.columns
            read.check_header(source, header)
            names = {h: h for h in header}
        wanted = list(dict.fromkeys([source.record_id, *source.columns]))
        cols = [df[names[c]].cast("string").alias(f"f{i}") for i, c in enumerate(wanted)]
        if source.format == "csv":
            cols.append(df["_corrupt"])
        rdd = df.select(*cols).rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1] + 1))
        staged = self.spark.createDataFrame(
            rdd,
            T.StructType(
                [T.StructField(f"f{i}", T.StringType()) for i in range(len(wanted))]
                + ([T.StructField("_corrupt", T.StringType())] if source.format == "csv" else [])
                + [T.StructField("row_number", T.LongType())]
            ),
        ).localCheckpoint(eager=True)
        if source.format == "csv":
            bad = (
                staged.where("_corrupt IS NOT NULL")
                .select("row_number")
                .orderBy("row_number")
                .limit(1)
                .collect()
            )
            if bad:
                raise FusionError(
                    "a data row has a different number of fields than the header",
                    file=source.path,
                    row=bad[0][0],
                )
        index = {c: f"f{i}" for i, c in enumerate(wanted)}
        staged.createOrReplaceTempView(f"stage_{source.name}")
        fields = ", ".join(f"nullif(trim({index[source.column_for(f)]}), '') AS {f}" for f in source.fields)
        self.create(
            f"raw_{source.name}",
            f"SELECT {literal(source.name)} AS source, trim({index[source.record_id]}) AS record_id, "
            f"DATE {literal(source.as_of.isoformat())} AS as_of, row_number, {fields} FROM stage_{source.name}",
        )
        self.spark.catalog.dropTempView(f"stage_{source.name}")
        self._check_record_ids(source)
        return f"raw_{source.name}"

    def _check_record_ids(self, source: Source) -> None:
        table = f"raw_{source.name}"
        empty = self.scalar(f"SELECT min(row_number) FROM {table} WHERE record_id IS NULL OR record_id = ''")
        if empty is not None:
            raise FusionError("the record id is empty", file=source.path, column=source.record_id, row=empty)
        dup = self.rows(
            f"SELECT record_id, slice(array_sort(collect_list(row_number)), 1, 2) AS rows, min(row_number) AS first "
            f"FROM {table} GROUP BY record_id HAVING count(*) > 1 ORDER BY first LIMIT 1"
        )
        if dup:
            rid, rows, _ = dup[0]
            raise FusionError(
                f"record id {rid!r} is not unique (rows {rows[0]} and {rows[1]})",
                file=source.path,
                column=source.record_id,
                row=rows[1],
            )


def _arrow_schema(table):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(table.schema)
