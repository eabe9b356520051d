"""Sign-in, sign-out, language choice, password change, error pages."""
from __future__ import annotations


def test_sign_in_and_out(browser, kb):
    director = kb.user("director")
    client = browser(director)
    page = client.get("/").get_data(as_text=True)
    assert "Sign out" in page and director.email in page
    client.post("/logout")
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_without_detail(browser, kb):
    director = kb.user("director")
    resp = browser().post("/login", data={"email": director.email, "password": "nope"})
    assert resp.status_code == 401 and "Wrong e-mail or password" in resp.get_data(as_text=True)


def test_language_follows_the_browser_then_the_visitors_choice(browser):
    client = browser(lang="pt-BR,pt;q=0.9")
    assert '<html lang="pt">' in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_users_language_is_remembered(browser, kb, app):
    from kb.extensions import db
    from kb.models import User

    director = kb.user("director")
    client = browser(director)
    client.post("/language", data={"lang": "es", "next": "/"})
    with app.app_context():
        assert db.session.get(User, director.id).language == "es"
    other = browser(director, lang="fr")  # a new session on another browser
    assert '<html lang="es">' in other.get("/").get_data(as_text=True)


def test_unknown_language_and_open_redirects_are_ignored(browser):
    client = browser()
    resp = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_password_change_keeps_errors_next_to_the_fields(browser, kb):
    director = kb.user("director")
    client = browser(director)
    resp = client.post("/account/password", data={"current_password": kb.PASSWORD, "new_password": "short",
                                                    "repeat_password": "short"})
    assert resp.status_code == 422 and "10 characters" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"current_password": "wrong-one-here", "new_password":
                                                    "a-long-new-password", "repeat_password": "a-long-new-password"})
    assert resp.status_code == 422 and "Wrong password" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"current_password": kb.PASSWORD, "new_password":
                                                    "a-long-new-password", "repeat_password": "a-long-new-password"})
    assert resp.status_code == 302


def test_error_pages_are_html_in_the_users_language(browser):
    resp = browser(lang="es").get("/no-such-page")
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert '<html lang="es">' in resp.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(app, kb):
    director = kb.user("director")
    resp = app.test_client().post("/login", data={"email": director.email, "password": kb.PASSWORD})
    assert resp.status_code == 400


def test_the_password_message_is_in_the_users_language(browser, kb):
    director = kb.user("director")
    client = browser(director)
    client.post("/language", data={"lang": "es", "next": "/"})
    resp = client.post("/account/password", data={"current_password": kb.PASSWORD, "new_password": "password123",
                                                    "repeat_password": "password123"})
    assert resp.status_code == 422
    assert "demasiado fácil de adivinar" in resp.get_data(as_text=True)


def test_a_refused_sign_in_form_keeps_the_e_mail_typed_unless_it_is_the_refused_field(browser):
    client = browser()
    missing_password = client.post("/login", data={"email": "someone@example.org"})
    assert missing_password.status_code == 422
    assert 'value="someone@example.org"' in missing_password.get_data(as_text=True)
    nul = client.post("/login", data={"email": "some\x00one@example.org", "password": "x"})
    assert nul.status_code == 422 and "some\x00one" not in nul.get_data(as_text=True)
