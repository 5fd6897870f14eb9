"""The merchant's catalog work in admin, through the real admin views."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import SKU, Category, Product, ProductImage
from tests.admin.helpers import formset, product_post
from tests.factories import make_product, product_with_matrix


@pytest.fixture
def merchant(client, merchant_a):
    client.force_login(merchant_a)
    return client


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_create_product_with_specs_generates_the_matrix(merchant, shop_a):
    data = product_post(title="纯棉T恤", specs=[("颜色", "红 蓝"), ("尺码", "S、M、L")])
    response = merchant.post("/admin/catalog/product/add/", data, follow=True)
    assert response.status_code == 200
    product = Product.objects.get(title="纯棉T恤")
    assert product.shop == shop_a and product.status == Product.Status.DRAFT
    assert SKU.objects.filter(product=product, is_active=True).count() == 6
    assert "新增 6 个" in messages_of(response)


def test_prices_typed_in_yuan_are_stored_in_fen_and_summaries_follow(merchant, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"))
    s, m = product.skus.order_by("position")
    data = product_post(
        product, skus={s.pk: {"price_fen": "59.90", "stock": 3}, m.pk: {"price_fen": "79", "stock": 0}}
    )
    response = merchant.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    s.refresh_from_db()
    m.refresh_from_db()
    assert (s.price_fen, s.stock, m.price_fen, m.stock) == (5990, 3, 7900, 0)
    product.refresh_from_db()
    assert (product.price_min_fen, product.price_max_fen, product.stock_total) == (5990, 7900, 3)


@pytest.mark.parametrize(("field", "value"), [("price_fen", "-1"), ("stock", "-5"), ("price_fen", "1.234")])
def test_negative_or_fractional_amounts_are_form_errors(merchant, shop_a, field, value):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S",))
    sku = product.skus.get()
    response = merchant.post(
        f"/admin/catalog/product/{product.pk}/change/", product_post(product, skus={sku.pk: {field: value}})
    )
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["errors"]
    sku.refresh_from_db()
    assert (sku.price_fen, sku.stock) == (5900, 5)


def test_adding_a_value_keeps_existing_skus_and_removing_one_deactivates(merchant, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红", "蓝"), sizes=("S",))
    red = SKU.objects.get(product=product, spec_text="颜色:红 尺码:S")
    data = product_post(product, skus={red.pk: {"price_fen": "88", "stock": 7, "code": "R-S"}})
    merchant.post(f"/admin/catalog/product/{product.pk}/change/", data)

    response = merchant.post(
        f"/admin/catalog/product/{product.pk}/change/",
        product_post(product, specs=[("颜色", "红 蓝 黑")]),
        follow=True,
    )
    assert "新增 1 个" in messages_of(response)
    red.refresh_from_db()
    assert (red.price_fen, red.stock, red.code, red.is_active) == (8800, 7, "R-S", True)

    merchant.post(
        f"/admin/catalog/product/{product.pk}/change/", product_post(product, specs=[("颜色", "红 黑")])
    )
    assert set(SKU.objects.filter(product=product, is_active=False).values_list("spec_text", flat=True)) == {
        "颜色:蓝 尺码:S"
    }


def test_generate_action_twice_is_a_no_op(merchant, shop_a):
    product = product_with_matrix(shop=shop_a)
    before = list(SKU.objects.filter(product=product).values_list("pk", "updated_at"))
    response = merchant.post(
        "/admin/catalog/product/", {"action": "generate_skus", "_selected_action": [product.pk]}, follow=True
    )
    assert "无需更改" in messages_of(response)
    assert list(SKU.objects.filter(product=product).values_list("pk", "updated_at")) == before


def test_duplicate_spec_value_is_a_form_error(merchant, shop_a):
    product = make_product(shop=shop_a)
    response = merchant.post(
        f"/admin/catalog/product/{product.pk}/change/", product_post(product, specs=[("颜色", "红 红")])
    )
    assert response.status_code == 200 and "规格值重复" in response.content.decode()
    assert not product.specs.exists()


def test_shelf_actions_go_through_the_rules(merchant, shop_a):
    ready = make_product(shop=shop_a, status=Product.Status.DRAFT)
    no_price = Product.objects.create(shop=shop_a, title="没定价")
    response = merchant.post(
        "/admin/catalog/product/",
        {"action": "put_on_shelf", "_selected_action": [ready.pk, no_price.pk]},
        follow=True,
    )
    ready.refresh_from_db()
    no_price.refresh_from_db()
    assert ready.status == Product.Status.ON_SALE and no_price.status == Product.Status.DRAFT
    assert "没定价" in messages_of(response)
    merchant.post("/admin/catalog/product/", {"action": "take_off_shelf", "_selected_action": [ready.pk]})
    ready.refresh_from_db()
    assert ready.status == Product.Status.OFF_SHELF


def test_status_field_cannot_bypass_the_rules(merchant, shop_a):
    product = Product.objects.create(shop=shop_a, title="零价商品")
    response = merchant.post(
        f"/admin/catalog/product/{product.pk}/change/",
        product_post(product, status=Product.Status.ON_SALE),
        follow=True,
    )
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT  # its generated SKU has no price yet
    assert "状态未修改" in messages_of(response)


def test_bulk_edit_sets_price_and_adds_stock(merchant, shop_a):
    product = product_with_matrix(shop=shop_a, colors=("红",), sizes=("S", "M"), stock=2)
    ids = list(product.skus.values_list("pk", flat=True))
    page = merchant.post("/admin/catalog/sku/", {"action": "bulk_edit", "_selected_action": ids})
    assert "批量设置价格/库存" in page.content.decode()
    merchant.post(
        "/admin/catalog/sku/",
        {"action": "bulk_edit", "_selected_action": ids, "apply": "1", "price_fen": "69.50", "stock_mode": "add",
         "stock_amount": "3"},
    )  # fmt: skip
    assert set(SKU.objects.filter(pk__in=ids).values_list("price_fen", "stock")) == {(6950, 5)}


def test_list_editable_prices_in_yuan(merchant, shop_a):
    sku = make_product(shop=shop_a).skus.get()
    data = formset("form", [{"id": sku.pk, "price_fen": "12.34", "stock": 9}], initial=1)
    data["_save"] = "保存"
    response = merchant.post("/admin/catalog/sku/", data)
    assert response.status_code == 302
    sku.refresh_from_db()
    assert (sku.price_fen, sku.stock) == (1234, 9)
    sku.product.refresh_from_db()
    assert sku.product.price_min_fen == 1234


def png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 100, 50)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [("fake.jpg", b"hello, not an image", "文件不是有效的图片"), ("tiny.png", png(40, 40), "图片太小")],
)
def test_bad_uploads_show_a_clear_form_error(merchant, shop_a, name, content, error):
    product = make_product(shop=shop_a)
    data = product_post(product)
    data.update(formset("images", [{"position": 0}]))
    data["images-0-image"] = SimpleUploadedFile(name, content)
    response = merchant.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ProductImage.objects.exists()


def test_good_upload_makes_thumbnails_and_cover(merchant, shop_a):
    product = make_product(shop=shop_a)
    data = product_post(product)
    data.update(formset("images", [{"position": 0, "alt": "正面"}]))
    data["images-0-image"] = SimpleUploadedFile("front.png", png(900, 900))
    assert merchant.post(f"/admin/catalog/product/{product.pk}/change/", data).status_code == 302
    image = ProductImage.objects.get()
    assert image.shop == shop_a and image.thumb_list and image.thumb_detail
    product.refresh_from_db()
    assert product.cover == image


def test_two_level_categories(merchant, shop_a):
    merchant.post("/admin/catalog/category/add/", {"name": "服装", "position": 0, "is_active": "on"})
    clothes = Category.objects.get(name="服装")
    assert clothes.shop == shop_a
    merchant.post(
        "/admin/catalog/category/add/",
        {"name": "T恤", "parent": clothes.pk, "position": 0, "is_active": "on"},
    )
    tees = Category.objects.get(name="T恤")
    response = merchant.post(
        "/admin/catalog/category/add/", {"name": "短袖", "parent": tees.pk, "position": 0}
    )
    assert response.status_code == 200  # a third level is not offered / rejected
    assert not Category.objects.filter(name="短袖").exists()
    response = merchant.post("/admin/catalog/category/add/", {"name": "服装", "position": 1})
    assert response.status_code == 200 and Category.objects.filter(name="服装").count() == 1


def test_pages_render(merchant, shop_a):
    product = product_with_matrix(shop=shop_a)
    for url in ("/admin/", "/admin/catalog/product/", f"/admin/catalog/product/{product.pk}/change/",
                "/admin/catalog/product/add/", "/admin/catalog/sku/", "/admin/catalog/category/",
                f"/admin/shop/shop/{shop_a.pk}/change/", "/admin/catalog/product/?q=纯棉"):  # fmt: skip
        assert merchant.get(url).status_code == 200, url
