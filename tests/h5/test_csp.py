"""Content-Security-Policy on every page (django-csp): H5, admin, API docs, simulators, media.

Scripts and styles come from our own origin, the WeChat JS-SDK's origin, or carry the response's
nonce; no template has an inline script, ``style=`` or ``on…=`` handler the policy would block."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.factories import AddressFactory, ShopperFactory, make_product, product_with_matrix

WECHAT = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47"


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = values
    return directives


class Inline(HTMLParser):
    """What a strict policy would block: inline scripts without the nonce, style attributes and
    <style> without the nonce, event-handler attributes, javascript: URLs."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce, self.problems, self._script = nonce, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        inline_script = tag == "script" and not a.get("src") and a.get("type") != "application/json"
        if inline_script and (not self.nonce or a.get("nonce") != self.nonce):
            self.problems.append("inline <script> without the nonce")
        if tag == "style" and (not self.nonce or a.get("nonce") != self.nonce):
            self.problems.append("<style> without the nonce")


def inline_problems(response) -> list[str]:
    nonces = re.findall(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    parser = Inline(nonces[0] if nonces else None)
    parser.feed(response.content.decode())
    return parser.problems


def assert_strict(response) -> dict[str, list[str]]:
    p = policy(response)
    assert p["default-src"] == ["'self'"]
    assert (
        p["object-src"] == ["'none'"] and p["frame-ancestors"] == ["'none'"] and p["base-uri"] == ["'self'"]
    )
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in p[directive] and "'unsafe-eval'" not in p[directive], directive
        assert "*" not in p[directive] and "https:" not in p[directive] and "data:" not in p[directive]
    assert inline_problems(response) == []
    return p


@pytest.fixture
def shopper(db):
    return ShopperFactory(username="csp-buyer")


@pytest.fixture
def order(shop_a, shopper):
    from orders import services

    sku = make_product(shop=shop_a, price_fen=5900, stock=5).skus.get()
    return services.order_place(
        shop=shop_a, user=shopper, items=[(sku.pk, 1)], address_id=AddressFactory(user=shopper).pk
    )


def test_h5_pages_carry_a_strict_policy(client, shop_a, shopper, order):
    product = product_with_matrix(shop=shop_a)
    anonymous = ["/s/shop-a/", f"/s/shop-a/p/{product.pk}/", "/s/shop-a/categories/", "/s/shop-a/search/?q=T",
                 "/s/shop-a/cart/", "/s/shop-a/about/", "/accounts/login/?next=/s/shop-a/me/", "/merchant/signup/",
                 "/"]  # fmt: skip
    for url in anonymous:
        response = client.get(url, HTTP_USER_AGENT=WECHAT)
        assert response.status_code == 200, url
        p = assert_strict(response)
        assert "https://res.wx.qq.com" in p["script-src"]  # the WeChat JS-SDK (share cards)
    client.force_login(shopper)
    for url in ["/s/shop-a/me/", "/s/shop-a/orders/", f"/s/shop-a/orders/{order.order_no}/",
                "/s/shop-a/checkout/", "/s/shop-a/addresses/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 200:
            assert_strict(response)


def test_login_countdown_and_product_page_scripts_are_files(client, shop_a, settings, outbox):
    settings.DEBUG = False
    response = client.post(
        "/accounts/login/code/", {"phone": "13800000000", "next": "/s/shop-a/"}, follow=True
    )
    assert response.status_code == 200
    assert_strict(response)
    assert "h5/login.js" in response.content.decode()


def test_the_jsapi_pay_page_has_no_inline_script(rf, shop_a, order):
    """The page WeChat's browser opens to pay (live mode): its script is a static file that calls
    WeixinJSBridge with the parameters in a JSON data block."""
    request = RequestFactory().get("/", HTTP_USER_AGENT=WECHAT)
    request.csp_nonce = "n0nce"
    html = render_to_string(
        "payments/pay.html",
        {"shop": shop_a, "order": order, "scene": "jsapi", "order_url": "/s/shop-a/orders/x/",
         "invoke": {"appId": "wx1", "timeStamp": "1", "nonceStr": "n", "package": "prepay_id=p",
                    "signType": "RSA", "paySign": "s"}},
        request=request,
    )  # fmt: skip
    parser = Inline(None)
    parser.feed(html)
    assert parser.problems == []
    assert "h5/pay.js" in html and 'id="pay-params" type="application/json"' in html
    assert 'data-order-url="/s/shop-a/orders/x/"' in html
    native = render_to_string(
        "payments/pay.html",
        {"shop": shop_a, "order": order, "scene": "native", "order_url": "/o/", "qr_svg": "<svg></svg>"},
        request=request,
    )
    parser = Inline(None)
    parser.feed(native)
    assert parser.problems == [] and "h5/pay.js" in native and "data-poll" in native


def test_admin_pages_carry_the_strict_policy(client, merchant_a, shop_a):
    from catalog.models import Product

    product = product_with_matrix(shop=shop_a)
    client.force_login(merchant_a)
    for url in ["/admin/", "/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/",
                "/admin/catalog/product/add/", "/admin/orders/order/", f"/admin/shop/shop/{shop_a.pk}/change/",
                "/admin/orders/order/ship-csv/", "/admin/login/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 200:
            assert_strict(response)
    assert Product.objects.filter(pk=product.pk).exists()


def test_admin_login_page_works_under_the_policy(client, merchant_a):
    response = client.get("/admin/login/")
    assert_strict(response)
    response = client.post("/admin/login/?next=/admin/", {"username": "merchant_a", "password": "pass12345"})
    assert response.status_code == 302


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_api_docs_have_their_own_policy_and_still_load(client, db, page):
    response = client.get(page)
    assert response.status_code == 200
    p = policy(response)
    assert "'unsafe-eval'" not in p["script-src"] and "'unsafe-inline'" not in p["script-src"]
    assert p["object-src"] == ["'none'"] and p["frame-ancestors"] == ["'none'"]
    nonce = re.findall(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    parser = Inline(nonce[0] if nonce else None)
    parser.feed(response.content.decode())
    assert [x for x in parser.problems if "script" in x] == []


def test_media_has_its_own_sandbox_policy(client, db, settings):
    import os

    os.makedirs(settings.MEDIA_ROOT / "x", exist_ok=True)
    (settings.MEDIA_ROOT / "x" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/x/a.png")
    assert response["Content-Security-Policy"].endswith("sandbox")


TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_inline_code_or_styles(path):
    source = path.read_text()
    for match in re.finditer(r"<script\b([^>]*)>", source):
        attrs = match.group(1)
        assert "src=" in attrs or "application/json" in attrs or "csp_nonce" in attrs, (path, match.group(0))
    assert not re.search(r"""\sstyle\s*=\s*["']""", source), path
    assert not re.search(r"""\son[a-z]+\s*=\s*["']""", source), path
    for match in re.finditer(r"<style\b([^>]*)>", source):
        assert "csp_nonce" in match.group(1), (path, match.group(0))


def test_no_python_built_html_has_style_attributes():
    """format_html in admin columns (thumbnails, menu preview) uses classes, not style=."""
    root = Path(settings.BASE_DIR)
    for app in ("accounts", "catalog", "orders", "payments", "shop", "wechat"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            assert not re.search(r"""<[a-z]+[^>]*\sstyle=""", path.read_text()), path
