"""The templates as data: loading, language fallback, rendering rules, and the guard against
typos (every template the code sends exists, and reads only variables its notification
function provides)."""

from __future__ import annotations

from pathlib import Path

import pytest
from notifier.domain.formatting import Style
from notifier.domain.notices import USED
from notifier.domain.notifications import notices
from notifier.domain.templates import (
    CATALOGUE,
    Catalogue,
    TemplateError,
    UnknownTemplate,
    packaged,
)
from notifier_samples import every_case

HERE = Path(__file__).parent
TEST_TEMPLATES = Catalogue.load(HERE / "templates")
STYLE = Style(support_line="+977 1 5550100")
OWNED_ELSEWHERE = "dialogue."  # the conversation engine's texts (templates/dialogue.toml)


def test_every_template_the_code_sends_exists_in_english() -> None:
    CATALOGUE.require(USED)
    for name in USED:
        assert CATALOGUE.text(name, "en"), name


def test_no_template_file_holds_a_text_nothing_sends() -> None:
    ours = {name for name in CATALOGUE.names() if not name.startswith(OWNED_ELSEWHERE)}
    assert ours - USED == set()


def test_every_variable_a_template_reads_is_given_by_its_notification_function() -> None:
    """A typo in a template ({refrence}) or a variable a function forgot would render as
    nothing at run time; here it fails."""
    produced: set[str] = set()
    for case, event in every_case():
        for notice in notices(event, STYLE):
            produced.add(notice.template)
            if notice.template.startswith(OWNED_ELSEWHERE) or not CATALOGUE.has(notice.template):
                continue
            missing = CATALOGUE.fields(notice.template) - set(notice.variables)
            assert not missing, f"{case}: {notice.template} reads {sorted(missing)}"
    assert USED - produced == set(), "cases missing for these templates"


def test_a_language_falls_back_to_its_base_then_to_english() -> None:
    values = {"name": "Asha", "reference": "EBC-2501234"}
    assert TEST_TEMPLATES.render("test.greeting", values, "ne").startswith("नमस्ते Asha")
    assert TEST_TEMPLATES.render("test.greeting", values, "pt-BR").startswith("Oi Asha")
    assert TEST_TEMPLATES.render("test.greeting", values, "pt_br").startswith("Oi Asha")
    assert TEST_TEMPLATES.render("test.greeting", values, "pt-PT").startswith("Olá Asha")
    assert TEST_TEMPLATES.render("test.greeting", values, "de").startswith("Hello Asha")
    assert TEST_TEMPLATES.fields("test.greeting") == {"name", "reference"}


def test_missing_variables_render_empty_and_their_lines_are_left_out() -> None:
    assert TEST_TEMPLATES.render("test.greeting", {}) == "Hello , your booking  is ready."
    full = TEST_TEMPLATES.render("test.lines", {"name": "Asha", "reference": "R1", "note": "x"})
    assert full.splitlines() == ["Hi Asha!", "Reference: R1", "Note: x", "Always here."]
    bare = TEST_TEMPLATES.render("test.lines", {"name": None, "note": "", "missing": True})
    assert bare.splitlines() == ["Only when missing.", "Always here."]


def test_a_template_nobody_defines_is_refused() -> None:
    with pytest.raises(UnknownTemplate, match=r"no\.such"):
        CATALOGUE.require({"no.such", *USED})
    with pytest.raises(UnknownTemplate):
        CATALOGUE.render("no.such", {})


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"a.toml": 'x = "not a table"'}, "must be a table"),
        ({"a.toml": '["t"]\nne = "only Nepali"'}, "has no 'en' text"),
        ({"a.toml": '[quote.sent]\nen = "unquoted dotted name"'}, "quote dotted names"),
        ({"a.toml": '["t"]\nen = "{a.b}"'}, "not a plain variable name"),
        ({"a.toml": '["t"]\nen = "{}"'}, "not a plain variable name"),
        ({"a.toml": '["t"]\nen = "{unclosed"'}, "a.toml: t.en"),
        ({"a.toml": '["t"]\nen = "x"', "b.toml": '["t"]\nen = "y"'}, "also in a.toml"),
        ({"a.toml": '["t"\nen = '}, "a.toml"),
    ],
)
def test_a_bad_template_file_fails_the_load(
    tmp_path: Path, files: dict[str, str], error: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(TemplateError, match=error):
        Catalogue.load(tmp_path)


def test_the_packaged_templates_load_from_the_installed_package() -> None:
    assert packaged().names() == CATALOGUE.names()
