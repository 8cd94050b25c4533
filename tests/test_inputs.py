"""InputModel: strict scalars at the edge (issue 20 item 3) and the text policy on nesting."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from brokerguard.inputs import InputModel, IsoDate, IsoDateTime, QueryBool
from brokerguard.textpolicy import MultilineText


class Sample(InputModel):
    day: date | None = None
    at: datetime | None = None
    clock_time: time | None = None
    flag: bool = False
    count: int = Field(default=0, ge=0)
    ratio: float = 0.0
    name: str = ""
    note: MultilineText = ""
    tags: list[str] = Field(default_factory=list)
    values: dict[str, str | int] = Field(default_factory=dict)


def _field_of(data: dict[str, object]) -> str:
    with pytest.raises(PydanticValidationError) as caught:
        Sample.model_validate(data)
    return str(caught.value.errors()[0]["loc"][0])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("day", 0),
        ("day", 1767225600),
        ("day", "0"),
        ("day", True),
        ("day", "2026-01-01T00:00:00"),
        ("at", 0),
        ("at", 0.5),
        ("at", "0.5"),
        ("clock_time", 0.5),
        ("clock_time", 3600),
        ("flag", 0),
        ("flag", 1),
        ("flag", "yes"),
        ("flag", "true"),
        ("count", True),
        ("count", 2.0),
        ("count", "5"),
        ("ratio", False),
        ("ratio", "0.5"),
    ],
)
def test_loose_scalars_are_refused_naming_the_field(field: str, value: object) -> None:
    assert _field_of({field: value}) == field


def test_iso_text_and_python_values_are_accepted() -> None:
    sample = Sample.model_validate(
        {
            "day": "2026-03-04",
            "at": "2026-03-04T09:30:00+08:00",
            "clock_time": "09:30",
            "flag": True,
            "count": 3,
            "ratio": 1,
        }
    )
    assert sample.day == date(2026, 3, 4)
    assert sample.at is not None and sample.at.utcoffset() is not None
    assert sample.clock_time == time(9, 30)
    assert sample.ratio == 1.0
    # forms and import parsers hand over Python values
    assert Sample.model_validate({"day": date(2026, 3, 4)}).day == date(2026, 3, 4)


def test_nested_strings_follow_the_text_policy() -> None:
    assert _field_of({"tags": ["ok", "a\u202eb"]}) == "tags"
    assert _field_of({"values": {"k\u0007": "v"}}) == "values"
    assert _field_of({"values": {"k": "\u0088"}}) == "values"
    assert _field_of({"name": "two\nlines"}) == "name"
    assert Sample.model_validate({"note": "two\r\nlines"}).note == "two\nlines"


def test_query_types_take_iso_text_only() -> None:
    for adapter, good in (
        (TypeAdapter(IsoDate), "2026-03-04"),
        (TypeAdapter(IsoDateTime), "2026-03-04T00:00:00Z"),
    ):
        adapter.validate_python(good)
        for bad in ("0", "0.5", "1767225600", "soon"):
            with pytest.raises(PydanticValidationError):
                adapter.validate_python(bad)


@pytest.mark.parametrize("loose", ["1", "0", "yes", "on", "True", "FALSE", "", " true", 1, 0, None])
def test_a_query_boolean_is_the_text_true_or_false(loose: object) -> None:
    adapter = TypeAdapter(QueryBool)
    assert adapter.validate_python("true") is True
    assert adapter.validate_python("false") is False
    with pytest.raises(PydanticValidationError, match="want true or false"):
        adapter.validate_python(loose)
