"""The shop's own 404 page even under DEBUG, offline API docs, and a favicon (issue 9)."""

import io

import pytest
from PIL import Image


@pytest.mark.parametrize("url", ["/no-such-page/", "/s/no-such-shop/", "/s/shop-a/p/999999/"])
def test_debug_shows_the_shops_own_404_page(client, settings, shop_a, url):
    settings.DEBUG = True
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page, page[:300]
    assert "Page not found" not in page and "URLconf" not in page


def test_debug_api_404_keeps_the_api_error_shape(client, settings, db):
    settings.DEBUG = True
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_debug_still_adds_the_slash(client, settings, shop_a):
    settings.DEBUG = True
    response = client.get("/s/shop-a")
    assert response.status_code == 301 and response.url == "/s/shop-a/"


def test_redoc_loads_nothing_from_outside(client, db):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in html and "http://" not in html.replace(
        f"http://{response.wsgi_request.get_host()}", ""
    )
    policy = response.headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src")).split()[1:]
    assert "default-src 'self'" in policy
    assert not [source for source in img_src if source not in ("'self'", "data:", "blob:")]  # no CDN logo


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] in (
        "image/x-icon",
        "image/vnd.microsoft.icon",
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    icon = Image.open(io.BytesIO(body))
    assert icon.format == "ICO" and icon.size[0] >= 16
    assert "max-age" in response["Cache-Control"]


def test_a_missing_page_inside_a_shop_leads_back_to_that_shop(client, shop_a):
    page = client.get("/s/shop-a/p/999999/").content.decode()
    assert "甲店" in page and 'class="btn" href="/s/shop-a/"' in page
    page = client.get("/s/no-such-shop/").content.decode()
    assert 'class="btn" href="/"' in page


def test_a_stale_form_gets_a_chinese_page_expired_answer(shop_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/s/shop-a/cart/add/", {"sku_id": "1"})
    page = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in page and "甲店" in page
    assert "Forbidden" not in page and "CSRF" not in page
