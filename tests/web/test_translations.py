"""Every user-facing string is translated into es, pt and fr, and templates carry no untranslated text.

(a) The strings are extracted from the code right now (the same pybabel command as `make translations`, into a
    temporary file), so a new string fails here until the catalogues have a reviewed translation for it.
(b) The templates are walked with Jinja's own lexer: text between tags outside `{{ _(...) }}` /
    `{% trans %}` and user-visible attributes (placeholder, title, aria-label, alt, ...) written literally fail.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "kb" / "translations"
TEMPLATES = ROOT / "templates"
LOCALES = ("es", "pt", "fr")
KEYWORDS = ("_", "N_", "gettext", "ngettext:1,2", "lazy_gettext", "lazy_ngettext:1,2", "pgettext:1c,2",
            "lazy_pgettext:1c,2")  # the Makefile's BABEL_KEYWORDS

# The plural forms of each catalogue, declared in its own Plural-Forms header and compiled into its .mo, which
# is what gettext uses at run time: GNU gettext's two forms (singular, plural; French singular also for 0).
# CLDR (Babel >= 2.19) adds a third "many" form for es/pt/fr that only applies to exact millions written in
# words ("1 millón de expertos"); kb's counts never need it, and `pybabel update` keeps a catalogue's header,
# so the catalogues, this check and the run-time plural rule stay the same whatever Babel is installed.
PLURAL_FORMS = {"es": "nplurals=2; plural=(n != 1);", "pt": "nplurals=2; plural=(n != 1);",
                "fr": "nplurals=2; plural=(n > 1);"}
# Text that is the same in every language and may stay literal in a template (keep this short).
LITERAL_OK: set[str] = set()
# Attributes a person reads or hears (screen readers) and so must be translated.
VISIBLE_ATTRS = {"placeholder", "title", "alt", "aria-label", "aria-description", "aria-placeholder",
                 "aria-roledescription", "aria-valuetext", "label"}
MARK = "\ue000"  # stands for a Jinja expression or tag in the reconstructed HTML


def _po(lang: str):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: run `make translations`"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogue template extracted from kb/ and templates/ now."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--no-default-keywords", "-o", str(pot)]
    for k in KEYWORDS:
        args += ["-k", k]
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)  # babel.cfg patterns are relative to the project root
    try:
        CommandLineInterface().run([*args, "."])
    finally:
        os.chdir(cwd)
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 50, "extraction found almost nothing: is babel.cfg right?"
    return catalog


def _where(message) -> str:
    return ", ".join(sorted({f for f, _ in message.locations})) or "?"


def translation_problems(extracted, po) -> list[str]:
    """What is missing, empty, fuzzy or short of plural forms in catalogue po for the extracted messages."""
    problems = []
    for message in extracted:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        entry = po.get(key, context=message.context)
        label = f"{key!r} ({_where(message)})"
        if entry is None:
            problems.append(f"missing: {label} — run `make translations` and translate it")
            continue
        plural = isinstance(message.id, (tuple, list))
        strings = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        if plural and not isinstance(entry.id, (tuple, list)):
            problems.append(f"needs plural forms: {label}")
        elif plural and len(strings) != po.num_plurals:
            problems.append(f"{len(strings)} plural forms instead of {po.num_plurals}: {label}")
        elif not all(s and s.strip() for s in strings):
            problems.append(f"untranslated{' plural form' if plural else ''}: {label}")
        elif entry.fuzzy:
            problems.append(f"fuzzy (needs review): {label}")
    return problems


@pytest.mark.parametrize("lang", LOCALES)
def test_every_extracted_string_is_translated(extracted, lang):
    problems = translation_problems(extracted, _po(lang))
    assert not problems, f"{lang}: {len(problems)} problem(s)\n" + "\n".join(problems)


def test_a_plural_entry_with_an_empty_form_counts_as_untranslated():
    from babel.messages.catalog import Catalog

    extracted = Catalog()
    extracted.add(("%(num)s month", "%(num)s months"), locations=[("templates/x.html", 1)])

    def catalogue(msgid, msgstr):  # type: ignore[no-untyped-def]
        po = Catalog(locale="es")
        # The plural forms are the catalogue header's (as in kb's own .po files), not the installed Babel's
        # CLDR default for the locale (Babel 2.19 gives es three forms): the check holds whatever Babel says.
        po.mime_headers = [("Plural-Forms", PLURAL_FORMS["es"])]
        po.add(msgid, msgstr)
        return po

    plural = ("%(num)s month", "%(num)s months")
    where = "'%(num)s month' (templates/x.html)"
    assert translation_problems(extracted, catalogue(plural, ("%(num)s mes", ""))) == [
        f"untranslated plural form: {where}"]
    assert translation_problems(extracted, catalogue(plural, ("", "%(num)s meses"))) == [
        f"untranslated plural form: {where}"]
    assert translation_problems(extracted, catalogue(plural, ("%(num)s mes",))) == [
        f"1 plural forms instead of 2: {where}"]
    assert translation_problems(extracted, catalogue("%(num)s month", "%(num)s meses")) == [
        f"needs plural forms: {where}"]  # a singular entry where ngettext needs plural forms
    assert translation_problems(extracted, catalogue(plural, ("%(num)s mes", "%(num)s meses"))) == []


@pytest.mark.parametrize("lang", LOCALES)
def test_plural_entries_have_every_form_of_the_language(lang):
    po = _po(lang)
    header = dict(po.mime_headers)["Plural-Forms"]
    assert header == PLURAL_FORMS[lang], f"{lang}: the catalogue's Plural-Forms changed (see PLURAL_FORMS)"
    assert po.num_plurals == 2 and po.plural_expr == ("(n > 1)" if lang == "fr" else "(n != 1)")
    plural = [e for e in po if e.id and isinstance(e.id, (tuple, list))]
    assert len(plural) >= 10
    bad = [e.id[0] for e in plural if len(e.string) != po.num_plurals or not all(s.strip() for s in e.string)]
    assert not bad, f"{lang}: plural entries with an empty form: {bad}"


def test_counts_go_through_ngettext():
    """A count inside gettext ("%(n)s months") reads "1 months" / "1 meses": counts take ngettext(sing, plural, n)."""
    call = re.compile(r"""\b(?:_|gettext|lazy_gettext)\(\s*(["'])(?:(?!\1).)*%\((?:n|num|count|total)\)[sd]""")
    problems = []
    for path in [*_templates(), *sorted((ROOT / "kb").rglob("*.py"))]:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if call.search(line):
                problems.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()[:120]}")
    assert not problems, "use ngettext for these counts:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang, one, two", [
    ("es", ["1 mes<", "1 oferta publicada"], ["2 meses<", "2 ofertas publicadas"]),
    ("fr", ["1 mois<", "1 offre publiée"], ["2 mois<", "2 offres publiées"]),
    ("en", ["1 month<", "1 published offer "], ["2 months<", "2 published offers "]),
])
def test_counts_take_the_singular_or_plural_form(browser, kb, lang, one, two):
    secretariat, director, centre = kb.user("secretariat"), kb.user("director"), kb.user("centre")
    for n, expected in ((1, one), (2, two)):
        req = kb.published_request(director, secretariat, duration_months=n)
        kb.published_offer(centre, secretariat)
        client = browser(lang=lang)
        record = client.get(f"/requests/{req['id']}").get_data(as_text=True)
        home = client.get("/").get_data(as_text=True)
        assert expected[0] in record, f"{lang}, {n}: {expected[0]!r} missing"
        assert expected[1] in home, f"{lang}, {n}: {expected[1]!r} missing"


@pytest.mark.parametrize("lang", LOCALES)
def test_translations_keep_placeholders(lang):
    """%(name)s / %s placeholders of the English text survive in the translation (else the page breaks)."""
    po = _po(lang)
    problems = []
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")
    for entry in po:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, (tuple, list)) else (entry.id,)
        strings = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        wanted = sorted(set(placeholder.findall(ids[-1])))
        for s in strings:
            got = sorted(set(placeholder.findall(s)))
            if got != wanted and not (len(ids) > 1 and set(got) <= set(wanted)):
                problems.append(f"{ids[0]!r}: {wanted} in English, {got} in {s!r}")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


def test_catalogue_headers_name_the_language():
    for lang in LOCALES:
        assert str(_po(lang).locale) == lang


# ---- (b) literal text in templates ----------------------------------------------------------------------

class _TextFinder(HTMLParser):
    """Collects visible text and visible attribute values that still contain letters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities become characters (&nbsp; -> no letters)
        self.found: list[tuple[int, str]] = []
        self._skip = 0  # inside <script>/<style>

    @staticmethod
    def _literal(text: str) -> str:
        text = " ".join(text.replace(MARK, " ").split())
        return text if any(ch.isalpha() for ch in text) and text not in LITERAL_OK else ""

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            visible = name in VISIBLE_ATTRS or (
                name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button", "reset"))
            if visible and value and (text := self._literal(value)):
                self.found.append((self.getpos()[0], f'{name}="{text}"'))

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._skip and (text := self._literal(data)):
            self.found.append((self.getpos()[0], text))


def literal_text(source: str, name: str = "<template>") -> list[tuple[int, str]]:
    """(line, text) of user-visible text written literally in a Jinja template."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    html: list[str] = []
    in_trans = False
    block: list[str] = []  # names seen in the current {% ... %}
    for _lineno, kind, value in env.lex(source, name):
        if kind == "data" and not in_trans:
            html.append(value)
            continue
        # Everything else (expressions, tags, comments, translated {% trans %} text) is not literal text;
        # keep the line count so that the parser's line numbers stay those of the template.
        html.append(MARK + "\n" * value.count("\n"))
        if kind == "block_begin":
            block = []
        elif kind == "name":
            block.append(value)
        elif kind == "block_end" and block:
            if block[0] == "trans":
                in_trans = True
            elif block[0] == "endtrans":
                in_trans = False
    finder = _TextFinder()
    finder.feed("".join(html))
    finder.close()
    return finder.found


TRANSLATING = {"_", "gettext", "ngettext", "lazy_gettext", "pgettext"}


def literal_strings(source: str, name: str = "<template>") -> list[tuple[int, str]]:
    """(line, text) of string literals in {{ }} / {% %} that look like words for people, outside _() calls.

    Codes, endpoints, file names and HTML attribute snippets are lower-case or contain '=' or '<'; a literal
    starting with a capital letter followed by a lower-case one, or holding two words, is text to translate.
    """
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    tokens = [t for t in env.lex(source, name) if t[1] != "whitespace"]
    calls: list[bool] = []  # open parentheses: is it a translation call?
    found = []
    for i, (lineno, kind, value) in enumerate(tokens):
        if kind == "operator" and value == "(":
            before = tokens[i - 1] if i else None
            calls.append(bool(before and before[1] == "name" and before[2] in TRANSLATING))
        elif kind == "operator" and value == ")":
            if calls:
                calls.pop()
        elif kind == "string" and not any(calls):
            text = value[1:-1]
            if re.search(r"[=<>%{}]", text):
                continue
            if re.match(r"\s*[A-ZÀ-Ý][a-zà-ÿ]", text) or re.search(r"[A-Za-zÀ-ÿ]{2,} +[A-Za-zÀ-ÿ]{2,}", text):
                found.append((lineno, text))
    return found


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_there_are_templates():
    assert len(_templates()) >= 5


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_text(path):
    source = path.read_text(encoding="utf-8")
    found = sorted(literal_text(source, str(path)) + literal_strings(source, str(path)))
    assert not found, f"{path.relative_to(ROOT)}: text outside translation calls:\n" + "\n".join(
        f"  line {line}: {text}" for line, text in found)


@pytest.mark.parametrize("source, expected", [
    ("<p>Hello</p>", ["Hello"]),
    ("<p>{{ _('Hello') }}</p>", []),
    ("<p>{{ n }} km</p>", ["km"]),
    ("<a href='/x' class='button'>{{ _('Go') }}</a> &nbsp;&middot; — *", []),
    ('<input placeholder="Your name">', ['placeholder="Your name"']),
    ("<input placeholder=\"{{ _('Your name') }}\">", []),
    ('<img alt="Logo {{ x }}" src="a.png">', ['alt="Logo"']),
    ('<nav aria-label="Main">', ['aria-label="Main"']),
    ('<input type="submit" value="Send">', ['value="Send"']),
    ('<input type="hidden" name="a" value="publish">', []),
    ("{% trans %}Hello {{ name }}{% endtrans %}", []),
    ("{# a comment with words #}<!-- and an HTML one --><script>var words = 1;</script>", []),
    ("{% if x %}\n  Draft\n{% endif %}", ["Draft"]),
])
def test_literal_text_finder(source, expected):
    assert [text for _line, text in literal_text(source)] == expected


@pytest.mark.parametrize("source, expected", [
    ("{{ 'Yes' if x else 'No' }}", ["Yes", "No"]),
    ("{{ x or 'not yet signed' }}", ["not yet signed"]),
    ("{{ _('Yes') if x else _('No') }}", []),
    ("{{ _('%(n)s people', n=h.number(x)) }}", []),
    ("{% set t = gettext('Edit request') %}{{ field('title', _('Title'), attrs='maxlength=\"300\"') }}", []),
    ("{{ url_for('records.mine', kind='requests') }}{% extends 'base.html' %}{{ x|join(', ') }}", []),
])
def test_literal_string_finder(source, expected):
    assert [text for _line, text in literal_strings(source)] == expected


# ---- (c) messages from the services that reach pages ------------------------------------------------------

# Constant messages the API alone shows (bearer tokens, JSON bodies, query parameters of the API).
API_ONLY = {"Invalid or expired token.", "Use 'Authorization: Bearer <token>'.", "Sign in first: POST /api/v1/auth/tokens.",
            "Send the body as JSON, with 'Content-Type: application/json'.", "record_type and record_id go together."}


def _raised() -> tuple[set[str], list[str], list[str]]:
    """String constants given to DomainError subclasses (and marshmallow's ValidationError) outside kb/web, or
    put in an errors[...] list, and where a message is built in English with values (f-string, % or format)."""
    import ast

    import kb.errors as errors

    names = {n for n, o in vars(errors).items() if isinstance(o, type) and issubclass(o, errors.DomainError)}
    names.add("ValidationError")

    def constants(node):  # type: ignore[no-untyped-def]
        """The bare string constants of a message argument (markers' own arguments are looked at too)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node
        elif isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                yield from constants(e)
        elif isinstance(node, ast.Dict):
            for v in node.values:
                yield from constants(v)
        elif isinstance(node, ast.Call) and node.args and _call_name(node) in MARKERS:
            yield from constants(node.args[0])

    def strings(node):  # type: ignore[no-untyped-def]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                yield from strings(e)
        elif isinstance(node, ast.Dict):
            for v in node.values:
                yield from strings(v)
        elif isinstance(node, ast.Call) and node.args and _call_name(node) in MARKERS:  # N_("..."), lazy_gettext
            yield from strings(node.args[0])

    def english_with_values(node):  # type: ignore[no-untyped-def]
        for sub in ast.walk(node):
            if isinstance(sub, ast.JoinedStr) or (
                    isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod) and isinstance(sub.left, ast.Constant)) or (
                    isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "format"):
                return True
        return False

    found: set[str] = set()
    built: list[str] = []
    unmarked: list[str] = []
    for path in (ROOT / "kb").rglob("*.py"):
        parts = path.relative_to(ROOT / "kb").parts
        if "web" in parts or path.name in CLI_ONLY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            args = []
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in names:
                    args = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == "errors"
                    for t in node.targets):
                args = [node.value]
            for arg in args:
                found.update(strings(arg))
                unmarked += [f"{path.relative_to(ROOT)}:{c.lineno}: {c.value}" for c in constants(arg)
                             if not _is_marked(c, tree)]
                if english_with_values(arg):
                    built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found, built, unmarked


MARKERS = {"N_", "lazy_gettext", "lazy_ngettext", "gettext", "ngettext", "_"}


def _call_name(call) -> str | None:  # type: ignore[no-untyped-def]
    import ast

    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _is_marked(constant, tree) -> bool:  # type: ignore[no-untyped-def]
    """True when a string constant is the first argument of a translation marker (N_, lazy_gettext, ...)."""
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and node.args[0] is constant:
            return _call_name(node) in MARKERS
    return False


# Modules whose messages only the command line shows (in English).
CLI_ONLY = {"ingest.py", "cli.py", "demo.py"}


def test_service_messages_are_marked_for_translation():
    """A constant message a service raises reaches pages through gettext: it must be marked where it is raised
    (kb.i18n.N_, or a lazy_gettext template), so that `make translations` extracts it."""
    raised, _built, unmarked = _raised()
    assert len(raised) > 20
    assert not unmarked, "mark these with kb.i18n.N_(...) where they are raised:\n" + "\n".join(unmarked)


def test_the_marking_check_sees_an_unmarked_message(tmp_path):
    """The check above would catch a service raising a bare English constant."""
    import ast

    tree = ast.parse('raise Conflict("Bare.")\nraise Conflict(N_("Marked."), ["Bare too."])')
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and not _is_marked(n, tree)]
    assert found == ["Bare.", "Bare too."]


def test_service_messages_with_values_are_translatable_templates():
    """A message with values is a lazy_gettext template with named values, never an English f-string."""
    _raised_constants, built, _unmarked = _raised()
    assert not built, ("use lazy_gettext(\"... %(name)s ...\", name=value) (and kb.i18n's words) here:\n"
                       + "\n".join(built))


def test_the_list_check_sees_fstrings():
    """The check above would catch a service going back to English f-strings."""
    import ast

    tree = ast.parse('raise Conflict(f"A {x} exchange cannot take new partners.")\nerrors["a"] = ["Fixed."]')
    kinds = {type(n).__name__ for n in ast.walk(tree)}
    assert "JoinedStr" in kinds and "Subscript" in kinds


@pytest.mark.parametrize("english, lang, expected", [
    ("Longer than maximum length 300.", "es", "Más largo que la longitud máxima de 300."),
    ("Longer than maximum length 300.", "fr", "Plus long que la longueur maximale de 300."),
    ("Must be greater than or equal to 1 and less than or equal to 17.", "es",
     "Debe ser mayor o igual que 1 y menor o igual que 17."),
    ("Must be greater than or equal to 1 and less than or equal to 2147483647.", "fr",
     "Doit être supérieur ou égal à 1 et inférieur ou égal à 2\u202f147\u202f483\u202f647."),
    ("Must be greater than or equal to 0.", "pt", "Deve ser maior ou igual a 0."),
    ("Must be one of: remote, onsite.", "pt", "Deve ser um de: remote, onsite."),
    ("Not a valid integer.", "es", "No es un número entero válido."),
    ("Missing data for required field.", "fr", "Ce champ est obligatoire."),
    ("Unknown field.", "es", None),
    ("Not a valid email address.", "fr", None),
    ("Not a valid date.", "pt", "Não é uma data válida."),
    ("Longer than maximum length 300.", "en", "Longer than maximum length 300."),
])
def test_marshmallow_messages_are_translated_with_their_values(app, english, lang, expected):
    from kb.web import helpers

    with app.test_request_context(headers={"Accept-Language": lang}):
        got = helpers.message(english)
    if expected is None:
        assert got != english and got.strip()
    else:
        assert got == expected


def test_service_messages_render_in_the_request_language(app):
    from kb import workflow as wf
    from kb.errors import InvalidTransition

    with pytest.raises(InvalidTransition) as caught:
        wf.EXCHANGE.check("planned", "close", {"secretariat"})
    message = caught.value.message
    assert str(message) == "Cannot close an exchange that is planned."  # no request: English (the CLI, the API)
    for lang, expected in (("es", "No se puede cerrar un intercambio en estado «planificado»."),
                           ("pt", "Não é possível encerrar um intercâmbio no estado «planeado»."),
                           ("fr", "On ne peut pas clôturer un échange à l’état « planifié »."),
                           ("en", "Cannot close an exchange that is planned.")):
        with app.test_request_context(headers={"Accept-Language": lang}):
            assert str(message) == expected


def test_error_pages_carry_no_english_detail_in_another_language(client):
    resp = client.get("/offers/999999", headers={"Accept-Language": "fr"})
    assert resp.status_code == 404
    page = resp.get_data(as_text=True)
    assert '<html lang="fr">' in page and "Page introuvable" in page
    assert "not found" not in page and "Offre 999999 introuvable." in page  # the service's message, translated
    resp = client.get("/no-such-page", headers={"Accept-Language": "es"})
    assert "No se encontró la dirección solicitada." in resp.get_data(as_text=True)  # Werkzeug's, translated
    resp = client.get("/offers/999999", headers={"Accept-Language": "en"})
    assert "Offer 999999 not found." in resp.get_data(as_text=True)


def test_views_flash_only_translated_text():
    """flash("...") or message="..." with a bare English literal in kb/web would reach a page untranslated."""
    import ast

    problems = []
    for path in sorted((ROOT / "kb" / "web").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            args = [node.args[0]] if name == "flash" and node.args else []
            args += [k.value for k in node.keywords if k.arg in ("message", "error")]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.search("[A-Za-z]", arg.value):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {arg.value!r}")
    assert not problems, "wrap these in _():\n" + "\n".join(problems)


def test_a_service_error_and_a_length_error_are_shown_in_spanish_and_french_with_their_values(browser, kb):
    """A 409 from the workflow and marshmallow's "Longer than maximum length 300." on the pages, translated."""
    secretariat, director = kb.user("secretariat"), kb.user("director")
    req = kb.published_request(director, secretariat)
    for lang, conflict, too_long, title in (
            ("es", "No se puede publicar una solicitud en estado «publicado».",
             "Más largo que la longitud máxima de 300.", "La longitud debe estar entre 3 y 300."),
            ("fr", "On ne peut pas publier une demande à l’état « publié ».",
             "Plus long que la longueur maximale de 300.", "La longueur doit être comprise entre 3 et 300.")):
        sec = browser(secretariat)
        sec.post("/language", data={"lang": lang, "next": "/"})  # a signed-in user's own choice
        resp = sec.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 409 and conflict in page, page[-3000:]
        assert "Cannot publish" not in page
        own = browser(director)
        own.post("/language", data={"lang": lang, "next": "/"})
        data = {"title": "x" * 301, "beneficiaries_kind": "y" * 301, "description": "Help us design a profitable cane sugar system.", "text_lang": "es",
                "sectors": ["agro-industry"], "modalities": ["expert-mission"], "languages": ["es"]}
        resp = own.post("/my/requests/new", data=data)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and too_long in page and title in page, page[-3000:]
        assert "Longer than" not in page and "Length must" not in page and "y" * 301 in page  # input kept
