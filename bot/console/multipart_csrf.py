"""File uploads through asgi-csrf 0.11 with python-multipart 0.0.26 or later.

asgi-csrf checks a multipart form (a file upload) by parsing it until the ``csrftoken`` field,
refusing a file that comes first. It builds python-multipart's ``FormParser`` with a
``FileClass`` argument that python-multipart 0.0.26 removed, so every upload failed with a
TypeError before reaching the page (simonw/asgi-csrf#38, fix proposed in #39). Going back to an
older python-multipart would give up that release's security fixes; instead asgi-csrf is given
a ``FormParser`` with its old signature:

- the token first (the console's forms put it first): found, the upload goes on, as before;
- a file first: asgi-csrf's ``FileBeforeToken`` when that file part ends (the old class raised
  at its first byte; the parser now makes its own file objects), so the form is refused (403);
- no token, or a wrong one: refused by asgi-csrf as before.

``install`` does nothing when python-multipart still takes ``FileClass`` or asgi-csrf no longer
passes it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import asgi_csrf
from python_multipart import FormParser


def install() -> None:
    """Give asgi-csrf a FormParser it can call (once; only where the two versions disagree)."""
    if getattr(asgi_csrf.FormParser, "kefu_compatible", False):
        return
    if "FileClass" in inspect.signature(FormParser.__init__).parameters:
        return  # an older python-multipart: asgi-csrf works as it is
    asgi_csrf.FormParser = _form_parser


def _form_parser(
    content_type: str,
    on_field: Callable[[Any], None] | None,
    on_file: Callable[..., None] | None,
    on_end: Callable[[], None] | None = None,
    boundary: bytes | str | None = None,
    file_name: bytes | None = None,
    FileClass: type | None = None,  # asgi-csrf's keyword
    FieldClass: type | None = None,
    config: dict[Any, Any] | None = None,
) -> FormParser:
    if FileClass is not None:
        # asgi-csrf's stand-in file refused to be written to: a file before the token.
        def on_file(_file: Any) -> None:
            raise asgi_csrf.FileBeforeToken

    return FormParser(
        content_type,
        on_field,
        on_file,
        on_end,
        boundary=boundary,
        file_name=file_name,
        config=config or {},
    )


_form_parser.kefu_compatible = True  # type: ignore[attr-defined]
