"""/api/schema/ is a valid OpenAPI 3 document that describes every /api/v1/ endpoint, and the docs
pages are served offline. (Responses are checked against the schema in test_schema_fuzz.py.)"""

import re
from html.parser import HTMLParser

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.api.routes import api_routes, is_catalog

CATALOG_OPERATIONS = {
    ("/api/v1/shops/{shop_slug}/", "shop_retrieve", "shop"),
    ("/api/v1/shops/{shop_slug}/home/", "shop_home", "catalog"),
    ("/api/v1/shops/{shop_slug}/categories/", "categories_list", "catalog"),
    ("/api/v1/shops/{shop_slug}/products/", "products_list", "catalog"),
    ("/api/v1/shops/{shop_slug}/products/{product_id}/", "products_retrieve", "catalog"),
    ("/api/v1/shops/{shop_slug}/products/{product_id}/sku/", "products_sku_lookup", "catalog"),
}


def as_schema_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.fixture(scope="module")
def schema():
    """The served schema (generating it touches no database)."""
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_management_command_validates_with_no_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    document = yaml.safe_load(out.read_text())
    assert document["openapi"].startswith("3.")
    assert {p for p, _op, _tag in CATALOG_OPERATIONS} <= set(document["paths"])


def test_served_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "WeiShop API"


def test_every_api_route_and_method_is_in_the_schema(schema):
    for route, view in api_routes():
        path = as_schema_path(route)
        assert path in schema["paths"], route
        documented = set(schema["paths"][path])
        implemented = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        assert documented == implemented, (route, documented, implemented)


def test_catalog_operations_read_well_in_swagger(schema):
    for path, operation_id, tag in CATALOG_OPERATIONS:
        operation = schema["paths"][path]["get"]
        assert operation["operationId"] == operation_id and operation["tags"] == [tag]
        assert operation["summary"] and operation["description"]
        for parameter in operation["parameters"]:
            assert parameter.get("description"), (operation_id, parameter["name"])
        assert "200" in operation["responses"]
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (operation_id, status)
                assert "`" in response["description"], (operation_id, status)  # names the error codes
        assert "404" in operation["responses"]


def test_list_parameters_are_described(schema):
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/shops/{shop_slug}/products/"]["get"]["parameters"]
    }
    assert set(parameters) == {"shop_slug", "category", "q", "ordering", "page", "page_size"}
    assert set(parameters["ordering"]["schema"]["enum"]) == {"sales", "new", "price", "-price"}
    assert parameters["page_size"]["schema"]["maximum"] == 100
    sku = schema["paths"]["/api/v1/shops/{shop_slug}/products/{product_id}/sku/"]["get"]
    assert any(p["name"] == "spec_values" and p["required"] for p in sku["parameters"])


def test_money_fields_say_they_are_fen(schema):
    components = schema["components"]["schemas"]
    money = [
        (name, field, spec)
        for name in ("ProductList", "ProductDetail", "Sku")
        for field, spec in components[name]["properties"].items()
        if field.endswith("_fen")
    ]
    assert len(money) == 5
    for name, field, spec in money:
        assert spec["type"] == "integer" and "fen" in spec["description"], (name, field)


def test_error_shape_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields"}


# --- offline docs ----------------------------------------------------------------------------


class AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    parser = AssetCollector()
    parser.feed(html)
    assert parser.urls, "no assets found: the page changed shape"
    for url in parser.urls:
        assert url.startswith(("/static/", "/api/schema/")), url
    # nothing remote anywhere in the page, not even in inline scripts
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), page
    for url in parser.urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url  # the asset is really there


def test_swagger_ui_loads_our_schema(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in html and 'url: "/api/schema/"' in html


def test_every_catalog_view_is_public_and_read_only():
    for route, view in api_routes():
        if is_catalog(view):
            assert view.authentication_classes == [] and view.permission_classes == [], route
            assert not any(hasattr(view, m) for m in ("post", "put", "patch", "delete")), route
