"""The one description of a register (:class:`RegisterSpec`, in one of two modes) and the
generic operations on a column-mode register."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerguard.clock import Clock
from brokerguard.config import Settings
from brokerguard.errors import NotFoundError, ValidationError
from brokerguard.registerkit.model_rows import ExportTable, ImportRows
from brokerguard.tabular import (
    MEDIA_TYPES,
    Column,
    ImportMode,
    ImportRejectedError,
    RowError,
    read_table,
    rows_with_errors,
    write_csv,
    write_xlsx,
)

M = TypeVar("M")
P = TypeVar("P", bound=BaseModel)

#: save(session, clock, existing_or_None, parsed_values, actor) -> the saved row
Saver = Callable[[Session, Clock, Any, dict[str, Any], str], Any]
#: keep(session, clock, settings, content, filename, loaded rows, actor) -> evidence reference
ImportKeeper = Callable[
    [Session, Clock, Settings, bytes, str, list[dict[str, Any]], str], str | None
]
Finder = Callable[[Session, dict[str, Any]], Any]
RowView = Callable[[Session, Any], dict[str, Any]]

MAX_FORM_VALUE = 4096
CACHE_KEY = "registerkit.import_cache"
T = TypeVar("T")


def cached_lookup(session: Session, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    """Memoise a lookup of *another* register (a course by code, an account by name) for
    the length of one import; outside an import it just loads."""
    cache: dict[tuple[Any, ...], Any] | None = session.info.get(CACHE_KEY)
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    result: T = cache[key]
    return result


@dataclass(frozen=True)
class FormField:
    """One input of a model-mode form. ``kind``: text, textarea, bool, optbool, date, choice."""

    name: str
    label: str  # English msgid
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label_zh, label_en)
    help: str = ""


@dataclass(frozen=True)
class ListColumn:
    """One column of a model-mode list page."""

    key: str
    label: str  # English msgid
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # value -> (zh, en)


@dataclass(frozen=True)
class ColumnMode:
    """Column mode: the register's rows are parsed by :mod:`brokerguard.tabular` columns and
    saved one by one (``save``); an import answers ``created``/``updated``/``errors``.

    ``save`` must check every rule before it changes the row or adds it to the
    session, so a refused row (``ValidationError``) leaves nothing behind.
    """

    columns: tuple[Column, ...]
    unique: tuple[str, ...]
    save: Saver
    find: Finder
    to_row: RowView
    #: the JSON shape of ``to_row``'s dictionary: one entry in the API (truthful OpenAPI)
    row_model: type[BaseModel]
    order_by: Callable[[], Sequence[Any]] = field(default=lambda: ())
    #: columns shown as long text (textarea) in forms
    long_text: frozenset[str] = frozenset()
    #: columns shown as a choice in forms: name -> allowed values
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: keeps an imported file as evidence (e.g. a training roster); optional
    keep_import: ImportKeeper | None = None


@dataclass(frozen=True)
class ModelMode(Generic[P]):
    """Model mode: rows and forms are validated into the register's Pydantic input model
    ``P`` and handed to the domain's service; an import answers
    ``total``/``loaded``/``rejected``/``errors``."""

    fields: Sequence[FormField]
    list_columns: Sequence[ListColumn]
    list_rows: Callable[[Session], Sequence[BaseModel]]
    create: Callable[[Session, Clock, P, str], Any]
    get: Callable[[Session, str], BaseModel] | None = None
    update: Callable[[Session, Clock, str, P], Any] | None = None
    import_rows: ImportRows | None = None
    export: ExportTable | None = None
    import_help: str = ""
    links: Sequence[tuple[str, str]] = ()  # (path, English msgid) shown above the list
    own_list_page: bool = False  # the domain renders the list page itself
    detail_link: bool = False  # the first column links to ``{path}/{id}``


@dataclass(frozen=True)
class RegisterSpec(Generic[M]):
    """One register, declared once: the API, the pages, the CLI and the CSV/XLSX import and
    export are all built from it. ``mode`` is the register's answer shape
    (:class:`ColumnMode` or :class:`ModelMode`).

    ``key`` is its slug (``social-platforms``, ``iot-assets``: export file names, API tags);
    ``path`` is where it lives: in column mode its short name under its area in URLs and
    the CLI (``platforms``), in model mode its page URL (``/iot/assets``).
    """

    key: str
    path: str
    title_zh: str
    title_en: str
    #: column mode: the ORM class of a row; model mode: the Pydantic input model
    model: type[M]
    mode: ColumnMode | ModelMode[Any]
    requirement_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.mode, ColumnMode | ModelMode):
            raise TypeError(f"register {self.key!r}: mode must be ColumnMode or ModelMode")

    @property
    def title(self) -> str:
        """The English title: the catalogue's msgid."""
        return self.title_en

    @property
    def by_columns(self) -> ColumnMode:
        """The column-mode part; a model-mode register raises naming itself."""
        if not isinstance(self.mode, ColumnMode):
            raise TypeError(f"register {self.key!r} is in model mode, not column mode")
        return self.mode

    @property
    def by_model(self) -> ModelMode[Any]:
        """The model-mode part; a column-mode register raises naming itself."""
        if not isinstance(self.mode, ModelMode):
            raise TypeError(f"register {self.key!r} is in column mode, not model mode")
        return self.mode

    @property
    def columns(self) -> tuple[Column, ...]:
        """A column-mode register's file and form columns."""
        return self.by_columns.columns

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise ValidationError(f"unknown field {name!r}", field=name)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: the imported file in the evidence store, when the register keeps imports
    evidence_ref: str | None = None

    @property
    def refused(self) -> int:
        """Rows refused (a row with several bad cells counts once)."""
        return rows_with_errors(self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "total": self.total,
            "evidence_ref": self.evidence_ref,
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
        }


def as_text(value: object) -> str:
    """A JSON/CLI value as the text a column parser reads."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise ValidationError(f"unsupported value type {type(value).__name__}", field="value")


def parse_values(
    spec: RegisterSpec[Any], raw: Mapping[str, object], *, partial: bool = False
) -> dict[str, Any]:
    """Parse field values with the register's columns; the first bad field raises.

    With ``partial`` only the given fields are parsed (an edit); otherwise every
    required column must be present (a create).
    """
    known = {c.name for c in spec.columns}
    for name in raw:
        if name not in known:
            raise ValidationError(
                f"unknown field {name!r} (known: {', '.join(sorted(known))})", field=str(name)
            )
    parsed: dict[str, Any] = {}
    for column in spec.columns:
        if partial and column.name not in raw:
            continue
        text_value = as_text(raw.get(column.name)).strip()
        if len(text_value) > MAX_FORM_VALUE:
            raise ValidationError(
                f"{column.name} is longer than {MAX_FORM_VALUE} characters", field=column.name
            )
        if not text_value:
            if column.required:
                raise ValidationError(f"{column.name} is required", field=column.name)
            parsed[column.name] = column.default
            continue
        try:
            parsed[column.name] = column.parse(text_value)
        except ValueError as exc:
            raise ValidationError(f"{column.name}: {exc}", field=column.name) from None
    return parsed


def list_items(
    session: Session, spec: RegisterSpec[M], *, limit: int | None = None, offset: int = 0
) -> list[M]:
    statement = select(spec.model).order_by(*spec.by_columns.order_by()).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def count_items(session: Session, spec: RegisterSpec[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(spec.model)) or 0)


def get_item(session: Session, spec: RegisterSpec[M], item_id: str) -> M:
    if not item_id or len(item_id) > 64:
        raise NotFoundError(f"no {spec.key} entry {item_id!r}", field="id")
    row = session.get(spec.model, item_id)
    if row is None:
        raise NotFoundError(f"no {spec.key} entry {item_id!r}", field="id")
    return row


def create_item(
    session: Session, clock: Clock, spec: RegisterSpec[M], raw: Mapping[str, object], actor: str
) -> M:
    values = parse_values(spec, raw)
    rows = spec.by_columns
    if rows.unique and rows.find(session, values) is not None:
        key = ", ".join(str(values.get(n)) for n in rows.unique)
        raise ValidationError(f"an entry with {key} already exists", field=rows.unique[0])
    row: M = rows.save(session, clock, None, values, actor)
    session.flush()
    return row


def update_item(
    session: Session,
    clock: Clock,
    spec: RegisterSpec[M],
    item_id: str,
    raw: Mapping[str, object],
    actor: str,
) -> M:
    rows = spec.by_columns
    row = get_item(session, spec, item_id)
    current = rows.to_row(session, row)
    values = {c.name: current.get(c.name) for c in rows.columns}
    values.update(parse_values(spec, raw, partial=True))
    if rows.unique:
        other = rows.find(session, values)
        if other is not None and other is not row:
            key = ", ".join(str(values.get(n)) for n in rows.unique)
            raise ValidationError(f"an entry with {key} already exists", field=rows.unique[0])
    saved: M = rows.save(session, clock, row, values, actor)
    session.flush()
    return saved


def import_items(
    session: Session,
    clock: Clock,
    spec: RegisterSpec[Any],
    content: bytes,
    filename: str,
    mode: ImportMode,
    actor: str,
    *,
    settings: Settings | None = None,
) -> ImportSummary:
    """Load a CSV/XLSX file: new keys are created, known keys updated.

    ``all_or_nothing`` loads nothing when any row fails (parsing or the register's
    own rules); ``valid_rows`` loads the good rows and reports the others.
    """
    rows = spec.by_columns
    table = read_table(content, filename, rows.columns, unique=rows.unique)
    summary = ImportSummary(total=table.total, errors=list(table.errors))
    if summary.errors and mode is ImportMode.all_or_nothing:
        raise ImportRejectedError(summary.errors, table.total)
    savepoint = session.begin_nested()
    session.info[CACHE_KEY] = {}
    try:
        # rows of one file never share a key (read_table refuses duplicates), so lookups need
        # not see this import's pending rows: no flush per row
        with session.no_autoflush:
            for values, line in zip(table.rows, table.lines, strict=True):
                existing = rows.find(session, values) if rows.unique else None
                try:
                    # savers validate before they change anything: a refused row leaves no trace
                    rows.save(session, clock, existing, values, actor)
                except ValidationError as exc:
                    summary.errors.append(RowError(line, exc.field, exc.message))
                    continue
                if existing is None:
                    summary.created += 1
                else:
                    summary.updated += 1
    finally:
        session.info.pop(CACHE_KEY, None)
    if summary.errors and mode is ImportMode.all_or_nothing:
        savepoint.rollback()
        summary.errors.sort(key=lambda e: e.line)
        raise ImportRejectedError(summary.errors, table.total)
    savepoint.commit()
    session.flush()
    loaded = summary.created + summary.updated
    if settings is not None and rows.keep_import is not None and loaded:
        accepted = [
            values
            for values, line in zip(table.rows, table.lines, strict=True)
            if line not in {e.line for e in summary.errors}
        ]
        summary.evidence_ref = rows.keep_import(
            session, clock, settings, content, filename, accepted, actor
        )
    summary.errors.sort(key=lambda e: e.line)
    return summary


def export_rows(
    session: Session, spec: RegisterSpec[Any], *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    to_row = spec.by_columns.to_row
    return [to_row(session, row) for row in list_items(session, spec, limit=limit, offset=offset)]


def table_file(
    columns: Sequence[Column], rows: list[dict[str, Any]], fmt: str, name: str
) -> tuple[bytes, str, str]:
    """``rows`` as ``<name>.csv`` or ``<name>.xlsx`` (sheet ``name``): (content, media type,
    file name)."""
    if fmt == "csv":
        content = write_csv(columns, rows)
    elif fmt == "xlsx":
        content = write_xlsx(columns, rows, title=name)
    else:
        raise ValidationError(f"format must be csv or xlsx, not {fmt[:20]!r}", field="format")
    return content, MEDIA_TYPES[fmt], f"{name}.{fmt}"


def export_items(session: Session, spec: RegisterSpec[Any], fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the whole register as CSV or XLSX."""
    return table_file(spec.columns, export_rows(session, spec), fmt, spec.key)


def parse_mode(value: str) -> ImportMode:
    try:
        return ImportMode(value.strip())
    except ValueError:
        raise ValidationError("mode must be all_or_nothing or valid_rows", field="mode") from None
