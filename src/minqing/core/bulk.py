"""Whole tables in and out of the database as Polars frames: the fast path for analytics jobs.

PostgreSQL moves rows with COPY (CSV over the wire); SQLite with plain cursors, which are fast
enough there because nothing crosses a network. Both run on Django's connection, so they take part
in the caller's transaction.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import polars as pl
from django.db import connection

from minqing.core.jsonfields import NAME

WRITE_BATCH = 50_000
READ_BATCH = 100_000


def read_frame(sql: str, params: Sequence = (), *, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of a query as a frame with the given column names and types, in query order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import psycopg

            query = (
                psycopg.ClientCursor(connection.connection).mogrify(sql, params) if params else sql
            )
            buffer = io.BytesIO()
            with cursor.cursor.copy(
                f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"
            ) as copy:
                for block in copy:
                    buffer.write(block)
            buffer.seek(0)
            if not buffer.getbuffer().nbytes:
                return pl.DataFrame(schema=schema)
            return pl.read_csv(
                buffer,
                has_header=False,
                new_columns=list(schema),
                schema_overrides=dict(schema),
                null_values="\\N",
                # an empty text is "", as on SQLite: COPY writes it as an empty field, which
                # Polars would otherwise read as null
                empty_string_is_null=False,
                infer_schema=False,
            ).cast(schema)
        # SQLite: Django's cursor turns date and datetime columns into Python objects one value
        # at a time, and Polars then infers types row by row; reading every text-like column as
        # plain text (an expression has no declared type, so no converter runs) and building
        # the frame from the rows with their types given, a chunk at a time, is several times
        # faster and holds one chunk of Python tuples instead of all of them (Polars reading the
        # rows itself: a third less than transposing them in Python first)
        texts = (pl.String, pl.Date, pl.Datetime)
        outer = ", ".join(
            f"CAST({name} AS TEXT) AS {name}" if dtype in texts else name
            for name, dtype in schema.items()
        )
        cursor.execute(f"SELECT {outer} FROM ({sql}) AS q", list(params))
        read = {name: (pl.String if dtype in texts else dtype) for name, dtype in schema.items()}
        parts = []
        while rows := cursor.fetchmany(READ_BATCH):
            parts.append(pl.DataFrame(rows, schema=read, orient="row"))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=read)
    return frame.with_columns(
        [pl.col(name).str.to_date() for name, dtype in schema.items() if dtype == pl.Date]
    )


@contextmanager
def working_memory(amount: str = "256MB") -> Iterator[None]:
    """On PostgreSQL, `amount` of memory for each sort and hash of the statements run inside
    (work_mem, for this connection until the block ends): the default 4 MB makes a join of
    millions of rows spill to disk in batches. SQLite has no such setting."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = %s", [amount])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")


def json_text(column: str, name: str) -> str:
    """SQL for the text of the key `name` of the JSON object in `column` (null where absent):
    PostgreSQL's jsonb `->>`, SQLite's json_extract (which gives a text value unquoted)."""
    if not NAME.match(name):
        raise ValueError(f"not a field name: {name!r}")
    if connection.vendor == "postgresql":
        return f"{column} ->> '{name}'"
    return f"json_extract({column}, '$.{name}')"


def json_array_length(column: str) -> str:
    """SQL for the length of the JSON array in `column` (a JSONField: jsonb, or SQLite's text)."""
    if connection.vendor == "postgresql":
        return f"jsonb_array_length({column})"
    return f"json_array_length({column})"


def distinct(a: str, b: str) -> str:
    """SQL: the values a and b differ, a null equal to a null (IS DISTINCT FROM; SQLite's IS NOT)."""
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


def insert_frame(
    table: str, frame: pl.DataFrame, *, progress: Callable[[int], None] | None = None
) -> None:
    """Insert every row of the frame into the table; the frame's column names are the table's."""
    columns = ", ".join(frame.columns)
    dates = [n for n, t in frame.schema.items() if t == pl.Date]
    with connection.cursor() as cursor:
        for start in range(0, frame.height, WRITE_BATCH):
            chunk = frame.slice(start, WRITE_BATCH)
            if connection.vendor == "postgresql":
                buffer = io.BytesIO()
                chunk.write_csv(
                    buffer, include_header=False, null_value="\\N", date_format="%Y-%m-%d"
                )
                with cursor.cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                ) as copy:
                    copy.write(buffer.getvalue())
            else:
                chunk = chunk.with_columns([pl.col(n).dt.strftime("%Y-%m-%d") for n in dates])
                marks = ", ".join(["%s"] * len(frame.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", chunk.rows()
                )
            if progress:
                progress(min(start + WRITE_BATCH, frame.height))


def delete_ids(table: str, ids: Sequence[int], *, column: str = "id") -> None:
    """Delete rows by id, in chunks small enough for any database's parameter limit."""
    values = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5_000):
            chunk = values[start : start + 5_000]
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})", chunk
            )


def delete_all(table: str) -> None:
    """Delete every row of the table in one statement (a job that rewrites the whole table, in
    its transaction: readers keep seeing the old rows until it commits, which TRUNCATE, locking
    them out, would not give)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


@contextmanager
def id_table(name: str, ids: pl.Series) -> Iterator[str]:
    """A temporary table `name` of one column, id (the primary key), holding `ids`, for queries
    to join with (a list of ids in the SQL text grows with it); dropped on leaving."""

    def fill(cursor) -> None:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} (id bigint PRIMARY KEY)")
        insert_frame(name, pl.DataFrame({"id": ids.unique()}, schema={"id": pl.Int64}))

    with _temporary(name, fill):
        yield name


@contextmanager
def query_table(name: str, select: str, params: Sequence = ()) -> Iterator[str]:
    """A temporary table `name` holding the rows of the query `select`, dropped on leaving: for
    the next queries to join with rows whose number the planner could not guess (PostgreSQL
    plans them with statistics of their own)."""

    def fill(cursor) -> None:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", params or None)

    with _temporary(name, fill):
        yield name


@contextmanager
def _temporary(name: str, fill: Callable) -> Iterator[None]:
    """Create and fill the temporary table `name` (fill(cursor)), analyze it, drop it on leaving.
    Left by an error inside a transaction, it goes with the transaction's rollback (PostgreSQL
    refuses any statement in a failed transaction: the DROP would hide the error that failed it)."""
    drop = f"DROP TABLE IF EXISTS {name}"
    with connection.cursor() as cursor:
        try:
            fill(cursor)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {name}")  # a temporary table has no statistics
            yield
        except BaseException:
            if not connection.in_atomic_block:
                cursor.execute(drop)
            raise
        cursor.execute(drop)


def next_ids(table: str, count: int) -> list[int]:
    """`count` ids above the largest in the table, for rows inserted in bulk with explicit ids
    (the caller holds the write lock: it runs inside the job's transaction). On PostgreSQL the
    table's sequence is moved past them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cursor.fetchone()[0] + 1
        if connection.vendor == "postgresql" and count:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [start + count - 1]
            )
    return list(range(start, start + count))


def update_frame(table: str, frame: pl.DataFrame, *, key: str = "id") -> None:
    """Set the frame's columns on the rows whose `key` matches (one statement per batch)."""
    if not frame.height:
        return
    columns = [c for c in frame.columns if c != key]
    dates = [n for n, t in frame.schema.items() if t == pl.Date]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE _bulk_update ON COMMIT DROP AS SELECT {key}, {', '.join(columns)} "
                f"FROM {table} WITH NO DATA"
            )
            insert_frame("_bulk_update", frame)
            sets = ", ".join(f"{c} = u.{c}" for c in columns)
            cursor.execute(
                f"UPDATE {table} t SET {sets} FROM _bulk_update u WHERE t.{key} = u.{key}"
            )
            cursor.execute("DROP TABLE _bulk_update")
            return
        ordered = frame.select(*columns, key).with_columns(
            [pl.col(n).dt.strftime("%Y-%m-%d") for n in dates]
        )
        sets = ", ".join(f"{c} = %s" for c in columns)
        for start in range(0, ordered.height, WRITE_BATCH):
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {key} = %s",
                ordered.slice(start, WRITE_BATCH).rows(),
            )
