"""`flask kb ...`: organisations, users, reference data and the demo, through Flask's CLI runner."""
from __future__ import annotations

import pytest
from dbstate import db_snapshot
from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Country, Modality, Organisation, RegionalGroup, Sector, User
from kb.services import indicators


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["kb", *args])
    return run


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_orgs_create_registers_an_organisation(app, cli):
    result = cli("orgs", "create", "--name", "Ministry of Industry", "--kind", "ministry", "--country", "jm",
                 "--acronym", "MIIC")
    assert result.exit_code == 0, result.output
    assert "Ministry of Industry (JM)" in result.output
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Ministry of Industry"))
        assert (org.kind, org.country_code, org.acronym, org.verified) == ("ministry", "JM", "MIIC", True)


@pytest.mark.parametrize("args,message", [
    (["--name", "X Org", "--kind", "club", "--country", "JM"], "Invalid value for '--kind'"),
    (["--name", "X Org", "--kind", "ministry", "--country", "XX"], "Unknown country: XX"),
    (["--kind", "ministry", "--country", "JM"], "Missing option '--name'"),
])
def test_orgs_create_refuses_bad_input_with_a_clear_message_and_changes_nothing(app, cli, args, message):
    before = db_snapshot(app)
    result = cli("orgs", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert db_snapshot(app) == before


def test_users_create_adds_a_user_who_can_sign_in(app, cli, client):
    assert cli("orgs", "create", "--name", "Secretariat", "--kind", "un-agency", "--country", "AT").exit_code == 0
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.name == "Secretariat"))
    result = cli("users", "create", "--email", "Admin@Example.org", "--password", "a-long-password",
                 "--role", "admin", "--org-id", str(org_id), "--name", "Ada")
    assert result.exit_code == 0, result.output
    assert "admin@example.org (admin)" in result.output
    resp = client.post("/api/v1/auth/tokens", json={"email": "admin@example.org", "password": "a-long-password"})
    assert resp.status_code == 201


@pytest.mark.parametrize("args,message", [
    (["--email", "x@example.org", "--password", "a-long-password", "--role", "emperor"], "Invalid value for '--role'"),
    (["--email", "x@example.org", "--password", "short", "--role", "director"], "at least 10 characters"),
    (["--email", "taken@example.org", "--password", "a-long-password", "--role", "director"],
     "A user with this e-mail exists"),
    (["--email", "TAKEN@example.org", "--password", "a-long-password", "--role", "director"],
     "A user with this e-mail exists"),
    (["--email", "x@example.org", "--password", "a-long-password", "--role", "director", "--org-id", "999999"],
     "Unknown organisation: 999999"),
    (["--email", "not-an-email", "--password", "a-long-password", "--role", "director"], "e-mail"),
])
def test_users_create_refuses_bad_input_with_a_clear_message_and_changes_nothing(app, cli, args, message):
    assert cli("orgs", "create", "--name", "Ministry", "--kind", "ministry", "--country", "EC").exit_code == 0
    assert cli("users", "create", "--email", "taken@example.org", "--password", "a-long-password",
               "--role", "director").exit_code == 0
    before = db_snapshot(app)
    result = cli("users", "create", *args)
    assert result.exit_code != 0, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert db_snapshot(app) == before


def test_users_create_without_any_organisation_says_what_to_do(app, cli):
    result = cli("users", "create", "--email", "x@example.org", "--password", "a-long-password", "--role", "admin")
    assert result.exit_code != 0
    assert "kb orgs create" in result.output
    assert _count(app, User) == 0


def test_seed_loads_every_country_with_names_in_four_languages_and_is_idempotent(app, cli):
    first = cli("seed")
    assert first.exit_code == 0, first.output
    before = db_snapshot(app)
    second = cli("seed")
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert db_snapshot(app) == before
    assert _count(app, Country) == 249
    with app.app_context():
        de = db.session.get(Country, "DE")
        assert (de.label_en, de.label_es, de.label_pt, de.label_fr) == ("Germany", "Alemania", "Alemanha", "Allemagne")
        br = db.session.get(Country, "BR")
        assert (br.label_es, br.label_fr) == ("Brasil", "Brésil")
        assert db.session.get(Country, "AT").alpha3 == "AUT"


def test_seed_refreshes_countries_and_groups_and_adds_missing_vocabulary_entries_only(app, cli):
    before = db_snapshot(app)
    with app.app_context():  # an older database: a member missing, a country renamed, a sector missing
        caricom = db.session.get(RegionalGroup, "CARICOM")
        caricom.countries = [c for c in caricom.countries if c.code != "JM"]
        db.session.get(Country, "BR").label_fr = "Brésil (ancien nom)"
        # Sectors and modalities are administered in the database (/admin/vocabularies): seeding keeps their
        # labels and positions, and adds what the files have and the database lacks.
        sector = db.session.get(Sector, "agriculture")
        sector.label_fr, sector.position = "Agriculture (libellé de l'administrateur)", 99
        db.session.get(Modality, "study-visit").label_pt = "Visita"
        db.session.delete(db.session.get(Sector, "livestock"))
        db.session.commit()
    assert db_snapshot(app) != before
    try:
        result = cli("seed")
        assert result.exit_code == 0, result.output
        assert db_snapshot(app) == before
        with app.app_context():
            assert "JM" in [c.code for c in db.session.get(RegionalGroup, "CARICOM").countries]
            assert db.session.get(Country, "BR").label_fr == "Brésil"
            assert db.session.get(Sector, "agriculture").label_fr == "Agriculture (libellé de l'administrateur)"
            assert db.session.get(Modality, "study-visit").label_pt == "Visita"
            assert db.session.get(Sector, "livestock").label_es == "Ganadería"
    finally:
        with app.app_context():
            sector = db.session.get(Sector, "agriculture")
            sector.label_fr, sector.position = "Agriculture", 0
            db.session.get(Modality, "study-visit").label_pt = "Visita de estudo"
            db.session.commit()


def test_demo_loads_once_and_a_second_run_adds_nothing(app, cli, client):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    assert "secretariat@kb.example" in first.output
    loaded = db_snapshot(app)
    assert loaded["requests"] > 0 and loaded["offers"] > 0 and loaded["exchanges"] >= 1 and loaded["matches"] >= 2
    assert loaded["experts"] == 2 and loaded["exchange_experts"] == 2  # experts mobilised show on the indicators
    with app.app_context():
        figures = indicators.experts(indicators.Filters())
        assert (figures["mobilised"], figures["expert_days"]) == (2, 21)
        assert indicators.headline()["experts"] == 2
    second = cli("demo")
    assert second.exit_code == 0, second.output
    assert db_snapshot(app) == loaded
    # The printed demo accounts work.
    resp = client.post("/api/v1/auth/tokens", json={"email": "director@agricultura.ec.example",
                                                    "password": "director-demo-2026"})
    assert resp.status_code == 201
