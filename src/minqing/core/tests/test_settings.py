"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys


def _settings(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='minqing.settings'; "
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], settings.DEBUG)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_production_needs_a_secret_key(tmp_path):
    result = _settings({"MINQING_DEBUG": "0", "MINQING_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "MINQING_SECRET_KEY" in result.stderr
    ok = _settings(
        {"MINQING_DEBUG": "0", "MINQING_SECRET_KEY": "x" * 50, "MINQING_DATA_DIR": str(tmp_path)}
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split()[-1] == "False"


def test_default_database_is_sqlite_in_the_data_folder(tmp_path):
    result = _settings({"MINQING_DATA_DIR": str(tmp_path)})
    engine, name, _ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "minqing.sqlite3")


def test_database_url_selects_postgresql(tmp_path):
    result = _settings(
        {"DATABASE_URL": "postgres://u@db.example:5432/minqing", "MINQING_DATA_DIR": str(tmp_path)}
    )
    engine, name, _ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert name == "minqing"


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='minqing.settings'; django.setup(); "
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MINQING_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "MINQING_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "wal", result.stderr
