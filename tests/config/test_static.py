"""Static files and compression (docs/deployment.md#static-files, #compression): in production the
pages name hashed files that WhiteNoise sends gzipped and cacheable for a year; a page too large for
TCP's first window is gzipped for browsers that ask, with Django's BREACH padding; development and
the tests need no collectstatic."""

from __future__ import annotations

import gzip
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.shop.test_production import PRODUCTION_ENV, manage

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
SHOW = (
    "from django.conf import settings; import json; print(json.dumps([settings.STORAGES['staticfiles']"
    "['BACKEND'], getattr(settings, 'WHITENOISE_USE_FINDERS', None), settings.MIDDLEWARE]))"
)


def settings_of(env: dict[str, str]) -> tuple[str, object, list[str]]:
    done = manage("shell", "-c", SHOW, env=env)
    assert done.returncode == 0, done.stderr
    backend, finders, middleware = json.loads(done.stdout.strip().splitlines()[-1])
    return backend, finders, middleware


def test_production_serves_collected_hashed_compressed_files_and_gzips_pages():
    backend, finders, middleware = settings_of(PRODUCTION_ENV)
    assert backend == MANIFEST_STORAGE
    assert finders is None  # WhiteNoise's default: finders only under DEBUG, so the .gz copies serve
    gzip_at = middleware.index("core.compression.GZipMiddleware")
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < gzip_at
    assert gzip_at < middleware.index("marketing.middleware.GenuineLinkMiddleware")  # it rewrites bodies


def test_development_serves_the_files_as_they_are():
    backend, _finders, _middleware = settings_of({"DEBUG": "1"})
    assert backend == "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture
def collected(tmp_path):
    """``collectstatic`` of the project's own static/ folder with the production storage."""
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=storages,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield tmp_path


def test_collected_files_are_hashed_gzipped_and_cached_for_a_year(collected):
    url = static("h5/app.css")
    assert url.startswith("/static/h5/app.") and url != "/static/h5/app.css"  # the content's hash
    plain = (collected / url.removeprefix("/static/")).read_bytes()
    packed = (collected / (url.removeprefix("/static/") + ".gz")).read_bytes()
    assert gzip.decompress(packed) == plain and len(packed) < len(plain) / 2

    whitenoise = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = whitenoise(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate"))
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip" and int(response["Content-Length"]) == len(packed)
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    assert "Accept-Encoding" in response["Vary"]


def test_large_pages_are_gzipped_with_random_padding_small_ones_are_not(client, shop_a, settings):
    small = client.get("/s/shop-a/", HTTP_ACCEPT_ENCODING="gzip")
    assert small.status_code == 200 and len(small.content) < settings.WEISHOP_GZIP_MIN_BYTES
    assert not small.has_header("Content-Encoding")  # it fits TCP's first window as it is

    settings.WEISHOP_GZIP_MIN_BYTES = 200  # this page now counts as large
    assert not client.get("/s/shop-a/").has_header("Content-Encoding")  # a browser that did not ask
    sizes = set()
    for _ in range(6):
        packed = client.get("/s/shop-a/", HTTP_ACCEPT_ENCODING="gzip")
        assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
        assert shop_a.name in gzip.decompress(packed.content).decode()
        sizes.add(len(packed.content))
    assert len(sizes) > 1  # Heal-The-Breach padding: the length changes from one response to the next
