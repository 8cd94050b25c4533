"""Server-side search, filter, sort and pages of a list (web/tables.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from starlette.datastructures import QueryParams

from brokerguard.errors import ValidationError
from brokerguard.web.tables import TableSpec, table_page


@dataclass(frozen=True)
class Row:
    name: str
    status: str
    count: int | None


ROWS = [
    Row(f"alert {n:02d}", "new" if n % 3 else "closed", n if n % 5 else None) for n in range(60)
]
SPEC: TableSpec[Row] = TableSpec(
    search=lambda r: r.name,
    sorts={"name": lambda r: r.name, "count": lambda r: r.count},
    default_sort="name",
    filters={"status": (("new", "closed"), lambda r: r.status)},
)


def page(query: str) -> list[str]:
    return [r.name for r in table_page(QueryParams(query), SPEC, ROWS).rows]


def test_default_sort_and_first_page() -> None:
    result = table_page(QueryParams(""), SPEC, ROWS)
    assert result.total == 60 and result.pages == 3 and len(result.rows) == 25
    assert result.rows[0].name == "alert 00" and (result.first, result.last) == (1, 25)


def test_filter_search_sort_and_page_together() -> None:
    assert page("status=closed&sort=-name&per_page=25")[:2] == ["alert 57", "alert 54"]
    assert page("q=ALERT 1&status=new") == [f"alert 1{n}" for n in (0, 1, 3, 4, 6, 7, 9)]
    assert page("page=3") == [f"alert {n}" for n in range(50, 60)]


def test_rows_without_a_value_sort_last_both_ways() -> None:
    ascending = table_page(QueryParams("sort=count&per_page=100"), SPEC, ROWS).rows
    descending = table_page(QueryParams("sort=-count&per_page=100"), SPEC, ROWS).rows
    assert ascending[0].count == 1 and ascending[-1].count is None
    assert descending[0].count == 59 and descending[-1].count is None


def test_urls_keep_the_state_and_a_change_starts_at_page_one() -> None:
    state = table_page(QueryParams("status=new&sort=name&page=2&lang=en"), SPEC, ROWS).state
    assert state.url(page=3) == "?status=new&sort=name&page=3&lang=en"
    assert state.sort_url("name") == "?status=new&sort=-name&lang=en"
    assert state.sort_url("count") == "?status=new&sort=count&lang=en"
    assert state.cleared_url() == "?sort=name&lang=en"
    assert state.aria_sort("name") == "ascending" and state.aria_sort("count") == "none"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=password", "sort"),
        ("status=deleted", "status"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=9", "page"),
        ("per_page=1000", "per_page"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_name_the_field(query: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        table_page(QueryParams(query), SPEC, ROWS)
    assert caught.value.field == field
