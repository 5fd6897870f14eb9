"""The near cache (shop.cache, issue 16): a process reuses its last read of a cached page or API
answer for STOREFRONT_NEAR_SECONDS, so a hit costs no cache round trip; a change made in this
process shows at once, one made elsewhere within the window; Python objects and a shopper's own
pages are never kept near."""

import pytest
from django.core.cache import cache

from catalog import services as catalog_services
from shop import cache as storefront_cache
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def near(settings):
    settings.STOREFRONT_NEAR_SECONDS = 60
    storefront_cache.near_cache_clear()
    yield
    storefront_cache.near_cache_clear()


@pytest.fixture
def reads(monkeypatch):
    """How many times the shared cache is read with get_many."""
    calls = []
    real = cache.get_many

    def counted(keys, *args, **kwargs):
        calls.append(list(keys))
        return real(keys, *args, **kwargs)

    monkeypatch.setattr(storefront_cache.cache, "get_many", counted)
    return calls


@pytest.fixture
def tee(shop_a):
    return make_product(shop=shop_a, title="亚麻衬衫", price_fen=12900, stock=5)


def page(client, product):
    return client.get(f"/s/shop-a/p/{product.pk}/").content.decode()


def api(client, product):
    return client.get(f"/api/v1/shops/shop-a/products/{product.pk}/").json()


def test_a_repeated_hit_reads_the_shared_cache_once(client, tee, near, reads):
    for _ in range(2):  # built and stored, then read once from the shared cache
        page(client, tee), api(client, tee)
    before = len(reads)
    for _ in range(3):
        assert "亚麻衬衫" in page(client, tee)
        assert api(client, tee)["title"] == "亚麻衬衫"
    assert len(reads) == before  # every hit from the near copy


def test_a_change_in_this_process_shows_at_once(client, tee, near, django_capture_on_commit_callbacks):
    assert "¥129" in page(client, tee) and "¥129" in page(client, tee)
    assert api(client, tee)["skus"][0]["price_fen"] == 12900
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.sku_update(sku=tee.skus.get(), price_fen=9900)
    assert "¥99" in page(client, tee)
    assert api(client, tee)["skus"][0]["price_fen"] == 9900


def test_a_change_elsewhere_shows_once_the_window_has_passed(client, tee, near, monkeypatch):
    assert "¥129" in page(client, tee) and "¥129" in page(client, tee)
    catalog_services.sku_update(sku=tee.skus.get(), price_fen=9900)  # its commit is another process's:
    cache.set(storefront_cache._version_key("shop-a"), "moved-elsewhere", 3600)  # the version moved there
    assert "¥129" in page(client, tee)  # this process still reuses its read
    later = storefront_cache.time.monotonic() + 61
    monkeypatch.setattr(storefront_cache.time, "monotonic", lambda: later)
    assert "¥99" in page(client, tee)


def test_python_objects_are_never_kept_near(tee, near, reads):
    built = []

    def build():
        built.append(1)
        return [{"title": "x"}]

    first = storefront_cache.cached_value("shop-a", ("objects",), build)
    second = storefront_cache.cached_value("shop-a", ("objects",), build)
    assert first == second and first is not second and len(built) == 1
    assert len(reads) == 2  # each read from the shared cache: a caller may change what it got


def test_a_shoppers_own_pages_are_never_kept_near(client, shopper, tee, near, reads):
    client.force_login(shopper)
    client.get("/s/shop-a/cart/")
    before = len(reads)
    client.get("/s/shop-a/cart/")
    client.get("/s/shop-a/cart/")
    assert len(reads) - before == 2
