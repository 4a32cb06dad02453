"""Languages: locale negotiation and the gettext catalogs every message is rendered from.

Every message the library writes for people (the message of an error code, the name
of a status or a field inside it, a label on a printed document) is an English source
string, the gettext ``msgid``, translated through a compiled catalog
(``locale/<language>/LC_MESSAGES/salesorder.mo``, shipped inside the package). The
``.po`` sources sit beside the ``.mo`` files; ``python scripts/update_catalogs.py``
extracts the messages, updates the ``.po`` files and compiles them, and
``tests/unit/test_i18n.py`` fails when a catalog is stale or a message untranslated.

Message contexts (``msgctxt``) keep equal English apart: an error code's message has its
code as context (``line.quantity.not_positive``), a word that fills a message (a
status, an event, a field) has the context ``term``, a document label ``document``.

Languages and fallbacks (one rule, [negotiate][salesorder.i18n.negotiate], for messages
and documents):

| asked for | language |
|---|---|
| `zh_TW`, `zh_HK`, `zh_MO`, `zh_Hant`, `zh_Hant_*` | `zh_Hant` (Traditional Chinese) |
| `zh`, `zh_CN`, `zh_SG`, `zh_Hans`, any other `zh_*` | `zh_Hans` (Simplified Chinese) |
| `en`, `en_*` | `en` (English, the source strings) |
| a language with a host catalog ([add_catalogs][salesorder.i18n.add_catalogs]) | that one |
| anything else (`fr` with no catalog, `""`, `None`, not a locale identifier) | `en` |

A host language is matched with its territory first (``fr_CA`` before ``fr``).
Hyphens count as underscores (``zh-TW`` is ``zh_TW``) and case does not matter. An
entry a catalog lacks falls back to the language's parent (``fr_CA`` to ``fr``, a host's
``zh_Hant`` addition to the shipped ``zh_Hant``) and finally to the English source.

This module is part of the pure core: it imports the standard library and babel only.
"""

from __future__ import annotations

from pathlib import Path

from salesorder import _arguments as arguments
from salesorder import _i18n as catalogs
from salesorder._i18n import (
    DOMAIN,
    ENGLISH,
    LANGUAGES,
    SIMPLIFIED_CHINESE,
    TRADITIONAL_CHINESE,
    Language,
    available_languages,
    negotiate,
    negotiate_accept_language,
    translate,
)
from salesorder.errors import InvalidArgument

__all__ = [
    "DOMAIN",
    "ENGLISH",
    "LANGUAGES",
    "SIMPLIFIED_CHINESE",
    "TRADITIONAL_CHINESE",
    "Language",
    "add_catalogs",
    "available_languages",
    "negotiate",
    "negotiate_accept_language",
    "remove_catalogs",
    "translate",
]


def _directory(directory: object) -> Path:
    if not isinstance(directory, str | Path):
        raise arguments.wrong_type("directory", "a path (str or pathlib.Path)", directory)
    return Path(directory)


def add_catalogs(directory: str | Path) -> None:
    """Add a host's compiled catalogs: ``<directory>/<language>/LC_MESSAGES/salesorder.mo``.

    A catalog for a new language (``fr``) makes that language negotiable; one for a
    shipped language (``zh_Hant``) overrides the entries it has. Later additions win
    over earlier ones. The msgids and contexts are those of the library's ``.po``
    files (copy ``src/salesorder/locale/zh_Hans/LC_MESSAGES/salesorder.po`` as a start).

    Args:
        directory: The directory holding one folder per language.

    Raises:
        ArgumentTypeError: when ``directory`` is not a path.
        InvalidArgument: ``argument.invalid`` when it is not a directory.
    """
    path = _directory(directory)
    if not path.is_dir():
        raise InvalidArgument(params={"argument": "directory"})
    catalogs.add_catalog_directory(path)


def remove_catalogs(directory: str | Path | None = None) -> None:
    """Forget catalogs added with [add_catalogs][salesorder.i18n.add_catalogs].

    Args:
        directory: The directory to forget; None forgets every host directory.

    Raises:
        ArgumentTypeError: when ``directory`` is neither a path nor None.
    """
    catalogs.remove_catalog_directory(None if directory is None else _directory(directory))
