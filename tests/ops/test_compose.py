"""docker-compose.yml and the Dockerfile, read as data (no Docker engine is needed)."""

import re
import urllib.parse
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"]


def _command(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_the_five_services_exist(services):
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    # PostgreSQL 18 with pgvector, as the embedded server of `make run` and the tests.
    assert services["postgres"]["image"] == "pgvector/pgvector:pg18"
    assert services["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize(
    ("name", "probe", "data_dir"),
    [("postgres", "pg_isready", "/var/lib/postgresql"), ("redis", "redis-cli ping", "/data")],
)
def test_stores_have_healthchecks_and_named_volumes(services, name, probe, data_dir):
    service = services[name]
    assert probe in _healthcheck(service)
    volumes = [v.split(":") for v in service["volumes"]]
    assert [data_dir] == [target for _, target in volumes]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert all(source in compose["volumes"] for source, _ in volumes)  # named, not bind mounts


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_stores(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "web",
            r"migrate --noinput && python manage\.py render_markdown && "
            r"exec gunicorn bzpeer\.wsgi ",
        ),
        ("worker", r"^celery -A bzpeer worker\b"),
        ("beat", r"^celery -A bzpeer beat\b"),
    ],
)
def test_app_services_run_the_right_command(services, name, expected):
    assert re.search(expected, _command(services[name]))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_configured_for_production(services, name):
    environment = services[name]["environment"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", environment["SECRET_KEY"])  # required
    assert environment["DEBUG"] == "0"
    assert "USE_X_FORWARDED_PROTO" in environment
    assert "ALLOWED_HOSTS" in environment
    # The app reaches the compose services by their names.
    assert urllib.parse.urlsplit(environment["DATABASE_URL"]).hostname == "postgres"
    assert urllib.parse.urlsplit(environment["REDIS_URL"]).hostname == "redis"
    assert services[name].get("build") == "."


def test_web_healthcheck_asks_healthz_on_the_served_port(services):
    web = services["web"]
    check = _healthcheck(web)
    url = re.search(r"http://[^'\" ]+", check)[0]
    assert urllib.parse.urlsplit(url).path == "/healthz"
    bind = re.search(r"--bind \S+:(\d+)", _command(web))[1]
    assert urllib.parse.urlsplit(url).port == int(bind)
    # The check sends Host: 127.0.0.1, so the site must accept it.
    assert "127.0.0.1" in web["environment"]["ALLOWED_HOSTS"].split(",")
    assert any(port.endswith(f":{bind}") for port in web["ports"])


def test_dockerfile_builds_on_python_313_with_the_lock_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.13(-slim)?\b", dockerfile, re.MULTILINE)
    assert re.search(r"uv sync --frozen --no-dev\b", dockerfile)
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.MULTILINE)


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", ".pgdata"} <= set(ignored)
