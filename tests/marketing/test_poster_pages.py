"""The product poster on H5 (/s/<shop>/p/<id>/poster.png) and in the API
(/api/v1/shops/<shop>/products/<id>/poster/): its QR code opens the product, with the requesting
shopper's signed referral code when logged in; drawn once, then served without a query."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import SKU, Product
from marketing import posters
from tests.factories import add_image, make_product
from wechat.share import referral_user_id


@pytest.fixture
def draws(monkeypatch):
    calls: list[posters.PosterContent] = []
    real = posters._draw

    def spy(content, image):
        calls.append(content)
        return real(content, image)

    monkeypatch.setattr(posters, "_draw", spy)
    return calls


@pytest.fixture
def product(shop_a) -> Product:
    product = make_product(shop=shop_a, title="新疆长绒棉T恤", price_fen=5900, subtitle="亲肤透气")
    add_image(product)
    return product


def png_size(response) -> tuple[int, int]:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).size


def test_the_h5_poster_of_an_anonymous_visitor_carries_the_plain_link(client, product, draws):
    response = client.get(f"/s/shop-a/p/{product.pk}/poster.png")
    assert png_size(response) == (750, 1334)
    (drawn,) = draws
    assert drawn.link == f"http://testserver/s/shop-a/p/{product.pk}/"
    assert (drawn.title, drawn.price, drawn.subtitle) == ("新疆长绒棉T恤", "¥59", "亲肤透气")
    assert drawn.image_name == product.images.get().thumb_detail.name


def test_a_logged_in_shoppers_poster_carries_their_referral_code(client, product, shopper, draws):
    client.force_login(shopper)
    png_size(client.get(f"/s/shop-a/p/{product.pk}/poster.png"))
    link = urlsplit(draws[0].link)
    assert link.path == f"/s/shop-a/p/{product.pk}/"
    assert referral_user_id(code=parse_qs(link.query)["ref"][0], shop_slug="shop-a") == shopper.pk


def test_a_second_request_draws_nothing_and_reads_nothing(client, product, draws, django_assert_num_queries):
    url = f"/s/shop-a/p/{product.pk}/poster.png"
    first = client.get(url).content
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first and len(draws) == 1


def test_a_change_to_the_product_draws_it_again(client, product, draws, django_capture_on_commit_callbacks):
    from catalog import services

    url = f"/s/shop-a/p/{product.pk}/poster.png"
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        SKU.objects.filter(product=product).update(price_fen=4900)
        services.product_sync_summary(product=product)
        from shop.cache import storefront_changed

        storefront_changed(product.shop)
    client.get(url)
    assert [d.price for d in draws] == ["¥59", "¥49"]


def test_products_not_on_shelf_have_no_poster(client, shop_a, shop_b):
    draft = make_product(shop=shop_a, status=Product.Status.DRAFT)
    other = make_product(shop=shop_b)
    for pk in (draft.pk, other.pk, 999999):
        assert client.get(f"/s/shop-a/p/{pk}/poster.png").status_code == 404
    assert client.post(f"/s/shop-a/p/{other.pk}/poster.png").status_code == 405


def test_the_product_page_links_to_its_poster(client, product):
    page = client.get(f"/s/shop-a/p/{product.pk}/").content.decode()
    assert f'href="/s/shop-a/p/{product.pk}/poster.png"' in page and "保存海报" in page


def test_the_api_poster(product, shopper, draws):
    api = APIClient()
    response = api.get(f"/api/v1/shops/shop-a/products/{product.pk}/poster/")
    assert png_size(response) == (750, 1334)
    assert draws[-1].link == f"http://testserver/s/shop-a/p/{product.pk}/"
    token = Token.objects.create(user=shopper)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    png_size(api.get(f"/api/v1/shops/shop-a/products/{product.pk}/poster/", HTTP_ACCEPT="image/png"))
    assert (
        referral_user_id(code=parse_qs(urlsplit(draws[-1].link).query)["ref"][0], shop_slug="shop-a")
        == shopper.pk
    )


@pytest.mark.parametrize("accept", ["application/json", "image/png", "*/*"])
def test_the_api_poster_errors_are_json(shop_a, shop_b, product, accept):
    api = APIClient()
    for url in (
        f"/api/v1/shops/shop-b/products/{product.pk}/poster/",
        "/api/v1/shops/shop-a/products/99999/poster/",
    ):
        response = api.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json()["code"] == "product_not_found"
    assert api.get("/api/v1/shops/nope/products/1/poster/").json()["code"] == "shop_not_found"
    assert api.post(f"/api/v1/shops/shop-a/products/{product.pk}/poster/").status_code == 405
