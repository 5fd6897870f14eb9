"""The group poster (拼团海报), on the group page and through the API: a PNG drawn by
marketing.posters with a QR code of the group's page (the viewer's referral code in it when
logged in), cached, and never for another shop's group."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from rest_framework.test import APIClient

from groupbuy import posters
from tests.groupbuy.helpers import buyer, group_of, make_activity, pay, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(shop_a):
    return group_of(pay(place(make_activity(shop=shop_a, size=3), buyer("团长"))))


def is_poster(body: bytes) -> bool:
    with Image.open(io.BytesIO(body)) as image:
        return image.format == "PNG" and image.size == (750, 1334)


def test_the_group_page_offers_the_poster_and_it_is_a_png(client, group):
    page = client.get(f"/s/shop-a/groups/{group.group_no}/").content.decode()
    assert "生成拼团海报" in page and f"/s/shop-a/groups/{group.group_no}/poster.png" in page
    response = client.get(f"/s/shop-a/groups/{group.group_no}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert is_poster(response.content)
    assert client.get(f"/s/shop-b/groups/{group.group_no}/poster.png").status_code == 404


def test_the_api_gives_the_poster_and_json_errors(group, shop_b):
    api = APIClient()
    response = api.get(f"/api/v1/shops/shop-a/groups/{group.group_no}/poster/")
    assert (
        response.status_code == 200
        and response["Content-Type"] == "image/png"
        and is_poster(response.content)
    )
    missing = api.get("/api/v1/shops/shop-a/groups/nope/poster/", HTTP_ACCEPT="image/png")
    assert missing.status_code == 404 and missing.json()["code"] == "group_not_found"


def test_the_qr_code_carries_the_viewers_signed_referral_code(rf, group, shop_a):
    from wechat.share import referral_user_id

    viewer = buyer()
    request = rf.get("/")
    request.user = viewer
    link = posters.group_link(request=request, shop=shop_a, group=group)
    assert link.startswith(f"http://testserver/s/shop-a/groups/{group.group_no}/?ref=")
    code = parse_qs(urlsplit(link).query)["ref"][0]
    assert referral_user_id(code=code, shop_slug="shop-a") == viewer.pk
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "ref=" not in posters.group_link(request=request, shop=shop_a, group=group)
