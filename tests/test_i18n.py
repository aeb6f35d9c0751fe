"""The en/sv message catalogues (gvi/i18n/locale): the same keys and placeholders in
both languages, plural entries with both forms, locale number formats and clear errors
for an unknown language, domain or key."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from gvi.app.text import tr
from gvi.i18n import LANGS, Fmt, domains, resolve_lang, translator
from gvi.i18n.catalog import load_catalog, po_path
from gvi.report.text import strings

DOMAINS = domains()


def fields(text: str) -> set[tuple[str, str]]:
    """The placeholders of a message, with their format specs (``{n:groups}``)."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name}


def message_fields(domain: str, lang: str) -> dict[str, set[tuple[str, str]]]:
    """Every key's placeholders, over all its forms."""
    out: dict[str, set[tuple[str, str]]] = {}
    for m in load_catalog(domain, lang):
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        out[key] = set().union(*(fields(t) for t in texts))
    return out


def test_the_shipped_domains_have_a_catalogue_in_every_language() -> None:
    assert {"app", "report", "units", "numbers"} <= set(DOMAINS)
    for domain in DOMAINS:
        for lang in LANGS:
            assert po_path(domain, lang).is_file(), (domain, lang)


@pytest.mark.parametrize("domain", DOMAINS)
def test_both_languages_have_the_same_keys_and_placeholders(domain: str) -> None:
    en, sv = (message_fields(domain, lang) for lang in ("en", "sv"))
    assert set(en) == set(sv), sorted(set(en) ^ set(sv))
    for key in en:
        assert en[key] == sv[key], (domain, key, en[key], sv[key])


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_and_plural_entries_have_both_forms(
    domain: str, lang: str
) -> None:
    with po_path(domain, lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    header = dict(catalog.mime_headers)
    assert header["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    for m in catalog:
        if not m.id:
            continue
        assert not m.fuzzy, (domain, lang, m.id)
        if isinstance(m.id, tuple):
            assert m.id[0] == m.id[1], f"{m.id}: msgid_plural repeats the key"
            assert len(m.string) == 2 and all(m.string), (domain, lang, m.id)
        else:
            assert m.string, (domain, lang, m.id)


@pytest.mark.parametrize("domain", DOMAINS)
def test_plural_fields_name_plural_entries(domain: str) -> None:
    """A ``{k:groups}`` field renders through the plural entry ``groups``."""
    t = translator(domain, "en")
    for key, found in message_fields(domain, "en").items():
        for name, spec in found:
            if spec and spec[0] not in ".<>^=+-0123456789,_":
                assert spec in t.plural_keys, (domain, key, name, spec)


def test_plural_forms_in_both_languages() -> None:
    en, sv = translator("app", "en"), translator("app", "sv")
    assert en.n("shootings", 1) == "1 shooting"
    assert en.n("shootings", 2) == "2 shootings"
    assert en.n("shootings", 0) == "0 shootings"
    assert sv.n("shootings", 1) == "1 skjutning"
    assert sv.n("shootings", 2) == "2 skjutningar"
    assert en.n("shootings", 1.5) == "1.5 shootings"
    assert sv.n("shootings", 12345) == "12\u00a0345 skjutningar"
    assert sv.n("ev_sweep", 1) == "Polisrazzia i hela staden: 1 medlem gripen."
    assert sv.n("ev_sweep", 3) == "Polisrazzia i hela staden: 3 medlemmar gripna."


def test_the_app_shows_counts_with_plural_forms() -> None:
    assert tr("en", "done_callin", n=1, k=1) == "Call-in held: 1 attendee from 1 group."
    assert tr("en", "done_callin", n=12, k=3) == "Call-in held: 12 attendees from 3 groups."
    assert tr("sv", "done_callin", n=1, k=1) == "Call-in hållen: 1 deltagare från 1 grupp."
    assert tr("en", "gap_none", n="1") == "Business as usual: both runs are the same (1 shooting)."
    assert tr("sv", "gap_before", n="1\u00a0234").endswith("1\u00a0234 skjutningar hittills.")
    assert tr("en", "speed", n=1) == "Speed: 1 day per second"
    assert tr("sv", "n_minutes", n=1) == "1 minut"
    assert tr("en", "ev_enforce_ordered", g="A", days=1).endswith("(1 day).")


def test_report_strings_give_the_general_form_and_the_translator_the_right_one() -> None:
    assert "{n} paired runs" in strings("en")["headline_cut"]
    report = translator("report", "en")
    assert "(1 paired run)" in report.n(
        "headline_cut", 1, name="x", pct="1%", range="r", period="p", baseline="b", where=""
    )
    assert report.n("params_same", 1).startswith("1 other setting is ")
    assert report.form("few_replicates", 1).startswith("Only {n} paired run per scenario:")
    assert report.form("few_replicates", "12").startswith("Only {n} paired runs per scenario:")
    assert translator("report", "sv").n("params_same", 2).startswith("2 andra inställningar är ")


def test_placeholders_are_filled_with_str_format() -> None:
    assert translator("app", "sv")("day", day=3, total=10) == "Dag 3 av 10"
    assert translator("app", "en")("page_title") == "GVI training simulator"


def test_swedish_number_formats() -> None:
    sv, en = Fmt("sv"), Fmt("en")
    assert sv.number(-1234.5, 1) == "\u22121\u00a0234,5"
    assert en.number(-1234.5, 1) == "\u22121,234.5"
    assert sv.pct(35) == "35\u00a0%" and en.pct(35) == "35%"
    assert sv.money(1.4e6) == "1,4 miljoner kr" and en.money(1.4e6) == "SEK 1.4 million"
    assert sv.pct_range(28, 41) == "28\u00a0% till 41\u00a0%"
    assert sv.exact(0.0125) == "0,0125"


def test_unknown_language_domain_or_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown language 'de': use one of en, sv"):
        translator("app", "de")
    with pytest.raises(ValueError, match="use one of en, sv"):
        strings("fr")
    with pytest.raises(ValueError, match="no message domain 'nope'"):
        translator("nope", "en")
    with pytest.raises(KeyError, match="no_such_key"):
        translator("app", "sv")("no_such_key")
    with pytest.raises(TypeError, match="plural entry"):
        translator("app", "en")("shootings")
    with pytest.raises(ValueError, match="one of en, sv"):
        Fmt("de")


def test_resolve_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GVI_LANG", raising=False)
    assert resolve_lang(None) == "en"
    assert resolve_lang("sv") == "sv"
    monkeypatch.setenv("GVI_LANG", "sv_SE.UTF-8")
    assert resolve_lang(None) == "sv"
    assert resolve_lang("en") == "en"
    monkeypatch.setenv("GVI_LANG", "de")
    with pytest.raises(ValueError, match=r"\$GVI_LANG is 'de': set it to one of en, sv"):
        resolve_lang(None)
    with pytest.raises(ValueError, match="unknown language 'xx': use one of en, sv"):
        resolve_lang("xx")
