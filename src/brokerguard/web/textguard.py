"""The text policy for what is not a JSON body: query, path and form values, file names.

JSON bodies are checked by their schema (:class:`brokerguard.inputs.InputModel`); this
app-wide dependency checks everything else a request carries, so no route can store,
search or audit a value with a control or bidi character. Query and path values are
single-line; form values may hold line breaks (a textarea), nothing else.
"""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from brokerguard.errors import ValidationError
from brokerguard.textpolicy import unsafe_character

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(place: str, name: str, value: str, *, multiline: bool) -> None:
    found = unsafe_character(value, multiline=multiline)
    if found is None:
        return
    position, char = found
    raise ValidationError(
        f"{place} {name!r} contains the character U+{ord(char):04X} at position "
        f"{position + 1}: control and bidirectional formatting characters are refused",
        field=name,
    )


async def refuse_unsafe_text(request: Request) -> None:
    """Raise a 422 naming the first query, path or form value that breaks the text policy."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _refuse("path parameter", name, value, multiline=False)
    for name, value in request.query_params.multi_items():
        _refuse("query parameter", name, name, multiline=False)
        _refuse("query parameter", name, value, multiline=False)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        return
    form = await request.form()
    for name, item in form.multi_items():
        _refuse("form field", name, name, multiline=False)
        if isinstance(item, UploadFile):
            _refuse("file name of", name, item.filename or "", multiline=False)
        else:
            _refuse("form field", name, item, multiline=True)
