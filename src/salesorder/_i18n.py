"""The machinery of [salesorder.i18n][]: negotiation, catalogs, translation.

A private module below ``errors`` (which renders every message through it); the public
face ``salesorder.i18n`` adds the checked entry points a host calls.
"""

from __future__ import annotations

import functools
import gettext
import threading
from importlib import resources
from pathlib import Path
from typing import Final

import attrs
import babel
from babel.support import Translations

__all__ = [
    "DOMAIN",
    "ENGLISH",
    "LANGUAGES",
    "SIMPLIFIED_CHINESE",
    "TRADITIONAL_CHINESE",
    "Language",
    "add_catalog_directory",
    "available_languages",
    "negotiate",
    "negotiate_accept_language",
    "remove_catalog_directory",
    "translate",
]

DOMAIN: Final = "salesorder"
"""The gettext domain of the library's catalogs (``salesorder.mo``)."""

ENGLISH: Final = "en"
"""The source language: message ids are English, so it needs no catalog."""
SIMPLIFIED_CHINESE: Final = "zh_Hans"
"""Simplified Chinese (mainland China, Singapore)."""
TRADITIONAL_CHINESE: Final = "zh_Hant"
"""Traditional Chinese (Taiwan, Hong Kong, Macao)."""

LANGUAGES: Final = (ENGLISH, SIMPLIFIED_CHINESE, TRADITIONAL_CHINESE)
"""The languages the library ships catalogs for (English is the source)."""

#: The babel locale numbers, money and dates are formatted with when the caller's own
#: locale cannot serve (it is not a locale, or not of the language negotiated).
_FORMAT_LOCALES: Final = {
    ENGLISH: "en_US",
    SIMPLIFIED_CHINESE: "zh_CN",
    TRADITIONAL_CHINESE: "zh_TW",
}
_TRADITIONAL_TERRITORIES: Final = frozenset({"TW", "HK", "MO"})

_lock = threading.Lock()
#: Directories a host added, most recent first: their catalogs win over the library's.
_host_directories: list[Path] = []


@attrs.frozen
class Language:
    """The outcome of negotiating a requested locale.

    Attributes:
        catalog: The language messages are translated into: ``en``, ``zh_Hans``,
            ``zh_Hant`` or a language a host added (``fr``, ``fr_CA``).
        locale: The babel locale identifier numbers, money and dates are formatted
            with: the requested one when babel knows it and it is of the negotiated
            language (``zh_HK`` stays ``zh_HK``), otherwise the language's default
            (``en_US``, ``zh_CN``, ``zh_TW``).
    """

    catalog: str
    locale: str

    @property
    def is_chinese(self) -> bool:
        """Whether the language is Chinese (either script)."""
        return self.catalog.split("_", 1)[0] == "zh"


def _parse(requested: str) -> babel.Locale | None:
    identifier = requested.strip().replace("-", "_")
    if not identifier or len(identifier) > 64:
        return None
    try:
        return babel.Locale.parse(identifier)
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return None


def _chinese_script(parsed: babel.Locale) -> str:
    if parsed.script == "Hant":
        return TRADITIONAL_CHINESE
    if parsed.script == "Hans":
        return SIMPLIFIED_CHINESE
    if parsed.territory in _TRADITIONAL_TERRITORIES:
        return TRADITIONAL_CHINESE
    return SIMPLIFIED_CHINESE


@functools.cache
def _negotiate(requested: str) -> Language:
    parsed = _parse(requested)
    if parsed is None:
        return Language(ENGLISH, _FORMAT_LOCALES[ENGLISH])
    catalog = _catalog_language(parsed)
    if parsed.language == catalog.split("_", 1)[0]:
        # babel fills in likely subtags (zh_TW parses as zh_Hant_TW): keep what was asked.
        return Language(catalog, requested.strip().replace("-", "_"))
    return Language(catalog, _FORMAT_LOCALES.get(catalog, catalog))


def _catalog_language(parsed: babel.Locale) -> str:
    hosts = _host_languages()
    if parsed.territory and f"{parsed.language}_{parsed.territory}" in hosts:
        return f"{parsed.language}_{parsed.territory}"
    if parsed.language == "zh":
        return _chinese_script(parsed)
    if parsed.language in hosts:
        return parsed.language
    return ENGLISH


def negotiate(locale: str | None) -> Language:
    """The language (and formatting locale) to use for a requested locale.

    The rule in the module's table: Traditional Chinese for ``zh_TW``, ``zh_HK``,
    ``zh_MO`` and the ``Hant`` script, Simplified Chinese for every other ``zh``,
    a host's language when a catalog for it was added, English otherwise. Never
    raises: anything that is not a locale identifier negotiates to English.

    Args:
        locale: A locale identifier (``zh_TW``, ``zh-HK``, ``en_GB``) or None.

    Returns:
        The negotiated [Language][salesorder.i18n.Language].
    """
    if not isinstance(locale, str):
        return _negotiate("")
    return _negotiate(locale[:64])


def negotiate_accept_language(header: str | None) -> Language:
    """The language for an HTTP ``Accept-Language`` header (RFC 9110), by the same rule.

    The ranges are tried by descending weight (``q``), in header order on a tie; the
    first that [negotiate][salesorder.i18n.negotiate] serves with its own language wins
    (``fr;q=1, zh-TW;q=0.8`` gives Traditional Chinese when no French catalog was
    added). ``*``, an empty or malformed header, or no range served: English.

    Args:
        header: The header's value, e.g. ``zh-TW,zh;q=0.9,en;q=0.8``.

    Returns:
        The negotiated [Language][salesorder.i18n.Language].
    """
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:1024].split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if tag and tag != "*" and 0 < weight <= 1:
            ranges.append((-weight, position, tag))
    for _, _, tag in sorted(ranges):
        language = negotiate(tag)
        if language.catalog.split("_", 1)[0] == tag.replace("-", "_").split("_", 1)[0].lower():
            return language
    return negotiate(ENGLISH)


def available_languages() -> tuple[str, ...]:
    """Every language messages can be rendered in: the shipped ones and a host's."""
    return tuple(dict.fromkeys((*LANGUAGES, *sorted(_host_languages()))))


@functools.cache
def _host_languages() -> frozenset[str]:
    found: set[str] = set()
    for directory in _host_directories:
        for mo in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"):
            found.add(mo.parent.parent.name)
    return frozenset(found)


def _chain(catalog: str) -> tuple[str, ...]:
    """The catalog languages to read, most specific first (``fr_CA``, ``fr``)."""
    parts = catalog.split("_")
    return tuple("_".join(parts[:n]) for n in range(len(parts), 0, -1))


def _load(directory: Path, language: str) -> Translations | None:
    path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def _library_directory() -> Path:
    return Path(str(resources.files("salesorder") / "locale"))


@functools.cache
def _translations(catalog: str) -> gettext.NullTranslations:
    """The merged catalogs of ``catalog``: a host's before the library's, child before parent."""
    layers: list[gettext.NullTranslations] = []
    for language in _chain(catalog):
        for directory in (*_host_directories, _library_directory()):
            loaded = _load(directory, language)
            if loaded is not None:
                layers.append(loaded)
    if not layers:
        return gettext.NullTranslations()
    first = layers[0]
    for layer in layers[1:]:
        first.add_fallback(layer)
    return first


def translate(message: str, language: str, *, context: str | None = None) -> str:
    """Translate an English source string into a negotiated catalog language.

    Args:
        message: The ``msgid`` (English).
        language: A catalog language as [negotiate][salesorder.i18n.negotiate] returns
            it (``Language.catalog``), e.g. ``zh_Hant``.
        context: The ``msgctxt`` (an error code, ``term`` or ``document``).

    Returns:
        The translation, or ``message`` itself when no catalog has one.
    """
    if language == ENGLISH:
        return message
    translations = _translations(language)
    if context is None:
        return translations.gettext(message)
    return translations.pgettext(context, message)


def add_catalog_directory(path: Path) -> None:
    """Put a directory of catalogs first (the checks are ``salesorder.i18n.add_catalogs``)."""
    with _lock:
        if path not in _host_directories:
            _host_directories.insert(0, path)
        _clear_caches()


def _clear_caches() -> None:
    _host_languages.cache_clear()
    _negotiate.cache_clear()
    _translations.cache_clear()


def remove_catalog_directory(path: Path | None) -> None:
    """Forget one directory of catalogs, or all of them (None)."""
    with _lock:
        if path is None:
            _host_directories.clear()
        elif path in _host_directories:
            _host_directories.remove(path)
        _clear_caches()
