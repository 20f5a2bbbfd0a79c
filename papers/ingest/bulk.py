"""Inserting many new rows fast, with PostgreSQL's COPY.

Rows are tuples in the order of ``columns`` (attribute names, without the primary key).
With ``returning_ids`` the new rows' ids come back in order, reserved from the table's
sequence before the COPY.
"""

from collections.abc import Sequence

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_adapters(model: type[models.Model], columns: Sequence[str]) -> list:
    """Per column, how a Python value goes into COPY (JSON needs wrapping; the rest as is)."""
    from psycopg.types.json import Jsonb

    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [Jsonb if isinstance(fields[c], models.JSONField) else None for c in columns]


def adapt_row(row: tuple, adapters: list) -> tuple:
    return tuple(
        value if adapt is None or value is None else adapt(value)
        for value, adapt in zip(row, adapters, strict=True)
    )


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    returning_ids: bool = False,
) -> list[int]:
    if not rows:
        return []
    ids = reserve_ids(model, len(rows)) if returning_ids else []
    names = ["id", *columns] if returning_ids else list(columns)
    adapters = copy_adapters(model, columns)
    if any(adapters):
        rows = [adapt_row(row, adapters) for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(name) for name in names)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
    ):
        if returning_ids:
            for new_id, row in zip(ids, rows, strict=True):
                copy.write_row((new_id, *row))
        else:
            for row in rows:
                copy.write_row(row)
    return ids


def model_columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]
