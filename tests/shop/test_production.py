"""Production fails closed and fails politely: no start on public keys, a clean ``check --deploy``
with the documented settings, loud simulators, 503s in the API's shape and in Chinese when the
database or Redis is down, probes for load balancers, request ids in the logs."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection

from tests import factories

ROOT = Path(__file__).resolve().parents[2]

# docs/deployment.md, "Environment": the production settings, literally.
PRODUCTION_ENV = {
    "SECRET_KEY": "x7Qv2p9LmZr4Tn8Wk3Yb6Hc1Jd5Fg0Sa-production-like-secret-key-for-tests",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS10ZXN0cyE=",
    "ALLOWED_HOSTS": "shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "PUBLIC_URL": "https://shop.example.com",
    "BEHIND_PROXY": "1",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "WECHATPAY_SIMULATOR": "0",
    "WECHAT_SIMULATOR": "0",
}


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    inherited = (
        "SECRET_KEY",
        "FIELD_ENCRYPTION",
        "SECURE_",
        "DEBUG",
        "PORT",
        "PUBLIC_URL",
        "WECHAT",
        "DJANGO_ALLOW",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert "docs/deployment.md" in result.stderr


def test_a_malformed_encryption_key_stops_the_server():
    result = manage("check", env={**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEY": "not-a-fernet-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not a Fernet key" in result.stderr


def test_development_still_runs_without_secrets():
    result = manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_simulators_in_production_are_loud():
    result = manage("check", "--deploy", env={**PRODUCTION_ENV, "WECHATPAY_SIMULATOR": "1"})
    output = result.stdout + result.stderr
    assert "weishop.W001" in output and "WECHATPAY_SIMULATOR is on" in output
    assert "!!! WECHATPAY_SIMULATOR=1: WeChat Pay is SIMULATED" in result.stderr  # the start-up log


def test_simulators_are_off_in_production_unless_asked_for():
    code = "from django.conf import settings; print(settings.WECHATPAY_SIMULATOR, settings.WECHAT_SIMULATOR)"
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.endswith("SIMULATOR")}
    result = manage("shell", "--no-imports", "-c", code, env=env)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_simulator_urls_default_to_the_servers_own_address():
    code = "from django.conf import settings; print(settings.WECHATPAY_SIMULATOR_URL, settings.WECHAT_SIMULATOR_URL)"
    result = manage("shell", "--no-imports", "-c", code, env={"DEBUG": "1", "PORT": "8123"})
    assert result.stdout.split() == [
        "http://127.0.0.1:8123/wechatpay-sim",
        "http://127.0.0.1:8123/wechat-sim",
    ]
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == [
        "https://shop.example.com/wechatpay-sim",
        "https://shop.example.com/wechat-sim",
    ]


def test_https_is_the_default_in_production():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


# ---------------------------------------------------------------- probes


@pytest.mark.django_db
def test_healthz_and_readyz_answer_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production: the probes are exempt from the https redirect
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert client.get("/s/whatever/").status_code == 301  # everything else goes to https


@pytest.mark.django_db
def test_healthz_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


# ---------------------------------------------------------------- outages


@pytest.fixture
def database_down(transactional_db):
    """The database refuses connections for the duration of the test."""
    shop = factories.ShopFactory(slug="outage")
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=_closed_port())
    else:
        connection.settings_dict["NAME"] = "/nonexistent-folder/weishop.sqlite3"
    yield shop
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_api_answers_503_in_its_own_shape_when_the_database_is_down(database_down, client):
    client.raise_request_exception = False
    response = client.get(f"/api/v1/shops/{database_down.slug}/products/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["message"] == "服务暂时不可用，请稍后再试。"
    assert response["Retry-After"]


def test_h5_shows_a_chinese_page_when_the_database_is_down(database_down, client):
    client.raise_request_exception = False
    response = client.get(f"/s/{database_down.slug}/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_redis_down_is_a_503_not_a_500(client, settings):
    shop = factories.ShopFactory(slug="cacheless")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client.raise_request_exception = False
    response = client.get(f"/api/v1/shops/{shop.slug}/products/")
    assert response.status_code == 503 and response.json()["code"] == "service_unavailable"
    page = client.get(f"/s/{shop.slug}/")
    assert page.status_code == 503 and "服务暂时不可用" in page.content.decode()
    assert client.get("/readyz").json()["cache"] == "unavailable"
    caches["default"].close()


@pytest.mark.django_db
def test_any_other_api_failure_is_json_too(client, rf):
    from shop.health import server_error

    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error(rf.get("/api/v1/anything"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"


BLACKHOLE = """
import os, socket, sys
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(5)  # accepts the TCP handshake, never says a word
os.environ["DB_CONNECT_TIMEOUT"] = "1"
from config.settings import database_config
from django.db.backends.postgresql.base import DatabaseWrapper
config = database_config(f"postgres://postgres@127.0.0.1:{listener.getsockname()[1]}/weishop")
config.setdefault("TIME_ZONE", None)
try:
    DatabaseWrapper(config).ensure_connection()
except Exception as exc:
    print("failed:", type(exc).__name__)
"""


def test_a_database_that_never_answers_fails_instead_of_hanging():
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", BLACKHOLE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert "failed: OperationalError" in result.stdout, result.stderr


def test_postgres_connections_have_connect_and_statement_timeouts():
    from config.settings import database_config

    options = database_config("postgres://postgres@db.internal:5432/weishop")["OPTIONS"]
    assert options["connect_timeout"] > 0
    assert "statement_timeout=" in options["options"]


# ---------------------------------------------------------------- logs


@pytest.mark.django_db
def test_every_response_carries_a_request_id_that_the_log_lines_share(client, caplog):
    request_id = "5f0c3a6f4d6b4f0e9a1c2b3d4e5f6a7b"
    with caplog.at_level(logging.WARNING):
        response = client.get("/s/no-such-shop/", HTTP_X_REQUEST_ID=request_id)
    assert response["X-Request-ID"] == request_id
    assert client.get("/healthz")["X-Request-ID"]  # made up when the client sends none
    not_found = [r for r in caplog.records if r.name == "django.request"]
    assert not_found and all(r.correlation_id == request_id for r in not_found)


def test_log_lines_carry_time_level_logger_and_request_id(settings):
    formatter = settings.LOGGING["formatters"]["line"]["format"]
    for part in ("%(asctime)s", "%(levelname)s", "%(name)s", "%(correlation_id)s"):
        assert part in formatter
