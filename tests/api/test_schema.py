"""/api/schema/ is a valid OpenAPI 3 document, the docs are served offline, and every response
conforms to the schema (schemathesis against a shop with real data)."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from catalog.models import Category
from tests.factories import ShopFactory, add_image, make_product, product_with_matrix


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "openapi: 3" in text
    for path in (
        "/api/v1/shops/{shop_slug}/products/",
        "/api/v1/shops/{shop_slug}/products/{product_id}/sku/",
    ):
        assert path in text


def test_docs_are_served_without_any_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html.lower()
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in html
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.fixture
def demo_shop(db):
    """A small real shop, and the WSGI app kept from closing the test's database connection at the
    end of each request (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    shop = ShopFactory(slug="demo", name="演示店")
    category = Category.objects.create(shop=shop, name="服装")
    product = product_with_matrix(shop=shop, colors=("红", "蓝"), sizes=("S", "M"))
    add_image(product)
    make_product(shop=shop, title="坚果", category=category)
    yield shop
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_response_conforms_to_the_schema(case, demo_shop):
    if case.path_parameters and "shop_slug" in case.path_parameters:
        case.path_parameters["shop_slug"] = "demo"  # a real shop, so responses are not all 404
    case.call_and_validate()
