"""Search, filter, sort and pages for the lists of the web UI (issue 17, item 4).

The state lives in the URL (``?q=&status=new&sort=-last_seen&page=2``) so a list
can be bookmarked, shared and kept across the language switch. A page declares
a :class:`TableSpec` (what may be searched, filtered and sorted) and calls
:func:`table_page` with its rows. A value outside the spec (an unknown sort
column, a filter value that does not exist, a page that is not a number) is a
:class:`ValidationError` naming the parameter: a 422 page, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from brokerguard.errors import ValidationError

Row = TypeVar("Row")
PER_PAGE_CHOICES = (25, 50, 100)
MAX_QUERY = 200
#: parameters a list reads; anything else in the URL (``lang``) is left alone
TABLE_PARAMS = frozenset({"q", "sort", "page", "per_page"})


@dataclass(frozen=True)
class TableSpec(Generic[Row]):
    """What a list lets people do.

    ``search``: the text a free-text query is matched against (case-insensitive).
    ``filters``: parameter -> (allowed values, the row's value or values: a row with
    several, such as the units that own a requirement, matches any of them).
    ``sorts``: column -> the row's sort key; ``default_sort`` is one of them,
    ``-`` in front for descending.
    """

    search: Callable[[Row], str]
    sorts: Mapping[str, Callable[[Row], Any]]
    default_sort: str
    filters: Mapping[str, tuple[Sequence[str], Callable[[Row], str | Collection[str]]]] = field(
        default_factory=dict
    )
    per_page: int = 25


@dataclass(frozen=True)
class TableState:
    q: str
    filters: dict[str, str]
    sort: str
    page: int
    per_page: int
    params: tuple[tuple[str, str], ...]  # every query parameter of the request

    @property
    def sort_column(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def url(self, **changes: str | int | None) -> str:
        """This list's query string with ``changes`` (``None`` removes a parameter).

        Any change but the page itself starts again at page 1.
        """
        current = dict(self.params)
        if "page" not in changes:
            current.pop("page", None)
        for key, value in changes.items():
            if value is None or value == "":
                current.pop(key, None)
            else:
                current[key] = str(value)
        if current.get("page") == "1":
            del current["page"]
        return "?" + urlencode(current) if current else "?"

    def cleared_url(self) -> str:
        """The same list without search and filters (sort and page size kept)."""
        changes: dict[str, str | int | None] = dict.fromkeys(self.filters)
        return self.url(q=None, **changes)

    def sort_url(self, column: str) -> str:
        """Sort by ``column``; a second click turns the order round."""
        if self.sort_column == column:
            return self.url(sort=column if self.descending else f"-{column}")
        return self.url(sort=column)

    def aria_sort(self, column: str) -> str:
        if self.sort_column != column:
            return "none"
        return "descending" if self.descending else "ascending"


@dataclass(frozen=True)
class TablePage(Generic[Row]):
    rows: list[Row]
    total: int
    state: TableState
    pages: int

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.state.page - 1) * self.state.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.state.page * self.state.per_page)


def _number(params: QueryParams, name: str, default: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise ValidationError(f"{name} must be a whole number from 1", field=name)
    return int(text)


def table_state(params: QueryParams, spec: TableSpec[Any]) -> TableState:
    q = (params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise ValidationError(f"the search is longer than {MAX_QUERY} characters", field="q")
    filters: dict[str, str] = {}
    for name, (allowed, _) in spec.filters.items():
        value = params.get(name) or ""
        if value and value not in allowed:
            raise ValidationError(
                f"{name} must be one of {', '.join(allowed)}; got {value[:40]!r}", field=name
            )
        if value:
            filters[name] = value
    sort = params.get("sort") or spec.default_sort
    if sort.lstrip("-") not in spec.sorts:
        raise ValidationError(f"sort must be one of {', '.join(spec.sorts)}", field="sort")
    per_page = _number(params, "per_page", spec.per_page)
    if per_page not in (*PER_PAGE_CHOICES, spec.per_page):
        choices = ", ".join(str(n) for n in PER_PAGE_CHOICES)
        raise ValidationError(f"per_page must be one of {choices}", field="per_page")
    return TableState(
        q=q,
        filters=filters,
        sort=sort,
        page=_number(params, "page", 1),
        per_page=per_page,
        params=tuple(params.multi_items()),
    )


def cell_key(value: Any) -> Any:
    """A cell as a sort key: empty is ``None`` (last), text case-folded, an enum by value."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or value == "":
        return None
    return value.casefold() if isinstance(value, str) else value


def column_table(
    columns: Sequence[str],
    cell: Callable[[Row, str], Any],
    *,
    filters: Mapping[str, Sequence[str]] | None = None,
    default_sort: str | None = None,
) -> TableSpec[Row]:
    """The table of a register: search every cell, sort by any column (the first unless
    ``default_sort``), filter the coded columns (``filters``: column -> allowed values)."""

    def getter(name: str) -> Callable[[Row], Any]:
        return lambda row: cell_key(cell(row, name))

    def coded(name: str) -> Callable[[Row], str]:
        def code(row: Row) -> str:
            value = cell(row, name)
            value = value.value if isinstance(value, Enum) else value
            return "" if value is None else str(value)

        return code

    return TableSpec(
        search=lambda row: " ".join(str(cell(row, name) or "") for name in columns),
        sorts={name: getter(name) for name in columns},
        default_sort=default_sort or columns[0],
        filters={name: (tuple(values), coded(name)) for name, values in (filters or {}).items()},
    )


def _has(found: str | Collection[str], value: str) -> bool:
    return found == value if isinstance(found, str) else value in found


def _sort_key(value: Any) -> tuple[int, Any]:
    """``None`` sorts last; other values by themselves."""
    return (1, "") if value is None else (0, value)


def table_page(params: QueryParams, spec: TableSpec[Row], rows: Sequence[Row]) -> TablePage[Row]:
    """Filter, search, sort and cut ``rows`` by the request's query parameters."""
    state = table_state(params, spec)
    chosen = list(rows)
    for name, value in state.filters.items():
        getter = spec.filters[name][1]
        chosen = [row for row in chosen if _has(getter(row), value)]
    if state.q:
        needle = state.q.casefold()
        chosen = [row for row in chosen if needle in spec.search(row).casefold()]
    key = spec.sorts[state.sort_column]
    present = [row for row in chosen if key(row) is not None]
    missing = [row for row in chosen if key(row) is None]
    present.sort(key=lambda row: _sort_key(key(row)), reverse=state.descending)
    chosen = present + missing
    total = len(chosen)
    pages = max(1, -(-total // state.per_page))
    if state.page > pages:
        raise ValidationError(f"page must be at most {pages}", field="page")
    start = (state.page - 1) * state.per_page
    return TablePage(chosen[start : start + state.per_page], total, state, pages)
