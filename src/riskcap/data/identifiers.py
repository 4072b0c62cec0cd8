"""The one rule for identifiers and echoed free text, shared by ingest and the API.

An **identifier** (book, desk, legal entity, firm, instrument, factor, curve, trade,
source) is read, then Unicode-normalised (NFKC, so a full-width ``Ａ`` and a plain
``A`` are one name), then must

* be 1 to :data:`MAX_IDENTIFIER_LENGTH` characters long;
* consist of letters and digits (any script) and ``_`` ``.`` ``-`` only;
* start with a letter or a digit (so never with a character a spreadsheet reads as
  a formula: ``=``, ``+``, ``-``, ``@``).

That rules out markup (``<``, ``>``, quotes), spaces, control characters, bidi
overrides and the ``:`` and ``/`` that node labels and URL paths use.

**Free text** echoed back to users (descriptions) is NFKC-normalised, at most
:data:`MAX_TEXT_LENGTH` characters, has no control characters (tab excepted), no
bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and does not start
with a formula character. Markup is allowed there: every reader (the dashboard,
the CLI) prints text, never HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_IDENTIFIER_LENGTH = 100
MAX_TEXT_LENGTH = 500
FORMULA_LEADS = ("=", "+", "-", "@")
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
IDENTIFIER_RULE = (
    f"1-{MAX_IDENTIFIER_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit"
)
_IDENTIFIER = re.compile(r"[^\W_](?:[\w.\-]*)", re.UNICODE)


def normalise(value: str) -> str:
    """``value`` in Unicode normal form NFKC."""
    return unicodedata.normalize("NFKC", value)


def identifier_problem(value: str) -> str | None:
    """Why ``value`` (already normalised) is not an identifier, or ``None`` if it is."""
    if not value:
        return "is empty"
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return f"is {len(value)} characters long (at most {MAX_IDENTIFIER_LENGTH})"
    if _IDENTIFIER.fullmatch(value) is None or any(
        unicodedata.category(c)[0] not in "LN" and c not in "_.-" for c in value
    ):
        return f"is not an identifier ({IDENTIFIER_RULE})"
    return None


def text_problem(value: str) -> str | None:
    """Why ``value`` (already normalised) is not acceptable free text, or ``None``."""
    if len(value) > MAX_TEXT_LENGTH:
        return f"is {len(value)} characters long (at most {MAX_TEXT_LENGTH})"
    if any(c in BIDI_CONTROLS for c in value):
        return "contains a bidirectional-text control character"
    if any(unicodedata.category(c) == "Cc" and c != "\t" for c in value):
        return "contains a control character"
    if value.lstrip().startswith(FORMULA_LEADS):
        return f"starts with one of {' '.join(FORMULA_LEADS)} (read as a formula by spreadsheets)"
    return None


def _checked(value: str, what: str, problem_of: Callable[[str], str | None]) -> str:
    norm = normalise(value)
    problem = problem_of(norm)
    if problem is not None:
        raise ValueError(f"{what} {problem}")
    return norm


def check_identifier(value: str, what: str) -> str:
    """``value`` normalised, or ``ValueError`` naming ``what`` and the rule."""
    return _checked(value, what, identifier_problem)


def check_text(value: str, what: str) -> str:
    """``value`` normalised, or ``ValueError`` naming ``what`` and the rule."""
    return _checked(value, what, text_problem)
