"""factory_boy factories shared by every test folder.

``make_product`` makes a product on shelf with one SKU; ``product_with_matrix`` builds a real
颜色 × 尺码 matrix through the catalog services, as a merchant would.
"""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile

from accounts.models import Address, User
from catalog import services
from catalog.images import make_demo_image
from catalog.models import SKU, Category, Product, ProductImage
from shop.models import Shop, ShopMember


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ShopperFactory(UserFactory):
    nickname = factory.Sequence(lambda n: f"顾客{n}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(ShopperFactory)
    recipient = "张三"
    phone = "13812345678"
    province_code = "310000"
    city_code = "310100"
    district_code = "310101"
    province = "上海市"
    city = "上海市"
    district = "黄浦区"
    detail = "南京东路 100 号 5 楼"


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"小店{n}")
    company_name = "示例商贸有限公司"
    licence_no = "91310000MA1FL0000X"
    business_address = "上海市黄浦区南京东路 1 号"
    service_phone = "021-12345678"
    return_policy = "七天无理由退换货"

    @factory.post_generation
    def wechatpay(obj, create, extracted, **kwargs):
        """A shop takes orders only once WeChat Pay is set up: give it a simulator-mode account
        (``ShopFactory(wechatpay=False)`` for a shop that has none)."""
        if create and extracted is not False:
            simulator_pay_config(obj)


_MERCHANT_PEM: list[str] = []


def simulator_pay_config(shop: Shop):
    """A simulator-mode WeChat Pay account for ``shop`` (one RSA key per test run: making one is slow)."""
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    if not _MERCHANT_PEM:
        _MERCHANT_PEM.append(crypto.private_pem(crypto.new_private_key()))
    config, _created = WeChatPayConfig.objects.get_or_create(
        shop=shop,
        defaults={
            "mode": WeChatPayConfig.Mode.SIMULATOR, "mchid": f"19{shop.pk:08d}", "appid": f"wxtest{shop.pk:012d}",
            "merchant_serial_no": "TESTSERIAL", "merchant_private_key": _MERCHANT_PEM[0], "apiv3_key": "k" * 32,
        },
    )  # fmt: skip
    return config


class MerchantFactory(UserFactory):
    """A staff user who owns ``shop``."""

    is_staff = True

    @factory.post_generation
    def shop(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            ShopMember.objects.get_or_create(
                shop=extracted, user=obj, defaults={"role": ShopMember.Role.OWNER}
            )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"分类{n}")


def add_image(product: Product, *, color=(200, 80, 80), position: int = 0) -> ProductImage:
    """An image, with the product's summary (its cover) kept in step as every real path does."""
    image = ProductImage.objects.create(
        product=product,
        shop=product.shop,
        position=position,
        image=ContentFile(make_demo_image(product.title, color=color, size=400), name=f"p{product.pk}.jpg"),
    )
    services.product_sync_summary(product=product)
    return image


def make_product(
    *,
    shop: Shop,
    title: str = "T恤",
    price_fen: int = 5900,
    stock: int = 10,
    category: Category | None = None,
    status: str = Product.Status.ON_SALE,
    image: bool = False,
    **extra,
) -> Product:
    """A product without specs: exactly one SKU."""
    product = Product.objects.create(shop=shop, title=title, category=category, **extra)
    if image:
        add_image(product)
    services.product_generate_skus(product=product, default_price_fen=price_fen)
    SKU.objects.filter(product=product).update(stock=stock)
    services.product_sync_summary(product=product)
    if status != Product.Status.DRAFT:
        services.product_set_status(product=product, status=status)
    product.refresh_from_db()
    return product


def product_with_matrix(
    *,
    shop: Shop,
    title: str = "纯棉T恤",
    colors: tuple[str, ...] = ("红", "蓝"),
    sizes: tuple[str, ...] = ("S", "M", "L"),
    price_fen: int = 5900,
    stock: int = 5,
    status: str = Product.Status.ON_SALE,
) -> Product:
    """颜色 × 尺码 → len(colors) × len(sizes) SKUs, each with ``price_fen`` and ``stock``."""
    product = Product.objects.create(shop=shop, title=title)
    services.product_spec_set(product=product, name="颜色", values=list(colors), position=0)
    services.product_spec_set(product=product, name="尺码", values=list(sizes), position=1)
    services.product_generate_skus(product=product, default_price_fen=price_fen)
    SKU.objects.filter(product=product).update(stock=stock)
    services.product_sync_summary(product=product)
    if status != Product.Status.DRAFT:
        services.product_set_status(product=product, status=status)
    product.refresh_from_db()
    return product


def make_paid_order(
    *,
    shop: Shop,
    user: User | None = None,
    quantity: int = 1,
    price_fen: int = 5900,
    stock: int = 10,
    title: str = "T恤",
    phone: str | None = None,
):
    """An order placed and paid through the real services (a product of its own, an address of the
    buyer's), read back from the database."""
    from orders import services as order_services
    from orders.models import Order

    address = AddressFactory(**({"user": user} if user else {}), **({"phone": phone} if phone else {}))
    sku = make_product(shop=shop, title=title, price_fen=price_fen, stock=stock).skus.get()
    order = order_services.order_place(
        shop=shop, user=address.user, items=[(sku.pk, quantity)], address_id=address.pk
    )
    order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
    return Order.objects.get(pk=order.pk)


def simulator_wechat_account(shop: Shop, **fields):
    """A simulator-mode official account (and mini-program) for ``shop``, as the demo loader makes."""
    from wechat.models import WeChatAccount

    defaults = {
        "mode": WeChatAccount.Mode.SIMULATOR, "name": shop.name, "appid": f"wxacct{shop.pk:012d}",
        "secret": "s" * 32, "token": "tok", "miniprogram_appid": f"wxmini{shop.pk:012d}", "miniprogram_secret": "m" * 32,
    }  # fmt: skip
    return WeChatAccount.objects.create(shop=shop, **{**defaults, **fields})


def make_coupon(*, shop: Shop, **fields):
    """A coupon open for claiming now and usable for 30 days (满 100 减 20 unless told)."""
    from datetime import timedelta

    from django.utils import timezone

    from promotions.models import Coupon

    now = timezone.now().replace(second=0, microsecond=0)  # as admin's date and time fields give them
    defaults = {
        "name": "满100减20", "kind": Coupon.Kind.FIXED, "amount_fen": 2000, "threshold_fen": 10000,
        "total_quantity": 100, "per_user_limit": 1, "claim_starts_at": now - timedelta(hours=1),
        "claim_ends_at": now + timedelta(days=7), "use_mode": Coupon.UseMode.DAYS_AFTER_CLAIM, "use_days": 30,
    }  # fmt: skip
    defaults.update(fields)
    categories = defaults.pop("categories", None)
    products = defaults.pop("products", None)
    coupon = Coupon(shop=shop, **defaults)
    coupon.full_clean(exclude=["shop"])
    coupon.save()
    if categories:
        coupon.categories.set(categories)
    if products:
        coupon.products.set(products)
    return coupon


def make_red_packet_pool(*, shop: Shop, total_fen: int = 10000, packets: int = 20, min_fen: int = 100,
                         max_fen: int = 1000, **coupon_fields):  # fmt: skip
    """¥100 in 20 packets of ¥1–¥10 (a red-packet coupon without threshold, usable 7 days)."""
    from promotions import services as promotion_services
    from promotions.models import Coupon, RedPacketPool

    fields = {"name": "红包券", "amount_fen": 0, "threshold_fen": 0, "use_days": 7, **coupon_fields}
    coupon = make_coupon(shop=shop, distribution=Coupon.Distribution.RED_PACKET, **fields)
    pool = RedPacketPool(shop=shop, coupon=coupon, name=f"{coupon.name}的红包", total_fen=total_fen, packet_count=packets,
                         min_fen=min_fen, max_fen=max_fen)  # fmt: skip
    return promotion_services.red_packet_pool_save(pool=pool)
