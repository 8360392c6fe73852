"""The one settings module. Every value comes from the environment; docs/configuration.md lists
each variable with its default. Nothing here may require a file outside SHANZHI_DATA_DIR."""

import ipaddress
import os
import secrets
import tempfile
from datetime import timedelta as _timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from shanzhi.core.basemap import base_layers

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("SHANZHI_DATA_DIR") or "shanzhi-data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SHANZHI_SECRET_KEY, else a key generated once and kept in the data directory, so that
    sessions survive restarts and every process on the machine shares it."""
    if os.environ.get("SHANZHI_SECRET_KEY"):
        return os.environ["SHANZHI_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written aside and linked into place: processes starting together all read one key.
        temporary = DATA_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("SHANZHI_DEBUG", False)
ALLOWED_HOSTS = env_list("SHANZHI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("SHANZHI_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "shanzhi.core",
    "shanzhi.territory",
    "shanzhi.org",
    "shanzhi.knowledge",
    "shanzhi.web",
    "shanzhi.workorders",
    "shanzhi.mediation",
    "shanzhi.interop",
    "shanzhi.command",
    "shanzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shanzhi.core.middleware.RequestIdMiddleware",
    # Latency and counts by route for /metrics (outermost of ours: it times the rest).
    "shanzhi.core.request_metrics.RequestMetricsMiddleware",
    # One read of the shared generations per request, on first use (core/generations.py).
    "shanzhi.core.generations.GenerationsMiddleware",
    "shanzhi.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shanzhi.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After each change by a signed-in user, where the replica must have got to before that
    # user's reads may go there (core/replica.py; idle without a replica).
    "shanzhi.core.replica.ReplicaWriteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A refusal of core.errors that a page's view let through: the 404/403/400 page, never a 500.
    "shanzhi.core.middleware.ServiceErrorMiddleware",
    # Last, so that it sees the login view's failed attempt and answers with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shanzhi.urls"
WSGI_APPLICATION = "shanzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shanzhi.web.context_processors.navigation",
                "shanzhi.web.context_processors.calendar_notice",
            ],
        },
    },
]

# SQLite in the data directory unless DATABASE_URL says otherwise. WAL lets the web process read
# while the worker writes; IMMEDIATE transactions take the write lock up front so two writers
# queue on the busy timeout instead of failing with "database is locked" half-way through.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'shanzhi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use a file too (not the shared in-memory database), so that concurrent writers
    # behave as in production: they queue on the busy timeout. One file per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"shanzhi-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica for the big reads that may be a moment old (dashboard, KPI
# table, exports); never for a read that must see the user's own write (core/replica.py).
DATABASE_REPLICA_URL = os.environ.get("SHANZHI_DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("SHANZHI_DATABASE_REPLICA_URL needs PostgreSQL as DATABASE_URL")
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shanzhi.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first, as Django recommends: a login checks one hash in about 0.1 s on two cores, where
# PBKDF2 with Django's iteration count took several times that. Older PBKDF2 hashes still verify
# and are rehashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Password logins are throttled by django-axes (docs/adr/0010-throttles.md): its backend comes
# first and refuses a locked account or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account, and separately an address, after this many failed logins in a row; the
# lock lifts by itself after the cool-off (minutes), or earlier by `shanzhi manage axes_reset…`
# or in the admin (访问尝试). Every lockout and every release is in the audit trail.
AXES_FAILURE_LIMIT = int(os.environ.get("SHANZHI_LOGIN_FAILURE_LIMIT") or "5")
AXES_COOLOFF_TIME = _timedelta(minutes=int(os.environ.get("SHANZHI_LOGIN_COOLOFF_MINUTES") or "30"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_CLIENT_IP_CALLABLE = "shanzhi.core.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "shanzhi.web.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True  # a successful login forgets that account's earlier failures
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("SHANZHI_LANGUAGE", "zh-hans")
# Each language is named in itself, so a reader finds theirs whatever the page language is.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("SHANZHI_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on a missing root even when it uses finders
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Served straight from the installed packages (xstatic-*), so no collectstatic step is needed
# to run, and nothing is ever fetched from a CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Redis, for several processes on several machines (docs/deployment.md): the RQ task backend,
# and the shared caches (throttles, generations) instead of the database's cache table.
REDIS_URL = os.environ.get("SHANZHI_REDIS_URL", "")
# How long a request waits for Redis before it counts as down (seconds).
REDIS_TIMEOUT = float(os.environ.get("SHANZHI_REDIS_TIMEOUT") or "0.5")

# Background work: "database" (the default: a table of the database, no extra service) or "rq"
# (Redis Queue, for several workers on several machines; needs SHANZHI_REDIS_URL). The periodic
# jobs are claimed in the database either way, so each runs once across all workers.
TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}
TASKS_BACKEND = os.environ.get("SHANZHI_TASKS_BACKEND") or "database"
# The dotted paths of earlier releases are still understood.
_BACKEND_NAMES = {path: name for name, path in TASK_BACKENDS.items()}
TASKS_BACKEND = _BACKEND_NAMES.get(TASKS_BACKEND, TASKS_BACKEND)
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"SHANZHI_TASKS_BACKEND: {TASKS_BACKEND!r} is none of {', '.join(TASK_BACKENDS)}"
    )
if TASKS_BACKEND == "rq" and not REDIS_URL:
    raise ImproperlyConfigured("SHANZHI_TASKS_BACKEND=rq needs SHANZHI_REDIS_URL")
TASKS = {
    "default": {
        "BACKEND": TASK_BACKENDS[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    # A job killed with its worker stays "started" until RQ's cleanup fails it after this
    # timeout; every job of ours is periodic, so the next run does its work anyway.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}

# /healthz says "degraded" when the oldest audit event not yet folded into the command
# centre's figures is older than this (seconds): the dashboard is behind the work orders.
FOLD_LAG_DEGRADED_SECONDS = int(os.environ.get("SHANZHI_FOLD_LAG_DEGRADED_SECONDS", "120"))

# GET /metrics (docs/operations.md#metrics): for a scraper with this Bearer token, or from these
# addresses (comma-separated addresses or networks; default this machine only).
METRICS_TOKEN = os.environ.get("SHANZHI_METRICS_TOKEN", "")
METRICS_ALLOW = [
    ipaddress.ip_network(part.strip(), strict=False)
    for part in os.environ.get("SHANZHI_METRICS_ALLOW", "127.0.0.1,::1").split(",")
    if part.strip()
]

# Periodic jobs the worker enqueues: name → (task, every N seconds).
PERIODIC_JOBS = {
    "deadlines_sweep": ("shanzhi.workorders.tasks.sweep_deadlines", 60),
    # The mediation period: warnings three days ahead, overdue marks (docs/mediation.md).
    "mediation_sweep": ("shanzhi.mediation.tasks.sweep_deadlines", 60),
    # The command centre's figures follow the work orders within seconds.
    "rollups_fold": ("shanzhi.command.tasks.fold_rollups", 5),
    "deliveries_send": (
        "shanzhi.core.tasks.send_deliveries",
        int(os.environ.get("SHANZHI_DELIVERY_INTERVAL", "10")),
    ),
    # Tasks left RUNNING by a worker that was killed are closed as failed (shanzhi/core/worker.py).
    "tasks_recover": ("shanzhi.core.tasks.recover_tasks", 60),
    # The jobs above leave a result row per run; finished ones are pruned every hour.
    "task_results_prune": ("shanzhi.core.tasks.prune_task_results", 3600),
    # Photos kept for a refused appeal form go after a day if it is never sent again.
    "held_uploads_prune": ("shanzhi.workorders.tasks.prune_held_uploads", 3600),
    # Next year's provisional working-day calendar from November 1st, without waiting for a
    # restart of `shanzhi up` (docs/configuration.md, the working-day calendar).
    "calendar_seed": ("shanzhi.core.tasks.seed_calendar", 86400),
    # A signed checkpoint of the audit chain's head, when it moved (docs/audit.md).
    "audit_checkpoint": (
        "shanzhi.core.tasks.write_audit_checkpoint",
        int(os.environ.get("SHANZHI_AUDIT_CHECKPOINT_INTERVAL") or "600"),
    ),
}

# The audit chain (docs/audit.md, docs/adr/0009-keyed-audit-chain.md). Events are HMAC-SHA256
# with AUDIT_KEY, else with a key generated once into AUDIT_KEY_FILE. Checkpoints of the head
# are signed with the Ed25519 key AUDIT_SIGNING_KEY_FILE (generated once, its public key beside
# it) and written to AUDIT_ANCHOR_DIR; with a webhook they are also POSTed there via the outbox.
# The keys are read when used, so none is created by merely importing the settings.
AUDIT_KEY = os.environ.get("SHANZHI_AUDIT_KEY", "")
AUDIT_KEY_FILE = DATA_DIR / "audit_key"
AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("SHANZHI_AUDIT_SIGNING_KEY") or DATA_DIR / "audit_signing_key.pem"
).resolve()
AUDIT_PUBLIC_KEY_FILE = Path(
    os.environ.get("SHANZHI_AUDIT_PUBLIC_KEY") or DATA_DIR / "audit_signing_key.pub.pem"
).resolve()
AUDIT_ANCHOR_DIR = Path(
    os.environ.get("SHANZHI_AUDIT_ANCHOR_DIR") or DATA_DIR / "anchors"
).resolve()
AUDIT_ANCHOR_WEBHOOK = os.environ.get("SHANZHI_AUDIT_ANCHOR_WEBHOOK", "")

# The maps' base layer (shanzhi/core/basemap.py, docs/configuration.md#map-tiles): 天地图 with
# a key, an intranet's XYZ or WMTS server, or none (grids on a plain background, offline).
MAP_BASE_LAYERS = base_layers(os.environ)

# How precisely public reads (Open311 GET) place a published appeal: "exact" (the address and
# point as given), "rounded" (the point to 0.001°, about 100 m, and the community's name instead
# of the address) or "region" (the community's name only, no point).
OPEN311_LOCATION = os.environ.get("SHANZHI_OPEN311_LOCATION", "rounded").strip().lower()

# Where notifications go that no gateway below takes: "file" (notifications.log in the data
# directory), "console", or a dotted path to a backend.
NOTIFY_BACKEND = os.environ.get("SHANZHI_NOTIFY_BACKEND", "file")

# The durable outbox (docs/integration.md#notifications). Messages to a phone go to the SMS
# gateway when one is set; messages to a unit or person go to the unit's DingTalk robot (admin)
# or else the global robot below. Each is a row written with the change and sent by the worker.
SMS_GATEWAY_URL = os.environ.get("SHANZHI_SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SHANZHI_SMS_GATEWAY_TOKEN", "")
DINGTALK_WEBHOOK = os.environ.get("SHANZHI_DINGTALK_WEBHOOK", "")
DINGTALK_SECRET = os.environ.get("SHANZHI_DINGTALK_SECRET", "")
# Each attempt waits at most DELIVERY_TIMEOUT seconds; after a failure the next attempt comes
# BACKOFF × 2^(attempts − 1) seconds later (at most BACKOFF_MAX); after MAX_ATTEMPTS it is dead.
DELIVERY_TIMEOUT = float(os.environ.get("SHANZHI_DELIVERY_TIMEOUT", "5"))
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("SHANZHI_DELIVERY_MAX_ATTEMPTS", "10"))
DELIVERY_BACKOFF_SECONDS = int(os.environ.get("SHANZHI_DELIVERY_BACKOFF_SECONDS", "30"))
DELIVERY_BACKOFF_MAX_SECONDS = int(os.environ.get("SHANZHI_DELIVERY_BACKOFF_MAX_SECONDS", "3600"))

# Uploads: the largest file accepted (bytes); larger ones are refused with 413.
UPLOAD_MAX_BYTES = int(os.environ.get("SHANZHI_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spill to a temporary file

# Replied work orders that stay unrated this many days are archived by the deadline sweep.
ARCHIVE_UNRATED_DAYS = int(os.environ.get("SHANZHI_ARCHIVE_UNRATED_DAYS", "7"))

# Sensor and video alarms over MQTT (docs/integration.md, docs/adr/0006-mqtt-alarms.md). With an
# empty URL no consumer runs; `shanzhi up` starts `shanzhi mqtt` when it is set.
MQTT_URL = os.environ.get("SHANZHI_MQTT_URL", "")  # mqtt://[user:pass@]host[:1883], mqtts://…
MQTT_TOPIC = os.environ.get("SHANZHI_MQTT_TOPIC") or "shanzhi/alarms/#"
# Fixed, so that the broker keeps our session and queues alarms while the consumer is away.
MQTT_CLIENT_ID = os.environ.get("SHANZHI_MQTT_CLIENT_ID") or "shanzhi-alarms"
# Alarms of one device and type closer together than this (seconds) fold into one open order.
ALARM_DEDUP_SECONDS = int(os.environ.get("SHANZHI_ALARM_DEDUP_SECONDS") or "600")

# How much two grids may overlap (share of the smaller one's area) before an import is refused.
GRID_OVERLAP_TOLERANCE = float(os.environ.get("SHANZHI_GRID_OVERLAP_TOLERANCE", "0.01"))

# Reverse proxies in front of the application (addresses or CIDRs, comma-separated). Only when
# the connection comes from one of them is X-Forwarded-For read, from the right, skipping the
# trusted hops: the first untrusted address is the client. Empty (the default): the connection's
# own address is the client and the header is ignored. See docs/integration.md#reverse-proxy.
TRUSTED_PROXIES = env_list("SHANZHI_TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"SHANZHI_TRUSTED_PROXIES: {_proxy!r} is no address") from _error

# Rate-limit counters live in the "throttle" cache, shared by every process: a table of the
# database by default (no extra service; created by the core migrations). See docs/adr/0010.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # What every process must see alike: the generations of the per-process memories
    # (core.generations). The same database table as the throttles.
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shanzhi_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
    },
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shanzhi_cache",
        # Culling forgets counters: keep it far above the number of clients seen in a window.
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
    },
}
if REDIS_URL:
    # Several machines: counters and generations in Redis, not in the database's table. A
    # request waits at most REDIS_TIMEOUT for it; what each user does when it is down is in
    # docs/deployment.md#redis (public throttles refuse, generations fall back to reloading).
    _REDIS_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "shanzhi",
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
    CACHES["shared"] = CACHES["throttle"] = _REDIS_CACHE
# Applications to mediation from the public (网上申请, the 解纷码): per client address.
MEDIATION_APPLY_RATE = os.environ.get("SHANZHI_MEDIATION_APPLY_RATE") or "10/h"
# 履行回访: how many days after an agreement its mediator asks whether it was kept.
MEDIATION_FOLLOW_UP_DAYS = int(os.environ.get("SHANZHI_MEDIATION_FOLLOW_UP_DAYS") or "30")
# The public tracking page and API together: requests per minute from one client address.
TRACK_RATE = os.environ.get("SHANZHI_TRACK_RATE") or "30/m"
# Wrong phone tails (or unknown codes) for one tracking code in one local day, tracking and
# rating together, before the code is locked until the end of that day.
TRACKING_FAILURE_LIMIT = int(os.environ.get("SHANZHI_TRACKING_FAILURE_LIMIT") or "5")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SHANZHI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SHANZHI_BEHIND_HTTPS_PROXY", False) else None
)

LOG_FORMAT = os.environ.get("SHANZHI_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("SHANZHI_LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # SHANZHI_LOG_FORMAT=json: a JSON object per line with the request id (core/logging.py).
        "json": {"()": "shanzhi.core.logging.JsonFormatter"},
    },
    "filters": {
        "routine": {
            "()": "shanzhi.core.logging.RoutineFilter",
            "verbose": os.environ.get("SHANZHI_LOG_LEVEL", "INFO").upper() == "DEBUG",
        }
    },
    "handlers": {
        "console": {
            "class": "shanzhi.core.logging.StderrHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["routine"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SHANZHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


def _xstatic_dirs() -> list[tuple[str, str]]:
    import xstatic.pkg.bootstrap
    import xstatic.pkg.leaflet

    return [
        ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
        ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
    ]


STATICFILES_DIRS = _xstatic_dirs()
