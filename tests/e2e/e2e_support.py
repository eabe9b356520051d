"""Helpers for the browser tests: accounts, a signed-in browser session, page-weight measurement."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
PAGE_BUDGET = 300 * 1024  # bytes on first load, everything included (issue 4)

# Demo accounts (kb/services/demo.py, README).
SECRETARIAT = ("secretariat@kb.example", "secretariat-demo-2026")
DIRECTOR = ("director@agricultura.ec.example", "director-demo-2026")
DIRECTOR_SN = ("directeur@medd.sn.example", "director-demo-2026")
CENTRE = ("centre@sena.co.example", "centre-demo-2026")
PARTNER = ("partner@aecid.es.example", "partner-demo-2026")

WEIGHTS: list[Weight] = []


class Session:
    """One person's browser context (own cookies, own cache) with helpers."""

    def __init__(self, browser, base: str, locale: str = "en-GB") -> None:  # type: ignore[no-untyped-def]
        self.base = base
        self.context = browser.new_context(base_url=base, locale=locale, viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # The Content-Security-Policy header refuses inline script and style: a page relying on either logs a
        # console error; every session_factory session is checked for them when its test ends.
        self.csp_violations: list[str] = []
        self.page.on("console", lambda msg: self.csp_violations.append(f"{self.page.url}: {msg.text}")
                     if "Content Security Policy" in msg.text else None)

    def goto(self, path: str):  # type: ignore[no-untyped-def]
        resp = self.page.goto(path)
        assert resp is not None
        return resp

    def sign_in(self, account: tuple[str, str]) -> None:
        self.goto("/login")
        form = self.page.locator("main form")
        form.locator("input[name=email]").fill(account[0])
        form.locator("input[name=password]").fill(account[1])
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.locator("main").inner_text()

    def choose_language(self, lang: str) -> None:
        """Use the language switcher in the header."""
        self.page.locator("#lang-select").select_option(lang)
        self.page.locator("header form:has(#lang-select) button").click()
        self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == lang

    def shot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def flash(self) -> str:
        return " ".join(self.page.locator(".flash").all_inner_texts())

    def close(self) -> None:
        self.context.close()


@dataclass
class Weight:
    name: str
    path: str
    lang: str
    html: int
    css: int
    other: int
    requests: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.other


def measure(browser, base: str, name: str, path: str, storage_state=None, locale: str = "en-GB",  # type: ignore[no-untyped-def]
            expect_status: int = 200) -> Weight:
    """Bytes received to load `path` with an empty cache (a new context): HTML, CSS and everything else."""
    context = browser.new_context(base_url=base, locale=locale, storage_state=storage_state)
    try:
        page = context.new_page()
        responses = []
        page.on("response", lambda r: responses.append(r))
        resp = page.goto(path, wait_until="load")
        assert resp is not None and resp.status == expect_status, (path, resp and resp.status)
        html = css = other = 0
        for r in responses:
            try:
                size = len(r.body())
            except Exception:  # a redirect has no body
                size = 0
            size += r.request.sizes()["responseHeadersSize"]
            kind = r.request.resource_type
            if kind == "document":
                html += size
            elif kind == "stylesheet":
                css += size
            else:
                other += size
        lang = page.locator("html").get_attribute("lang") or ""
        w = Weight(name, path, lang, html, css, other, len(responses))
        WEIGHTS.append(w)
        return w
    finally:
        context.close()


def weight_table() -> str:
    lines = ["| page | path | lang | HTML | CSS | other | requests | total |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for w in WEIGHTS:
        lines.append(f"| {w.name} | {w.path} | {w.lang} | {w.html / 1024:.1f} KB | {w.css / 1024:.1f} KB | "
                     f"{w.other / 1024:.1f} KB | {w.requests} | {w.total / 1024:.1f} KB |")
    return "\n".join(lines) + f"\n\nBudget: {PAGE_BUDGET // 1024} KB per page on first load (empty cache).\n"


def text_of(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()
