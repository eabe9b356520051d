"""A small, realistic demo knowledge bank, loaded through the same services as real use."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from kb.extensions import db
from kb.models import ActivityKind, Offer, Organisation, OrgKind, Request, Role, User
from kb.services import admin, exchanges, partners, records
from kb.services.ingest import IMPORTED_TABLES, analyze
from kb.services.reference import seed_reference_data

SECRETARIAT_ORG = "Knowledge Bank Secretariat"

ORGS = [
    # key, name, acronym, kind, country
    ("sec", SECRETARIAT_ORG, "KBS", OrgKind.UN_AGENCY, "AT"),
    ("ec_agri", "Ministerio de Agricultura y Ganadería del Ecuador", "MAG", OrgKind.MINISTRY, "EC"),
    ("mz_ind", "Ministério da Indústria e Comércio de Moçambique", "MIC", OrgKind.MINISTRY, "MZ"),
    ("sn_env", "Ministère de l'Environnement et du Développement durable du Sénégal", "MEDD", OrgKind.MINISTRY, "SN"),
    ("jm_ind", "Ministry of Industry, Investment and Commerce of Jamaica", "MIIC", OrgKind.MINISTRY, "JM"),
    ("co_sena", "Servicio Nacional de Aprendizaje", "SENA", OrgKind.TRAINING_INSTITUTE, "CO"),
    ("br_inmetro", "Instituto Nacional de Metrologia, Qualidade e Tecnologia", "INMETRO", OrgKind.COMPETENCE_CENTRE, "BR"),
    ("ma_cpc", "Centre Marocain de Production Propre", "CMPP", OrgKind.COMPETENCE_CENTRE, "MA"),
    ("in_tec", "National Institute of Solar Energy", "NISE", OrgKind.COMPETENCE_CENTRE, "IN"),
    ("es_aecid", "Agencia Española de Cooperación Internacional para el Desarrollo", "AECID", OrgKind.FUND_DONOR, "ES"),
]

ACCOUNTS = [
    # role, e-mail, password, org key, name
    (Role.ADMIN, "admin@kb.example", "admin-demo-2026", "sec", "Ada Admin"),
    (Role.SECRETARIAT, "secretariat@kb.example", "secretariat-demo-2026", "sec", "Sami Secretariat"),
    (Role.DIRECTOR, "director@agricultura.ec.example", "director-demo-2026", "ec_agri", "Daniela Directora"),
    (Role.DIRECTOR, "director@mic.mz.example", "director-demo-2026", "mz_ind", "Duarte Director"),
    (Role.DIRECTOR, "directeur@medd.sn.example", "director-demo-2026", "sn_env", "Diane Directrice"),
    (Role.DIRECTOR, "director@miic.jm.example", "director-demo-2026", "jm_ind", "Jordan Director"),
    (Role.CENTRE, "centre@sena.co.example", "centre-demo-2026", "co_sena", "Camilo Centro"),
    (Role.CENTRE, "centre@inmetro.br.example", "centre-demo-2026", "br_inmetro", "Clara Centro"),
    (Role.CENTRE, "centre@cmpp.ma.example", "centre-demo-2026", "ma_cpc", "Karim Centre"),
    (Role.PARTNER, "partner@aecid.es.example", "partner-demo-2026", "es_aecid", "Paula Partner"),
]

REQUESTS = [
    ("ec_agri", "es", "Sistema de producción de panela rentable y sostenible para pequeños productores",
     "Los pequeños productores de caña de la Sierra y la Amazonía elaboran panela en trapiches artesanales con "
     "pérdidas altas de energía y calidad irregular. Buscamos asistencia técnica para evaluar los trapiches, "
     "mejorar las hornillas y la higiene del proceso, y capacitar a productores y técnicos extensionistas en "
     "buenas prácticas de manufactura y comercialización asociativa.",
     ["agro-industry", "agriculture"], ["expert-mission", "training-course"], ["es"], [2, 8], 110, 6, "published"),
    ("mz_ind", "pt", "Laboratórios de metrologia para a exportação de caju e castanha",
     "As exportações de castanha de caju são recusadas por falta de ensaios acreditados de humidade e "
     "aflatoxinas. Pedimos apoio para organizar um laboratório nacional de metrologia e ensaios, formar o "
     "pessoal técnico e preparar a acreditação segundo a ISO/IEC 17025.",
     ["quality-infrastructure", "agro-industry"], ["expert-mission", "study-visit"], ["pt", "en"], [8, 9], 25, 12,
     "published"),
    ("sn_env", "fr", "Réduire les déchets et la pollution des tanneries artisanales de Dakar",
     "Les tanneries artisanales rejettent du chrome et des matières organiques dans les canaux. Nous souhaitons "
     "un accompagnement en production plus propre : diagnostics d'atelier, substitution des produits chimiques, "
     "traitement des effluents et formation des artisans et des inspecteurs.",
     ["cleaner-production", "waste-management"], ["expert-mission", "training-course"], ["fr"], [6, 12], 60, 9,
     "published"),
    ("ec_agri", "es", "Riego tecnificado con energía solar para fincas familiares",
     "Queremos diseñar un programa de bombeo solar para riego por goteo en fincas familiares de la costa, "
     "con criterios técnicos de dimensionamiento, mantenimiento y financiamiento.",
     ["renewable-energy", "water", "agriculture"], ["virtual-advisory", "expert-mission"], ["es", "en"], [7, 2], 300, 8,
     "submitted"),
    ("jm_ind", "en", "Energy audits for small food and beverage processors",
     "Electricity costs are the main complaint of our small agro-processors: sauces, juices and bakery "
     "products. We want a national energy-audit service for SMEs, trained local auditors, and simple "
     "financing for efficient boilers, refrigeration and solar water heating.",
     ["energy-efficiency", "sme-development", "agro-industry"], ["training-course", "virtual-advisory"], ["en"],
     [7, 9], 40, 10, "published"),
    ("mz_ind", "pt", "Formação profissional em manutenção industrial",
     "Rascunho: necessidade de cursos técnicos em manutenção de máquinas para a indústria agroalimentar.",
     ["vocational-training"], ["training-course"], ["pt"], [4], None, None, "draft"),
]

OFFERS = [
    ("co_sena", "es", "Transferencia tecnológica en agroindustria panelera",
     "El SENA forma a productores y técnicos en el mejoramiento de trapiches paneleros: diagnóstico energético de "
     "hornillas, buenas prácticas de manufactura, inocuidad, empaque y asociatividad para la comercialización. "
     "Combina misiones de expertos con talleres prácticos en finca.",
     ["agro-industry", "vocational-training"], ["expert-mission", "training-course"], ["es"], "in-kind"),
    ("co_sena", "es", "Formación de instructores en mantenimiento industrial",
     "Programas de formación de formadores en mantenimiento mecánico, eléctrico y de automatización para "
     "centros de formación profesional, con currículos por competencias.",
     ["vocational-training", "education"], ["training-course", "virtual-advisory"], ["es", "en"], "cost-shared"),
    ("br_inmetro", "pt", "Cooperação em metrologia, ensaios e acreditação de laboratórios",
     "O INMETRO apoia institutos nacionais na organização de laboratórios de metrologia e ensaios, na "
     "rastreabilidade das medições e na preparação para a acreditação ISO/IEC 17025, com missões técnicas, "
     "estágios no Brasil e cursos a distância.",
     ["quality-infrastructure"], ["expert-mission", "study-visit", "training-course"], ["pt", "es", "en"], "in-kind"),
    ("ma_cpc", "fr", "Diagnostics de production plus propre pour les PME et l'artisanat",
     "Le CMPP réalise des diagnostics de production plus propre et d'efficacité des ressources dans les "
     "tanneries, le textile et l'agroalimentaire, forme des conseillers nationaux et accompagne la mise en place "
     "de stations de traitement des effluents.",
     ["cleaner-production", "waste-management", "sme-development"], ["expert-mission", "training-course"],
     ["fr", "ar", "en"], "cost-shared"),
    ("in_tec", "en", "Solar pumping for irrigation: design, testing and training",
     "NISE trains engineers and technicians in sizing, installing and maintaining solar water pumping systems "
     "for smallholder irrigation, and shares test protocols and financing models used in national programmes.",
     ["renewable-energy", "agriculture", "energy-access"], ["training-course", "virtual-advisory"], ["en"], "in-kind"),
]


def _org_ids() -> dict[str, int]:
    names = {name: key for key, name, *_ in ORGS}
    return {names[o.name]: o.id for o in db.session.scalars(select(Organisation).where(Organisation.name.in_(names)))}


def load_demo(progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Load the demo (reference data, organisations, accounts, records, one exchange); safe to rerun."""
    seed_reference_data()
    progress("Reference data loaded.")
    ids = _org_ids()
    for key, name, acronym, kind, country in ORGS:
        if key not in ids:
            ids[key] = admin.create_organisation(None, {"name": name, "acronym": acronym, "kind": kind,
                                                        "country_code": country, "verified": True}).id
    users: dict[str, User] = {}
    for role, email, password, org_key, name in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = admin.create_user(None, {"email": email, "password": password, "role": role,
                                            "organisation_id": ids[org_key], "name": name})
        users[email] = user
    progress(f"{len(ORGS)} organisations, {len(ACCOUNTS)} accounts.")
    if db.session.scalar(select(Request.id).limit(1)) is None:
        _load_records(ids, users, progress)
        from kb.services.matching import embed_second

        for kind in ("request", "offer"):  # the second embedder's vectors now, rather than by the workers later
            n = embed_second(kind, progress=lambda k, d, t: progress(f"Second vectors of the {k}s: {d}/{t}."))
            if n:
                progress(f"{n} {kind} second vectors computed.")
        analyze((*IMPORTED_TABLES["offer"], *IMPORTED_TABLES["request"][1:], "users", "exchanges", "matches"))
    else:
        progress("Records already present; left unchanged.")
    return {"accounts": [(str(r), e, p) for r, e, p, _k, _n in ACCOUNTS]}


def _owner(users: dict[str, User], org_id: int, role: Role) -> User:
    return next(u for u in users.values() if u.organisation_id == org_id and u.role == role)


def _load_records(ids: dict[str, int], users: dict[str, User], progress: Callable[[str], None]) -> None:
    sec = users["secretariat@kb.example"]
    made_requests = []
    for org_key, lang, title, text, sectors, modalities, languages, sdgs, benef, months, state in REQUESTS:
        owner = _owner(users, ids[org_key], Role.DIRECTOR)
        req = records.create_record(Request, owner, {
            "title": title, "description": text, "text_lang": lang, "sectors": sectors,
            "modalities": modalities, "languages": languages, "sdgs": sdgs, "beneficiaries_count": benef,
            "duration_months": months, "contact_name": owner.name, "contact_email": owner.email})
        if state in ("submitted", "published"):
            records.transition_record(Request, owner, req.id, "submit")
        if state == "published":
            records.transition_record(Request, sec, req.id, "publish")
        made_requests.append(req)
    sena_centre = _owner(users, ids["co_sena"], Role.CENTRE)
    expert = records.create_expert(sena_centre, {
        "name": "Ing. Luz Marina Ortega", "email": "l.ortega@sena.co.example", "expertise":
        "Panela processing, furnace efficiency, food safety in rural agro-industry", "languages": ["es"],
        "availability": "Up to 3 missions a year"})
    second_expert = records.create_expert(sena_centre, {
        "name": "Téc. Andrés Felipe Rojas", "email": "a.rojas@sena.co.example", "expertise":
        "Trapiche maintenance, clarification and moulding of panela, producer training", "languages": ["es"],
        "availability": "Missions of up to two weeks"})
    made_offers = []
    for org_key, lang, title, text, sectors, modalities, languages, terms in OFFERS:
        org_id = ids[org_key]
        # Centres without an account are entered by the secretariat on their behalf.
        owner = next((u for u in users.values() if u.organisation_id == org_id and u.role == Role.CENTRE), sec)
        data = {"title": title, "description": text, "text_lang": lang, "sectors": sectors,
                "modalities": modalities, "languages": languages, "terms": terms,
                "valid_until": date.today() + timedelta(days=365), "organisation_id": org_id,
                "contact_name": owner.name if owner is not sec else None}
        if org_key == "co_sena" and not made_offers:
            data["expert_ids"] = [expert.id]
        offer = records.create_record(Offer, owner, data)
        records.transition_record(Offer, owner, offer.id, "submit")
        records.transition_record(Offer, sec, offer.id, "publish")
        made_offers.append(offer)
    progress(f"{len(made_requests)} requests, {len(made_offers)} offers, 2 experts.")

    # One exchange under way: Ecuador's panela request served by SENA, with AECID co-financing.
    match = exchanges.propose_match(sec, made_requests[0].id, made_offers[0].id,
                                    "Same crop and scale; SENA has done this with small producers before.")
    exchanges.transition_match(_owner(users, ids["ec_agri"], Role.DIRECTOR), match.id, "accept")
    exchanges.transition_match(_owner(users, ids["co_sena"], Role.CENTRE), match.id, "accept")
    exchanges.transition_match(sec, match.id, "approve")
    ex = exchanges.get_match(sec, match.id).exchange
    exchanges.transition_exchange(sec, ex.id, "agree", extra={"agreement_ref": "KB-2026-014",
                                                              "agreement_date": date.today() - timedelta(days=30)})
    # AECID offers its co-financing; the secretariat accepts it (AECID joins the exchange with it).
    aecid_offer = partners.offer_contribution(users["partner@aecid.es.example"], ex.id,
                                              {"kind": "money", "amount": Decimal("18000"), "currency": "EUR",
                                               "description": "Travel and workshop costs"})
    partners.transition_offer(sec, aecid_offer.id, "accept")
    exchanges.add_contribution(_owner(users, ids["co_sena"], Role.CENTRE), ex.id,
                               {"kind": "expert-days", "expert_days": 21, "description": "Three experts, seven days"})
    exchanges.transition_exchange(sec, ex.id, "start", extra={"start_date": date.today() - timedelta(days=20)})
    exchanges.add_activity(sec, ex.id, {
        "kind": ActivityKind.EXPERT_MISSION, "title": "Diagnóstico de trapiches y taller práctico",
        "start_date": date.today() - timedelta(days=10), "end_date": date.today() - timedelta(days=4),
        "place": "Pacto, Pichincha", "virtual": False, "participants_female": 38, "participants_male": 64,
        "participants_other": 0, "participant_kinds": "producers, extension technicians", "expert_days": 21})
    # Which roster experts went, with their expert-days (what the indicators count as experts mobilised).
    exchanges.add_expert(sena_centre, ex.id, {"expert_id": expert.id, "expert_days": 14})
    exchanges.add_expert(sena_centre, ex.id, {"expert_id": second_expert.id, "expert_days": 7})
    # A second proposal waiting for answers, for the matching desk.
    exchanges.propose_match(sec, made_requests[2].id, made_offers[3].id,
                            "Tannery diagnostics and effluent treatment in French.")
    # A published request seeking co-financing, and AECID's priorities that it fits (the partner's workspace).
    seeking = made_requests[2]
    records.update_record(Request, sec, seeking.id, {
        "seeks_cofinancing": True, "cofinancing_amount": Decimal("24000.00"), "cofinancing_currency": "EUR",
        "cofinancing_purpose": "Two expert missions and a regional workshop for tannery owners"}, None)
    admin.update_priorities(users["partner@aecid.es.example"], ids["es_aecid"], {
        "priority_sectors": sorted({*seeking.sector_codes, "agro-industry"}), "priority_sdgs": seeking.sdg_numbers,
        "priority_contributions": ["money", "hosting"]})
    progress("1 exchange in progress with 2 experts mobilised, 1 match proposed, 1 request seeking co-financing.")
