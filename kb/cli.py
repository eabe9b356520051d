"""`flask --app wsgi kb ...`: reference data, demo, users, organisations, outbox."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from kb.errors import DomainError
from kb.models import OrgKind, Role

kb_cli = AppGroup("kb", help="Knowledge Bank administration.")
users_cli = AppGroup("users", help="Manage users.")
orgs_cli = AppGroup("orgs", help="Manage organisations.")
outbox_cli = AppGroup("outbox", help="Notification outbox.")
kb_cli.add_command(users_cli)
kb_cli.add_command(orgs_cli)
index_cli = AppGroup("index", help="The matching index (FAISS cache of the stored vectors).")
kb_cli.add_command(outbox_cli)
kb_cli.add_command(index_cli)


def _fail(exc: DomainError) -> None:
    details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
    raise click.ClickException(f"{exc.message} {details}".strip())


@kb_cli.command("seed")
def seed_cmd() -> None:
    """Load or refresh reference data (countries, groups, sectors, modalities, SDGs)."""
    from kb.services.reference import seed_reference_data

    counts = seed_reference_data()
    click.echo("Reference data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@kb_cli.command("demo")
def demo_cmd() -> None:
    """Load the demo knowledge bank (idempotent) and print the demo accounts."""
    from kb.services.demo import load_demo

    report = load_demo(progress=click.echo)
    click.echo("\nDemo accounts (role, e-mail, password):")
    for role, email, password in report["accounts"]:
        click.echo(f"  {role:<12} {email:<32} {password}")


@orgs_cli.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrgKind]))
@click.option("--country", "country_code", required=True, help="ISO 3166-1 alpha-2 code")
@click.option("--acronym")
@click.option("--verified/--unverified", default=True)
def orgs_create(name: str, kind: str, country_code: str, acronym: str | None, verified: bool) -> None:
    """Register an organisation."""
    from kb.services.admin import create_organisation

    try:
        org = create_organisation(None, {"name": name, "kind": OrgKind(kind), "country_code": country_code,
                                         "acronym": acronym, "verified": verified})
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Organisation {org.id}: {org.name} ({org.country_code})")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 10 characters")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org-id", "org_id", type=int, help="Organisation id (default: the oldest organisation)")
@click.option("--name", default="")
def users_create(email: str, password: str, role: str, org_id: int | None, name: str) -> None:
    """Create a user."""
    from kb.services.admin import create_user, first_organisation_id

    if org_id is None:
        org_id = first_organisation_id()
        if org_id is None:
            raise click.ClickException("No organisation exists yet: run `kb orgs create` first or pass --org-id.")
    try:
        user = create_user(None, {"email": email, "password": password, "role": role,
                                  "organisation_id": org_id, "name": name})
    except DomainError as exc:
        _fail(exc)
    click.echo(f"User {user.id}: {user.email} ({user.role}) in organisation {user.organisation_id}")


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000))
def outbox_send(limit: int) -> None:
    """Send due notifications by SMTP (KB_SMTP_*); without KB_SMTP_HOST they stay pending.

    Exits with 1 when the run stopped early (connection, TLS, authentication or settings)."""
    from kb.services.events import send_pending

    report = send_pending(limit)
    for line in report.failures:
        click.echo(f"failed: {line}", err=True)
    click.echo(", ".join(f"{v} {k}" for k, v in report.counts().items()))
    if report.stopped:
        raise click.ClickException(f"Stopped: {report.stopped}")


@outbox_cli.command("digest")
def outbox_digest() -> None:
    """Send the daily digests now (the workers do it every day at KB_DIGEST_HOUR)."""
    from kb.services.digests import send_digests

    report = send_digests()
    click.echo(f"{report.sent} digests ({report.notifications} notifications), {report.failed} failed")
    if report.stopped:
        raise click.ClickException(f"Stopped: {report.stopped}")


@outbox_cli.command("weekly")
def outbox_weekly() -> None:
    """Send this week's digests of new fitting records now (the workers do it on Mondays at KB_DIGEST_HOUR)."""
    from kb.services.digests import send_weekly

    report = send_weekly()
    click.echo(f"{report.sent} weekly digests ({report.records} records)")
    if report.stopped:
        raise click.ClickException(f"Stopped: {report.stopped}")


@outbox_cli.command("remind")
def outbox_remind() -> None:
    """Send the reminders due now (the workers do it every hour)."""
    from kb.services.reminders import send_reminders

    r = send_reminders()
    click.echo(f"reminders: {r.matches} matches, {r.offers} offers, {r.exchanges} exchanges ({r.users} users)")


@outbox_cli.command("status")
def outbox_status() -> None:
    """Messages per state, the claimed ones, the latest failures with their errors, and the job queue."""
    from kb.jobs import queue_figures
    from kb.services.events import outbox_overview

    o = outbox_overview(None)
    click.echo("outbox: " + ", ".join(f"{v} {k}" for k, v in o.counts.items()) + f" ({o.claimed} claimed now)")
    q = queue_figures()
    click.echo(f"job queue ({q['backend']}): {q['queued']} queued, {q['scheduled']} scheduled")
    for n in o.failed:
        click.echo(f"failed {n.id} to {n.recipient} after {n.attempts} attempts: {n.error}")


@outbox_cli.command("retry")
@click.option("--id", "notification_id", type=int, help="One failed message (default: every failed message)")
def outbox_retry(notification_id: int | None) -> None:
    """Put failed messages back in the outbox; a worker sends them again."""
    from kb.services.events import retry_failed

    try:
        n = retry_failed(None, notification_id)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{n} message(s) queued again")


@kb_cli.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), help="Worker threads (default KB_WORKER_THREADS)")
@click.option("--no-periodic", is_flag=True, help="Leave the periodic jobs to other workers")
def worker_cmd(threads: int | None, no_periodic: bool) -> None:
    """Run background jobs (outbox delivery, alerts, reminders, digests) until stopped (Ctrl-C: graceful).

    Queue: Redis when KB_REDIS_URL is set (run as many workers as you like), else the SQLite file KB_JOBS_FILE."""
    import logging

    from flask import current_app

    from kb.jobs import backend, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    threads = threads or current_app.config["KB_WORKER_THREADS"]
    click.echo(f"kb worker: {threads} thread(s), queue in {backend()}", err=True)
    run_worker(threads, periodic=not no_periodic)


@index_cli.command("rebuild")
def index_rebuild() -> None:
    """Embed records whose vector is missing or from another model, reload the index, write a snapshot."""
    from tqdm import tqdm

    from kb.services.matching import rebuild

    bars: dict[str, tqdm] = {}

    def progress(kind: str, done: int, total: int) -> None:
        bar = bars.get(kind) or bars.setdefault(kind, tqdm(total=total, desc=f"{kind}s", unit="rec"))
        bar.update(done - bar.n)

    counts = rebuild(progress, second=True)
    for bar in bars.values():
        bar.close()
    click.echo("Re-embedded: " + ", ".join(f"{counts[k]} {k}s" for k in ("offer", "request")) + "; second vectors: "
               + ", ".join(f"{counts.get(k + '_second', 0)} {k}s" for k in ("offer", "request")))
    index_status_print()


def index_status_print() -> None:
    from kb.services.matching import status

    s = status()
    click.echo(f"model: {s['model']} ({s['dim']} dimensions)")
    click.echo(f"revision: {s['revision']} (database: {s['database_revision']})")
    for kind in ("offer", "request"):
        k = s[kind]
        click.echo(f"{kind}s: {k['indexed']} indexed of {k['published']} published; "
                   f"{k['stale_vectors']} with missing or other-model vectors; "
                   f"{k['second_vectors']} indexed with the second embedder's vector ({s['second_model'] or 'off'})")
    click.echo("up to date" if s["up_to_date"] else "STALE: run `flask kb index rebuild`")


@index_cli.command("status")
def index_status() -> None:
    """Model, counts, revision and staleness of the index."""
    index_status_print()


@kb_cli.command("import")
@click.argument("kind", type=click.Choice(["offers", "requests"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_cmd(kind: str, path: str) -> None:
    """Import published offers or requests from a JSON Lines file (the benchmark's format).

    Each line's `id` (with its organisation) is the record's key: importing the same file again, or after an
    interrupted run, updates what changed and skips what did not, never duplicates. Lines that break the API's
    rules are listed with their reasons and the others are imported; the exit code is then 1."""
    from tqdm import tqdm

    from kb.services.ingest import import_file

    with open(path, "rb") as fh:
        total = sum(1 for line in fh if line.strip())
    try:
        with tqdm(total=total, desc=kind, unit="rec") as bar:
            report = import_file(kind.rstrip("s"), path, progress=bar.update)
    except DomainError as exc:
        _fail(exc)
    for line, reasons in report.rejected:
        for reason in reasons:
            click.echo(f"{path}:{line}: rejected: {reason}", err=True)
    click.echo(f"{kind.capitalize()} from {path}: {report.summary()}.")
    second_vectors(kind.rstrip("s"))
    if report.rejected:
        raise click.exceptions.Exit(1)


def second_vectors(kind: str) -> None:
    """Compute the second embedder's vectors the records of a kind lack, with a progress bar (about 4 per second;
    the workers would compute them too, one job per saved record)."""
    from tqdm import tqdm

    from kb.services.matching import embed_second

    bar: tqdm | None = None

    def progress(_kind: str, done: int, total: int) -> None:
        nonlocal bar
        bar = bar or tqdm(total=total, desc=f"{kind}s (second vectors)", unit="rec")
        bar.update(done - bar.n)

    n = embed_second(kind, progress=progress)
    if bar is not None:
        bar.close()
    if n:
        click.echo(f"Second vectors computed: {n} {kind}s.")


@kb_cli.command("eval")
@click.option("--offers", type=click.Path(exists=True, dir_okay=False))
@click.option("--requests", type=click.Path(exists=True, dir_okay=False))
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False))
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--model", default=None, help="Embedding model (default: KB_EMBEDDING_MODEL)")
@click.option("--tag-free", is_flag=True, help="Import the requests without their sectors and modalities")
@click.option("--second-model", default=None,
              help="Second embedder fused with the first (default: multilingual-e5-small-q4; none: the first alone)")
@click.option("--duplicates", default=None, type=click.Path(exists=True, dir_okay=False),
              help="A labelled duplicate set (bench/data/duplicates.jsonl): also report duplicate precision/recall")
@click.option("--live", is_flag=True,
              help="Score the current ranking and the fit on this installation's own decisions (judged pairs)")
def eval_cmd(offers: str | None, requests: str | None, qrels: str | None, k: int, model: str | None, tag_free: bool,
             second_model: str | None, duplicates: str | None, live: bool) -> None:
    """Rank the benchmark's offers for each request (--offers, --requests, --qrels), or with --live score this
    installation's ranking on its own decisions; the last line is one JSON object."""
    import json

    if live:
        from kb.services.live_eval import live_report, report_lines

        report = live_report(k)
        for line in report_lines(report):
            click.echo(line)
        click.echo(json.dumps(report))
        return
    missing = [f"--{name}" for name, value in (("offers", offers), ("requests", requests), ("qrels", qrels))
               if not value]
    if missing:
        raise click.UsageError(f"Missing {', '.join(missing)} (or use --live).")
    from kb.services.evaluation import run_eval

    try:
        summary = run_eval(offers, requests, qrels, k, model, echo=click.echo, tag_free=tag_free, duplicates=duplicates,
                           second=second_model)
    except DomainError as exc:
        _fail(exc)
    click.echo(json.dumps(summary))


@kb_cli.command("calibrate")
@click.option("--offers", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--requests", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--qrels", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--depth", default=40, show_default=True, type=click.IntRange(1, 100),
              help="Suggestions per request used as calibration pairs")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50))
@click.option("--model", default=None, help="Embedding model (default: KB_EMBEDDING_MODEL)")
@click.option("--second-model", default=None,
              help="Second embedder fused with the first (default: multilingual-e5-small-q4; none: the first alone)")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Where to write the parameters (default: the shipped kb/data/calibration.json)")
def calibrate_cmd(offers: str, requests: str, qrels: str, depth: int, folds: int, model: str | None,
                  second_model: str | None, out: str | None) -> None:
    """Refit the calibrated fit (a logistic regression over the pair features, weights in kb/data/calibration.json)
    on judged pairs, cross-validated."""
    from pathlib import Path

    from kb.services.evaluation import run_calibrate

    try:
        run_calibrate(offers, requests, qrels, depth, folds, model, Path(out) if out else None, echo=click.echo,
                      second=second_model)
    except DomainError as exc:
        _fail(exc)


def register_cli(app: Flask) -> None:
    """Attach the `kb` command group."""
    app.cli.add_command(kb_cli)
