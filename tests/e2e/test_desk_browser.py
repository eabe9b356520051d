"""The matching desk in the browser, from an offer: the secretariat picks a published offer, sees its suggested
requests with their fit and explanation, and the published requests without a proposal yet, in English and French
(screenshots test-output/screenshots/desk-offer-{en,fr}.png; weights in page-weights.md). Nothing is changed: the
demo database is shared with the other browser tests."""
from __future__ import annotations

from e2e_support import PAGE_BUDGET, SECRETARIAT, measure


def test_the_secretariat_works_the_desk_from_an_offer(browser, server, session_factory):
    s = session_factory()
    s.sign_in(SECRETARIAT)
    s.choose_language("en")
    s.goto("/secretariat/desk")
    waiting = s.page.locator("section[aria-labelledby='h-waiting']")
    assert waiting.locator("h2").inner_text().startswith("Published requests without a proposal yet")
    assert waiting.locator("tbody tr").count() >= 1  # the demo publishes requests nobody has proposed yet
    options = s.page.locator("#d-offer_id option")
    assert options.count() >= 2
    s.page.select_option("#d-offer_id", index=1)
    s.page.check("#d-o-weak")
    s.page.locator("section[aria-labelledby='h-pick-offer'] button[type=submit]").click()
    s.page.wait_for_load_state()
    assert "offer_id=" in s.page.url
    panel = s.page.locator("section[aria-labelledby='h-suggestions']")
    assert panel.locator("h2").inner_text().startswith("Suggested requests")
    cards = panel.locator("article.card")
    assert cards.count() >= 1 and "fit" in cards.first.inner_text()
    s.shot("desk-offer-en")
    path = s.page.url.removeprefix(server)
    w = measure(browser, server, "matching desk (from an offer)", path, storage_state=s.context.storage_state())
    assert w.total < PAGE_BUDGET
    s.choose_language("fr")
    s.goto(path)
    assert s.page.locator("section[aria-labelledby='h-suggestions'] h2").inner_text().startswith("Demandes suggérées")
    s.shot("desk-offer-fr")
    s.choose_language("en")  # leave the shared demo account as the other tests expect it
    assert not s.errors
