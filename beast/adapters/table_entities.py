"""Map Beast's frozen record dataclasses to Table Storage entities and back.

Fields may be ``str``, ``int``, ``datetime`` (timezone-aware, stored as UTC), a
``StrEnum`` (stored as its value) or ``None`` (stored as an absent property, which
is also why Beast never queries ``eq null``: Azurite cannot). The ``etag`` field is
not a property: it travels in the entity's metadata.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

_ETAG = "etag"
_KEYS = frozenset({"PartitionKey", "RowKey"})

Record = TypeVar("Record")


def _scalar_type(hint: Any) -> type[Any]:
    """The one non-None type behind ``hint`` (``X`` or ``X | None``)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) == 1:
            return _scalar_type(options[0])
    if isinstance(hint, type) and issubclass(hint, str | int | datetime):
        return hint
    raise TypeError(f"Table entities cannot hold a field of type {hint!r}")


_FIELD_TYPES: dict[type[Any], dict[str, type[Any]]] = {}


def _field_types(cls: type[Any]) -> dict[str, type[Any]]:
    if cls not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        _FIELD_TYPES[cls] = {
            field.name: _scalar_type(hints[field.name])
            for field in dataclasses.fields(cls)
            if field.name != _ETAG
        }
    return _FIELD_TYPES[cls]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        # The SDK would read a naive datetime as the machine's local time.
        raise ValueError(f"Refusing to store naive datetime {value.isoformat()}")
    return value.astimezone(UTC)


def _to_property(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return _utc(value)
    return value


def _from_property(kind: type[Any], value: Any) -> Any:
    if isinstance(value, tuple):  # EntityProperty(value, EdmType) for Int64 and kin
        value = value[0]
    if issubclass(kind, StrEnum):
        return kind(value)
    if kind is datetime:
        if not isinstance(value, datetime):
            raise TypeError(f"Expected a datetime property, got {value!r}")
        # A plain UTC datetime, not the SDK's TablesEntityDatetime subclass.
        return datetime.combine(value.date(), value.time(), UTC)
    return kind(value)


def to_entity(record: Any, *, partition_key: str, row_key: str) -> dict[str, Any]:
    """The entity for ``record`` under the given (already encoded) keys."""
    entity: dict[str, Any] = {"PartitionKey": partition_key, "RowKey": row_key}
    for name in _field_types(type(record)):
        value = getattr(record, name)
        if value is not None:
            entity[name] = _to_property(value)
    return entity


def from_entity(cls: type[Record], entity: Mapping[str, Any]) -> Record:
    """The record of type ``cls`` stored in ``entity``, with its etag when it has one."""
    kinds = _field_types(cls)
    values = {
        name: _from_property(kinds[name], value)
        for name, value in entity.items()
        if name in kinds and name not in _KEYS and value is not None
    }
    if _ETAG in {field.name for field in dataclasses.fields(typing.cast(Any, cls))}:
        metadata = getattr(entity, "metadata", None) or {}
        values[_ETAG] = metadata.get(_ETAG)
    return cls(**values)


def etag_of(metadata: Mapping[str, Any]) -> str:
    """The etag in the metadata the SDK returns from a write."""
    return str(metadata[_ETAG])
