"""One settings file, driven by environment variables.

MINQING_DATA_DIR   where the SQLite database, generated districts and uploads live (default ./var)
DATABASE_URL       any dj-database-url URL; default: SQLite file in the data folder, WAL mode
MINQING_DEBUG      "1" (default) for development and the demo, "0" in production
MINQING_SECRET_KEY required when MINQING_DEBUG=0
MINQING_ALLOWED_HOSTS comma-separated, default "127.0.0.1,localhost"
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MINQING_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("MINQING_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("MINQING_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("MINQING_SECRET_KEY must be set when MINQING_DEBUG=0")
    SECRET_KEY = "minqing-development-only-not-for-production"

ALLOWED_HOSTS = os.environ.get("MINQING_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "minqing.core",
    "minqing.accounts",
    "minqing.audit",
    "minqing.areas",
    "minqing.registry",
    "minqing.sources",
    "minqing.linkage",
    "minqing.assessment",
    "minqing.casework",
    "minqing.dashboards",
    "minqing.maps",
    "minqing.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # admins and superusers: no page before the TOTP code (accounts/second_factor.py)
    "minqing.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: turns a locked-out login into our Chinese page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minqing.urls"
WSGI_APPLICATION = "minqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minqing.core.context.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'minqing.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            # WAL lets the web app read while a long import writes; IMMEDIATE avoids
            # "database is locked" on upgrade from read to write inside a transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "minqing.accounts.passwords.MinimumLengthChineseValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 level 3: at least 3 of upper case, lower case, digits, symbols
    {"NAME": "minqing.accounts.passwords.CharacterClassesValidator"},
]

# django-axes checks every login first (a locked-out username is refused before its password
# is even compared), then Django's own backend logs in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (等保 level 3): 5 failed logins lock the username for 30 minutes, counted per
# username and not per IP — the clerks of a street office share one NAT address, and one
# person's typos must not lock out the whole office. A failure during the lock does not extend
# it; a successful login clears the count. The security admin unlocks early in the admin site.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that locking without the IP lets one address try many usernames; on an intranet
# behind NAT an IP lock would shut a whole office out, and every failure is an audit event.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "minqing.accounts.views.locked_out"
# Logins, failures and lockouts are audit events (accounts/audit_signals.py); axes keeps only
# the failure counts it needs, and our admin pages replace its own.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# TOTP second factor for the 三员 admin roles and superusers (accounts/second_factor.py)
OTP_TOTP_ISSUER = "民情"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "zh-hans"
# Only Chinese: an English-language browser must not switch the admin or messages to English.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"

# Idle sessions end after 30 minutes (等保 level 3 asks for an idle timeout).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Files over this size are refused by every import (command, upload page, API).
MINQING_IMPORT_MAX_BYTES = int(os.environ.get("MINQING_IMPORT_MAX_MB", "200")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
