"""The base of every input schema: the text policy and strict scalar types at the edge.

Every Pydantic model that takes input from outside (API bodies, forms, imports, CLI)
derives from :class:`InputModel`, so one rule holds everywhere:

- every string in it, nested ones included, follows :mod:`brokerguard.textpolicy`
  (fields declared :data:`~brokerguard.textpolicy.MultilineText` keep tab and line breaks);
- dates, times and datetimes are ISO 8601 text (or the Python value from a form or an
  import parser), never a number: ``0`` is not 1970-01-01;
- booleans are ``true``/``false``, never ``0``, ``1`` or ``"yes"``;
- whole numbers are integers, never booleans, fractions or strings; decimals are numbers.

Query and form parameters use the same checks through :data:`IsoDate`,
:data:`IsoDateTime` and :data:`QueryBool`.
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime, time
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ValidationInfo, field_validator

from brokerguard.textpolicy import check_text, is_multiline, is_verbatim

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ZONE = r"(Z|[+-]\d{2}:?\d{2})?"
_ISO_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?" + _ZONE, re.IGNORECASE)
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]" + _ISO_TIME.pattern, re.IGNORECASE)


_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a decimal number", list: "a list"}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), "an object" if isinstance(value, dict) else "a value")


def _iso_text(value: object, pattern: re.Pattern[str], want: str) -> str:
    if isinstance(value, str) and pattern.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"want {want}, got {_shown(value)}")


def strict_date(value: object) -> object:
    """A date, or ISO text ``YYYY-MM-DD``; a number or a datetime is refused."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return _iso_text(value, _ISO_DATE, "a date as text YYYY-MM-DD")


def strict_datetime(value: object) -> object:
    """A datetime, or ISO 8601 text with date and time; a number is refused."""
    if isinstance(value, datetime):
        return value
    return _iso_text(value, _ISO_DATETIME, "a date and time as ISO 8601 text")


def strict_time(value: object) -> object:
    """A time, or ISO text ``HH:MM[:SS]``; a number is refused."""
    if isinstance(value, time):
        return value
    return _iso_text(value, _ISO_TIME, "a time as text HH:MM[:SS]")


def strict_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    raise ValueError(f"want true or false, got {_shown(value)}")


def strict_text_bool(value: object) -> object:
    """A query or form boolean: the text ``true`` or ``false`` (as JSON and the OpenAPI
    document spell it); ``0``, ``1``, ``yes``, ``on`` and ``True`` are refused."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"want true or false, got {_shown(value)}")


def strict_int(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"want a whole number, got {_shown(value)}")


def strict_float(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise ValueError(f"want a number, got {_shown(value)}")


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value[:40])
    if isinstance(value, bool | int | float):
        return f"{_type_name(value)} ({value!r})"
    return _type_name(value)


#: a query or form parameter holding a boolean: ``true`` or ``false`` only
QueryBool = Annotated[bool, BeforeValidator(strict_text_bool)]
#: a query or form parameter holding a date: ISO text only
IsoDate = Annotated[date, BeforeValidator(strict_date)]
#: a query or form parameter holding a date and time: ISO 8601 text only
IsoDateTime = Annotated[datetime, BeforeValidator(strict_datetime)]

#: the scalar types checked strictly, most specific first (datetime is a date)
_STRICT = (
    (bool, strict_bool),
    (datetime, strict_datetime),
    (date, strict_date),
    (time, strict_time),
    (int, strict_int),
    (float, strict_float),
)


def _scalar_type(annotation: Any) -> type | None:
    """The one scalar type of ``annotation`` (``X`` or ``X | None``), else None."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            return None
        annotation = members[0]
    return annotation if isinstance(annotation, type) else None


def _police(value: Any, multiline: bool) -> Any:
    if isinstance(value, str):
        return check_text(value, multiline=multiline)
    if isinstance(value, list):
        return [_police(item, multiline) for item in value]
    if isinstance(value, tuple):
        return tuple(_police(item, multiline) for item in value)
    if isinstance(value, dict):
        return {_police(k, False): _police(v, multiline) for k, v in value.items()}
    return value


class TextPolicyModel(BaseModel):
    """The text policy alone: for the members of a discriminated union, whose tag field
    may carry no before-validator (Pydantic's rule) and which hold text only."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_policy(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return value
        metadata = cls.model_fields[info.field_name].metadata
        if is_verbatim(metadata):
            return value
        return _police(value, is_multiline(metadata))


class InputModel(TextPolicyModel):
    """Base of every input schema (see the module docstring for the rules)."""

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or info.field_name is None:
            return value
        scalar = _scalar_type(cls.model_fields[info.field_name].annotation)
        if scalar is None:
            return value
        for kind, check in _STRICT:
            if issubclass(scalar, kind) and not issubclass(scalar, str):
                return check(value)
        return value
