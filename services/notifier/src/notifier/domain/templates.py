"""What each party is told: templates as data, one TOML file per area, rendered per language.

Each file under ``notifier/templates`` holds one table per template, one key per language,
each value a Python ``str.format`` string::

    ["quote.sent"]
    en = "Hi {customer_name}! Your quote {reference} ..."

Rules of rendering:
- the language asked for, else its base language (``pt-BR`` -> ``pt``), else ``en``;
- a missing variable (or ``None``, or ``False``) renders as nothing;
- in a template of several lines, a line whose every ``{field}`` is empty is left out, so an
  optional fact gets a line of its own (``Discount: {discount}``) and no sentence is left
  half-written; ``{flag:.0}`` shows nothing but keeps its line only while the flag is set
  (a question asked only when a fact is missing);
- fields are plain names (no ``{a.b}``, ``{a[0]}`` or positional ``{}``).

A malformed file, a template without ``en`` or a name in two files fails the load, i.e. the
service's start; ``Catalogue.require`` fails it for a template the code uses but no file has.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "en"
_FORMATTER = string.Formatter()
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BLANK_RUNS = re.compile(r"\n{3,}")


class UnknownTemplate(LookupError):
    """No template file defines this name."""


class TemplateError(ValueError):
    """A template file that cannot be used as it is."""


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _shown(value: Any) -> Any:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    return value


def fields_of(text: str) -> list[str]:
    return [field for _, field, _, _ in _FORMATTER.parse(text) if field is not None]


def _check_text(where: str, text: str) -> None:
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc}") from None
    for _, field, spec, _ in parsed:
        if field is not None and not _FIELD.match(field):
            raise TemplateError(f"{where}: {{{field}}} is not a plain variable name")
        if spec and "{" in spec:
            raise TemplateError(f"{where}: nested fields in a format spec are not supported")


@dataclass(frozen=True)
class Catalogue:
    texts: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, *folders: Traversable | Path) -> Catalogue:
        """Every ``*.toml`` of the folders, in name order; a later folder may not redefine a
        template (one name, one owner)."""
        texts: dict[str, dict[str, str]] = {}
        where: dict[str, str] = {}
        for folder in folders:
            files = sorted(
                (f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name
            )
            for file in files:
                for name, languages in _read(file).items():
                    if name in texts:
                        raise TemplateError(f"{file.name}: {name} is also in {where[name]}")
                    texts[name], where[name] = languages, file.name
        return cls(texts)

    def names(self) -> set[str]:
        return set(self.texts)

    def has(self, name: str) -> bool:
        return name in self.texts

    def require(self, names: Iterable[str]) -> None:
        missing = sorted(set(names) - set(self.texts))
        if missing:
            raise UnknownTemplate(f"no template file defines {', '.join(missing)}")

    def fields(self, name: str) -> set[str]:
        """Every variable the template reads, in any language."""
        return {f for text in self._languages(name).values() for f in fields_of(text)}

    def text(self, name: str, language: str = DEFAULT_LANGUAGE) -> str:
        by_language = self._languages(name)
        wanted = language.replace("_", "-").lower()
        for candidate in (wanted, wanted.split("-")[0], DEFAULT_LANGUAGE):
            if candidate in by_language:
                return by_language[candidate]
        raise UnknownTemplate(f"{name} has no {DEFAULT_LANGUAGE!r} text")  # load forbids it

    def render(
        self, name: str, variables: Mapping[str, Any], language: str = DEFAULT_LANGUAGE
    ) -> str:
        values = _Blank({key: _shown(value) for key, value in variables.items()})
        lines = self.text(name, language).split("\n")
        kept = []
        for line in lines:
            used = fields_of(line)
            if len(lines) > 1 and used and all(values[f] == "" for f in used):
                continue
            kept.append(_FORMATTER.vformat(line, (), values).rstrip())
        return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()

    def _languages(self, name: str) -> Mapping[str, str]:
        try:
            return self.texts[name]
        except KeyError:
            raise UnknownTemplate(f"no template {name!r}") from None


def _read(file: Traversable | Path) -> dict[str, dict[str, str]]:
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{file.name}: {exc}") from None
    templates: dict[str, dict[str, str]] = {}
    for name, table in document.items():
        if not isinstance(table, dict) or not table:
            raise TemplateError(f"{file.name}: {name} must be a table of language = text")
        languages: dict[str, str] = {}
        for language, text in table.items():
            if not isinstance(text, str):
                raise TemplateError(
                    f"{file.name}: {name}.{language} is not a text (quote dotted names:"
                    f' ["{name}.{language}"])'
                )
            _check_text(f"{file.name}: {name}.{language}", text)
            languages[language.replace("_", "-").lower()] = text
        if DEFAULT_LANGUAGE not in languages:
            raise TemplateError(f"{file.name}: {name} has no {DEFAULT_LANGUAGE!r} text")
        templates[name] = languages
    return templates


def packaged() -> Catalogue:
    """The templates shipped in ``notifier/templates``."""
    return Catalogue.load(resources.files("notifier").joinpath("templates"))


CATALOGUE = packaged()
