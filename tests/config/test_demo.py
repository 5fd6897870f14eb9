"""`manage.py load_demo`: a believable shop, and running it twice changes nothing."""

import os
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from catalog.models import SKU, Category, Product
from shop.models import Shop


def media_files() -> set[str]:
    root = str(settings.MEDIA_ROOT)
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_shop_is_believable(demo):
    shop = Shop.objects.get(slug="demo")
    assert shop.is_verified and shop.has_business_details
    on_sale = Product.objects.filter(shop=shop, status=Product.Status.ON_SALE)
    assert on_sale.count() >= 30
    assert Product.objects.filter(shop=shop, status=Product.Status.DRAFT).exists()
    assert Product.objects.filter(shop=shop, status=Product.Status.OFF_SHELF).exists()
    assert Category.objects.filter(shop=shop, parent__isnull=False).count() >= 5

    tee = Product.objects.get(shop=shop, title="纯棉圆领T恤")
    assert tee.skus.filter(is_active=True).count() == 12  # 3 colours × 4 sizes
    assert tee.price_min_fen < tee.price_max_fen  # the page shows a range like ¥59–¥89
    assert tee.cover is not None and tee.images.count() == 3
    assert SKU.objects.filter(product=tee, image__isnull=False).count() == 12  # each colour has its picture

    case = Product.objects.get(shop=shop, title="液态硅胶手机壳")
    assert "型号:华为 Mate 60" in set(case.skus.values_list("spec_text", flat=True))
    nuts = Product.objects.get(shop=shop, title="每日坚果 30 包")
    assert nuts.skus.count() == 1 and nuts.skus.get().spec_key == ""
    fees = {f.province_code: (f.province, f.fee_fen) for f in shop.region_fees.all()}
    assert fees == {"650000": ("新疆维吾尔自治区", 2000), "540000": ("西藏自治区", 2000)}

    assert SKU.objects.filter(shop=shop, is_active=True, stock=0).exists()
    assert on_sale.filter(stock_total=0).exists()  # a fully sold-out product
    assert on_sale.filter(is_featured=True).count() >= 3


def test_second_shop_and_logins(demo, rf):
    tea = Shop.objects.get(slug="tea")
    assert tea.memberships.get().user.username == "tea"
    assert Product.objects.filter(shop=tea).count() == 5
    # a password login is checked against the admin lockout, which needs the request (client IP)
    login = rf.post("/admin/login/")
    assert authenticate(login, username="demo", password="demo12345").shops.get().slug == "demo"
    assert authenticate(login, username="operator", password="operator12345").is_superuser
    assert "demo / demo12345" in demo


def test_running_twice_changes_nothing(demo):
    counts, files = row_counts(), media_files()
    stamps = dict(Product.objects.values_list("pk", "updated_at"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "未做更改" in out.getvalue()
    assert row_counts() == counts
    assert media_files() == files
    assert dict(Product.objects.values_list("pk", "updated_at")) == stamps
