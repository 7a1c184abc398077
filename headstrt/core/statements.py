"""Hand-written SQL for the few hot reads that would otherwise spend most of their time
having Django build the query: names quoted from the models, rows turned back into the
values and instances the ORM would give."""

from django.db import connection
from django.db.models import Model


def quoted(model: type[Model], field: str | None = None) -> str:
    """A model's table, or the column of one of its fields, quoted for the database."""
    name = model._meta.db_table if field is None else model._meta.get_field(field).column
    return connection.ops.quote_name(name)


def field_value(model: type[Model], field: str, value):
    """A column's value as ``model``'s ``field`` holds it: the database converters the ORM
    applies (e.g. SQLite's text instants into aware datetimes)."""
    column = model._meta.get_field(field).get_col(model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
        connection
    ):
        value = converter(value, column, connection)
    return value


def instance_of(model: type[Model], fields: tuple[str, ...], values) -> Model:
    """A ``model`` instance from the columns of ``fields`` (attribute names, as ``attname``);
    its other fields load when first read, as with ``QuerySet.only``."""
    given = dict(zip(fields, values, strict=True))
    names = [field.attname for field in model._meta.concrete_fields if field.attname in given]
    return model.from_db(
        connection.alias, names, [field_value(model, name, given[name]) for name in names]
    )
