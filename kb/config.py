"""Configuration: defaults overridable by environment variables named KB_<SETTING>."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask.helpers import get_debug_flag

ROOT = Path(__file__).resolve().parent.parent

# name -> (default, type, description); the README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, type, str]] = {
    "DATABASE_URL": (f"sqlite:///{ROOT / 'instance' / 'kb.sqlite3'}", str,
                     "SQLAlchemy database URL (SQLite file by default; postgresql+psycopg://... in production)"),
    "SQLITE_JOURNAL_MODE": ("wal", str, "SQLite journal: wal (readers and the writer do not block each other); "
                                        "delete for a database on a network file system"),
    "SECRET_KEY": ("", str, "Secret for sessions, CSRF and signed links (32+ random characters); required"),
    "SECRET_KEY_FILE": (str(ROOT / "instance" / "secret_key"), str,
                        "File holding the secret when KB_SECRET_KEY is unset (`make run` writes a random one)"),
    "SECURE_COOKIES": (False, bool, "Send the session cookie over HTTPS only, and HSTS (set it behind a TLS proxy)"),
    "TRUSTED_PROXIES": (0, int, "Reverse proxies in front of kb whose X-Forwarded-For/-Proto/-Host/-Port are "
                                "trusted (werkzeug ProxyFix); 0 = none, use the connection's address"),
    "TOKEN_TTL_HOURS": (24 * 30, int, "Lifetime of API bearer tokens in hours"),
    "LOGIN_MAX_FAILURES": (5, int, "Failed sign-ins for one e-mail from one client address within the window "
                                   "before that pair is throttled"),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": (20, int, "Failed sign-ins from one client address (any e-mail) within "
                                                "the window before that address is throttled"),
    "LOGIN_WINDOW_SECONDS": (900, int, "Window for counting failed sign-ins, in seconds"),
    "MAX_PAGE_SIZE": (100, int, "Largest page size accepted by list endpoints"),
    "PASSWORD_METHOD": ("scrypt", str, "Werkzeug password hashing method (tests use a cheaper one)"),
    "SMTP_HOST": ("", str, "SMTP host for notification e-mails (without it they go to KB_MAIL_LOG)"),
    "SMTP_PORT": (0, int, "SMTP port (0: 25, 587 or 465 by KB_SMTP_SECURITY)"),
    "SMTP_SECURITY": ("none", str, "none, starttls or tls (implicit TLS); certificates are verified"),
    "SMTP_USERNAME": ("", str, "SMTP user name for AUTH (needs starttls or tls)"),
    "SMTP_PASSWORD": ("", str, "SMTP password"),
    "SMTP_TIMEOUT": (30.0, float, "Seconds to wait for the SMTP server"),
    "MAIL_FROM": ("kb@localhost", str, "Sender of notification e-mails (address, or Name <address>)"),
    "BASE_URL": ("", str, "Public address of kb (https://kb.example.org): the links in e-mails, and the only host "
                          "name requests may carry (Flask TRUSTED_HOSTS); required outside development "
                          "(FLASK_DEBUG=1) and tests, where links follow the request's address"),
    "PASSWORD_RESET_MINUTES": (60, int, "Lifetime of a password-reset link, in minutes"),
    "INVITATION_DAYS": (14, int, "Lifetime of an invitation link, in days"),
    "APPLICATION_CONFIRM_HOURS": (48, int, "Lifetime of the link confirming an application's e-mail, in hours"),
    "MAIL_REQUESTS_PER_EMAIL": (3, int, "Password-reset (or application) requests for one e-mail address per hour"),
    "MAIL_REQUESTS_PER_CLIENT": (10, int, "Password-reset (or application) requests from one client address per hour"),
    "REDIS_URL": ("", str, "Redis URL of the job queue (redis://host:6379/0) for any number of workers; "
                           "empty = a SQLite queue file (KB_JOBS_FILE) for one machine"),
    "JOBS_FILE": (str(ROOT / "instance" / "jobs.sqlite3"), str, "SQLite file of the job queue when KB_REDIS_URL is unset"),
    "WORKER_THREADS": (2, int, "Worker threads of one `kb worker` process"),
    "OUTBOX_BATCH": (50, int, "Messages one outbox job claims at a time"),
    "OUTBOX_LEASE_SECONDS": (300, int, "How long a worker holds the messages it claimed; a killed worker's "
                                       "messages go to another worker after this"),
    "MAIL_LOG": (str(ROOT / "instance" / "mail.log"), str, "Without KB_SMTP_HOST, e-mails are appended to this "
                                                            "file (mbox) instead of being sent"),
    "ANSWER_LINK_DAYS": (14, int, "Days the accept/decline links of a \"match proposed\" e-mail stay valid"),
    "ALERT_MIN_FIT": (0.5, float, "Match alerts: the calibrated fit (0-1) a pair needs (0.5: the strong band)"),
    "ALERT_CANDIDATES": (50, int, "Match alerts: how many best-ranked counterparts of a newly published record "
                                  "are considered"),
    "REMIND_MATCH_DAYS": (7, int, "Remind a party of a proposed match it has not answered after this many days "
                                  "(the secretariat after twice as many)"),
    "REMIND_EXPIRY_DAYS": (30, int, "Remind an offer's owner this many days before its validity ends (and on the day after)"),
    "REMIND_ACTIVITY_DAYS": (30, int, "Remind the parties of an exchange in progress without an activity report "
                                      "for this many days"),
    "DIGEST_HOUR": (6, int, "Hour (UTC, 0-23) at which the daily digests are sent"),
    "EMBEDDING_MODEL": ("", str, "Sentence-transformers model directory or registered name (empty = default)"),
    "SECOND_EMBEDDING_MODEL": ("", str, "Second embedder, computed by the job workers and fused with the first "
                                        "(empty = multilingual-e5-small-q4; none = off; hashing-N for tests)"),
    "VECTOR_CACHE_DIR": ("", str, "Directory caching the second embedder's vectors by content hash for `kb eval` "
                                  "and `kb calibrate` (empty = instance/vector-cache)"),
    "SERVING_BLAS_THREADS": (1, int, "BLAS threads of a process serving requests, set by a gunicorn worker after "
                                     "its fork, by another server on its first request (0 = the libraries' "
                                     "default); the command line keeps the default"),
    "PRELOAD_MODEL": (False, bool, "Load the embedding model and index in the background at start-up (servers)"),
    "EXPERT_DAY_RATE": (400.0, float, "Standard daily rate of an expert-day, to value the expert-days given in kind "
                                      "(an estimate: docs/INDICATORS.md)"),
    "EXPERT_DAY_CURRENCY": ("USD", str, "Currency of KB_EXPERT_DAY_RATE (ISO 4217)"),
    "IATI_ORG_REF": ("", str, "IATI organisation identifier of the facilitator (reporting-org of the IATI export, "
                              "e.g. XM-DAC-41123); the IATI export is refused without it"),
    "IATI_ORG_NAME": ("Knowledge Bank secretariat", str, "Name of that reporting organisation"),
    "IATI_ORG_TYPE": ("40", str, "Its IATI OrganisationType code (40: multilateral)"),
    "UNMET_WAIT_DAYS": (30, int, "Unmet needs: a published request waiting longer than this without a proposal"),
    "UNMET_MIN_FIT": (0.5, float, "Unmet needs: a request whose best suggestion's calibrated fit is below this (0.5: the "
                                  "strong band) has no strong match"),
    "UNMET_LIMIT": (300, int, "Unmet needs: at most this many published requests (the oldest) are examined"),
    "UNMET_CLUSTER_DISTANCE": (0.5, float, "Unmet needs: cosine distance under which requests fall in one cluster"),
    "INDEX_DIR": (str(ROOT / "embeddings"), str, "Folder for FAISS index snapshots"),
    "INDEX_WAIT_SECONDS": (3.0, float, "How long a request needing the search index waits for it to load in the "
                                       "background before answering 503 with Retry-After (a 'starting' page)"),
}


API_DESCRIPTION = """\
Knowledge Bank for South-South and triangular cooperation.

Rules every operation keeps:

- Sign in with `POST /auth/tokens` and send `Authorization: Bearer <token>`. Operations whose security lists
  only `bearer` answer 401 to anonymous callers before reading their input; a bad token is a 401 everywhere.
- Errors have one body, `{"code", "status", "message", "errors"}`; `errors` maps the fields at fault (under
  `json` or `query`) to lists of messages. Messages are in the caller's language (`Accept-Language`, or the
  signed-in user's). A refused call changes nothing.
- Bodies are JSON (`Content-Type: application/json`, else 415), at most 1 MiB (413), nested at most 32
  levels, without NaN or Infinity (400). Values are taken at their JSON type: `7.9` and `"7"` are not
  integers, `0` and `"true"` are not booleans. Query strings are text (`true`/`false`, digits).
- No text may contain a NUL character or an unpaired surrogate (`\\ud800`); required text may not be
  whitespace alone; text is stored without surrounding whitespace (passwords as typed).
- Amounts of money are decimal strings with at most two decimals (`"1500.00"`).
- Code lists: states, actions, kinds and roles are the enums below; sectors and modalities are those of
  `GET /sectors` and `GET /modalities`, languages ISO 639-1, countries ISO 3166-1 alpha-2 in capitals.
- A URL longer than 8000 bytes is refused with 414. Unknown fields and query parameters are refused (422).
"""


def _coerce(value: str, kind: type) -> Any:
    if kind is bool:
        return value.lower() in {"1", "true", "yes", "on"}
    return kind(value)


MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The settings do not allow a safe start; the message says what to set."""


def secret_key(cfg: dict[str, Any]) -> str:
    """The configured secret: KB_SECRET_KEY, else the key file; never a default known to anyone else.

    Tests without a key get a random one per process. Anything else without a key refuses to start: with a
    known key anyone could sign a session cookie as any user.
    """
    secret = cfg["KB_SECRET_KEY"]
    source = "KB_SECRET_KEY"
    path = Path(cfg["KB_SECRET_KEY_FILE"]) if cfg.get("KB_SECRET_KEY_FILE") else None
    if not secret and path is not None and path.is_file():
        secret, source = path.read_text(encoding="utf-8").strip(), str(path)
    if cfg.get("TESTING"):
        return secret or secrets.token_hex(32)
    if not secret:
        raise ConfigurationError(
            "No secret key: set KB_SECRET_KEY to a long random value, e.g. "
            "`export KB_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')`, or write one to "
            f"{path} (`make secret` does, and `make run` calls it). kb will not serve with a key anyone could know.")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"The secret key from {source} has {len(secret)} characters; use at least "
                                 f"{MIN_SECRET_LENGTH} random ones.")
    return secret


def base_url(cfg: dict[str, Any]) -> str:
    """KB_BASE_URL without its trailing slash; required to serve anything but development and tests.

    Without it the links e-mailed for password resets, invitations and applications would be built from the
    request's Host header, which anyone can forge: a reset asked for someone else would mail them a link to the
    forger's site, and the token with it.
    """
    base = (cfg.get("KB_BASE_URL") or "").strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path or parts.query:
            raise ConfigurationError(f"KB_BASE_URL must be the public address of kb, like https://kb.example.org "
                                     f"(scheme and host, an optional port, no path); not {base!r}.")
        return base
    if cfg.get("TESTING") or cfg.get("DEBUG") or get_debug_flag():
        return ""
    raise ConfigurationError(
        "No public address: set KB_BASE_URL to the address users reach kb at, e.g. "
        "`export KB_BASE_URL=https://kb.example.org` (`make run` uses http://127.0.0.1:5000). The links e-mailed "
        "for password resets and invitations are built from it; kb will not build them from a Host header anyone "
        "can forge. For development only, FLASK_DEBUG=1 builds them from the request.")


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from defaults, KB_* environment variables and overrides."""
    cfg: dict[str, Any] = {}
    for name, (default, kind, _doc) in SETTINGS.items():
        raw = os.environ.get(f"KB_{name}")
        cfg[f"KB_{name}"] = _coerce(raw, kind) if raw not in (None, "") else default
    cfg.update(overrides or {})
    secret = secret_key(cfg)
    base = base_url(cfg)
    secure = bool(cfg["KB_SECURE_COOKIES"])
    url = cfg["KB_DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    cfg.update(
        SECRET_KEY=secret,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=1024 * 1024,
        API_TITLE="Knowledge Bank API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        KB_BASE_URL=base,
    )
    if base:  # any other Host header is refused (400) before a view runs
        cfg["TRUSTED_HOSTS"] = [urlsplit(base).hostname]
    cfg.update({k: v for k, v in (overrides or {}).items() if not k.startswith("KB_")})
    return cfg
