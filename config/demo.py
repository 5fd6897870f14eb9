"""The demo shop: `manage.py load_demo` (run by `make run`).

Everything is built through the real services, as a merchant would through admin, and looked up
by natural keys so that a second run creates nothing, changes nothing and draws no new images.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog import services as catalog
from catalog.images import make_demo_image
from catalog.models import SKU, Category, Product, ProductImage
from shop.cache import storefront_changed
from shop.models import Shop, ShopMember

DEMO_LOGINS = (
    ("demo", "demo12345", "演示商家（小满生活馆店主）"),
    ("operator", "operator12345", "平台运营（超级管理员）"),
    ("tea", "tea12345", "第二位商家（一叶茶舍店主）"),
)

COLORS = {
    "白": (236, 236, 230), "黑": (45, 45, 50), "雾蓝": (120, 150, 190), "燕麦": (205, 190, 160),
    "红": (200, 70, 70), "墨绿": (50, 100, 80), "灰": (140, 140, 145), "粉": (230, 160, 175),
    "卡其": (180, 160, 110), "藏青": (40, 55, 95), "透明": (200, 215, 225), "橙": (230, 140, 60),
}  # fmt: skip

SHOPS = [
    {
        "slug": "demo",
        "name": "小满生活馆",
        "intro": "好好穿衣，好好吃饭。原创基础款服饰与生活小物，上海发货。",
        "company_name": "上海小满生活用品有限公司",
        "licence_no": "91310101MA1FPX2Q3K",
        "business_address": "上海市黄浦区南京东路 299 号 8 楼",
        "service_phone": "021-63210088",
        "return_policy": "收货后 7 天内支持无理由退换（食品及贴身衣物除外）。质量问题退换运费由本店承担，"
        "请在申请售后时上传照片。退款将在收到退货后 1–3 个工作日内原路退回。",
        "verified": True,
        "owner": ("demo", "demo12345"),
        "shipping_fee_fen": 800,
        "free_shipping_min_fen": 9900,
    },
    {
        "slug": "tea",
        "name": "一叶茶舍",
        "intro": "原产地直采的绿茶与乌龙。",
        "company_name": "杭州一叶茶业有限公司",
        "licence_no": "91330106MA2KTEA01X",
        "business_address": "浙江省杭州市西湖区龙井路 18 号",
        "service_phone": "0571-87001234",
        "return_policy": "茶叶属于食品，未拆封 7 天内可退。",
        "verified": False,
        "owner": ("tea", "tea12345"),
        "shipping_fee_fen": 0,
        "free_shipping_min_fen": None,
    },
]

# (top category, sub categories)
CATEGORIES = {
    "demo": [
        ("服装", ["T恤", "卫衣", "裤装", "衬衫"]),
        ("配件", ["手机壳", "帽子", "袜子"]),
        ("食品", ["零食", "茶饮"]),
    ],
    "tea": [("茶叶", ["绿茶", "乌龙"]), ("茶具", [])],
}

SIZES = ["S", "M", "L", "XL"]

# Remote-province fees by division code (shop slug → (province code, fee fen)): 新疆, 西藏.
REGION_FEES = {"demo": [("650000", 2000), ("540000", 2000)]}

# title, category, subtitle, specs {name: values}, base price fen, price rule, stock rule, featured, sales
# price rule: extra fen per size step ("size") or per colour index ("color") or None
P = dict
PRODUCTS = {
    "demo": [
        P(t="纯棉圆领T恤", c="T恤", s="新疆长绒棉，亲肤不起球", specs={"颜色": ["白", "黑", "雾蓝"], "尺码": SIZES}, price=5900, up="size", feat=True, sales=1280),
        P(t="重磅落肩T恤", c="T恤", s="260g 重磅面料，挺括有型", specs={"颜色": ["白", "燕麦", "墨绿"], "尺码": SIZES}, price=7900, up="size", sales=640),
        P(t="条纹海魂衫", c="T恤", s="法式经典条纹", specs={"颜色": ["藏青", "红"], "尺码": SIZES}, price=6900, sales=315),
        P(t="儿童卡通T恤", c="T恤", s="A 类婴幼儿标准", specs={"颜色": ["粉", "雾蓝"], "尺码": ["100", "110", "120", "130"]}, price=3900, up="size", sales=220),
        P(t="华夫格长袖T恤", c="T恤", s="秋季打底好搭档", specs={"颜色": ["燕麦", "灰"], "尺码": SIZES}, price=6900, sales=98),
        P(t="加绒连帽卫衣", c="卫衣", s="冬季加绒，温暖一整季", specs={"颜色": ["灰", "黑", "燕麦"], "尺码": SIZES}, price=12900, up="size", feat=True, sales=860),
        P(t="圆领基础卫衣", c="卫衣", s="毛圈底，不挑人", specs={"颜色": ["灰", "藏青"], "尺码": SIZES}, price=9900, sales=402),
        P(t="半拉链摇粒绒", c="卫衣", s="轻暖不臃肿", specs={"颜色": ["燕麦", "墨绿"], "尺码": SIZES}, price=15900, sales=133),
        P(t="直筒休闲裤", c="裤装", s="垂感好，通勤周末都合适", specs={"颜色": ["黑", "卡其"], "尺码": ["28", "30", "32", "34"]}, price=11900, up="size", sales=510),
        P(t="束脚运动裤", c="裤装", s="弹力腰头，久坐不勒", specs={"颜色": ["灰", "黑"], "尺码": SIZES}, price=8900, sales=350),
        P(t="灯芯绒阔腿裤", c="裤装", s="复古质感", specs={"颜色": ["卡其", "墨绿"], "尺码": SIZES}, price=13900, sales=88),
        P(t="工装短裤", c="裤装", s="多口袋设计", specs={"颜色": ["卡其", "黑"], "尺码": SIZES}, price=7900, sales=140, soldout=True),
        P(t="牛津纺衬衫", c="衬衫", s="免烫处理，出差必备", specs={"颜色": ["白", "雾蓝"], "尺码": SIZES}, price=14900, up="size", sales=290),
        P(t="亚麻短袖衬衫", c="衬衫", s="透气清爽", specs={"颜色": ["白", "燕麦"], "尺码": SIZES}, price=12900, sales=120),
        P(t="液态硅胶手机壳", c="手机壳", s="亲肤手感，全包防摔", specs={"型号": ["iPhone 15", "iPhone 16", "iPhone 16 Pro", "华为 Mate 60", "小米 14"]}, price=3900, feat=True, sales=930),
        P(t="透明气囊手机壳", c="手机壳", s="四角气囊，不发黄", specs={"型号": ["iPhone 15", "iPhone 16", "华为 Mate 60"]}, price=2900, sales=720),
        P(t="磁吸卡包手机壳", c="手机壳", s="支持 MagSafe", specs={"颜色": ["黑", "卡其"], "型号": ["iPhone 15", "iPhone 16"]}, price=5900, up="color", sales=180),
        P(t="纯色棒球帽", c="帽子", s="可调节帽围", specs={"颜色": ["黑", "白", "卡其", "藏青"]}, price=4900, sales=460),
        P(t="针织毛线帽", c="帽子", s="羊毛混纺，冬日必备", specs={"颜色": ["灰", "燕麦", "红"]}, price=5900, sales=260),
        P(t="渔夫帽", c="帽子", s="防晒遮阳", specs={"颜色": ["卡其", "黑"]}, price=5500, sales=75),
        P(t="中筒棉袜 5 双装", c="袜子", s="精梳棉，不闷脚", specs={"颜色": ["黑白灰", "彩色"], "尺码": ["35-39", "40-44"]}, price=3900, sales=1500),
        P(t="船袜 6 双装", c="袜子", s="隐形不掉跟", specs={"尺码": ["35-39", "40-44"]}, price=2900, sales=880),
        P(t="羊毛厚袜", c="袜子", s="冬季保暖", specs={"颜色": ["灰", "燕麦"]}, price=4500, sales=60),
        P(t="每日坚果 30 包", c="零食", s="6 种坚果果干科学配比", specs={}, price=12900, feat=True, sales=2100),
        P(t="手工牛轧糖", c="零食", s="台湾配方，不粘牙", specs={"口味": ["原味", "蔓越莓", "抹茶"]}, price=3900, sales=670),
        P(t="冻干草莓脆", c="零食", s="0 添加，整颗冻干", specs={}, price=2900, sales=410),
        P(t="海苔肉松卷", c="零食", s="办公室小零食", specs={}, price=1990, sales=230, soldout=True),
        P(t="冷泡乌龙茶包", c="茶饮", s="冷水 2 小时即可饮用", specs={"规格": ["10 包", "30 包"]}, price=3900, up="color", sales=540),
        P(t="桂花红茶", c="茶饮", s="桂花窨制，回甘明显", specs={}, price=5900, sales=190),
        P(t="柠檬片蜂蜜茶", c="茶饮", s="冻干柠檬片 + 百花蜜", specs={}, price=3500, sales=120),
        # not visible to shoppers: a draft and an off-shelf product, so those states exist
        P(t="羽绒马甲（预售）", c="卫衣", s="下月上新", specs={"颜色": ["黑"], "尺码": SIZES}, price=29900, status=Product.Status.DRAFT),
        P(t="去年款夏季短裤", c="裤装", s="已下架", specs={}, price=4900, status=Product.Status.OFF_SHELF),
    ],
    "tea": [
        P(t="明前龙井 100g", c="绿茶", s="西湖产区，明前头采", specs={"等级": ["特级", "一级"]}, price=29800, up="color", feat=True, sales=300),
        P(t="安吉白茶 50g", c="绿茶", s="氨基酸含量高", specs={}, price=16800, sales=120),
        P(t="铁观音 250g", c="乌龙", s="清香型", specs={}, price=12800, sales=80),
        P(t="大红袍 125g", c="乌龙", s="武夷岩茶", specs={"焙火": ["轻火", "中火"]}, price=19800, sales=60),
        P(t="粗陶侧把壶", c="茶具", s="手工拉坯", specs={}, price=16800, sales=20),
    ],
}  # fmt: skip


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created)


def _user(username: str, password: str, result: DemoResult, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, **extra)
        user.set_password(password)  # only when created: a changed password is never reset
        user.save()
        result.add("users")
    return user


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _color_for(text: str) -> tuple[int, int, int]:
    for name, rgb in COLORS.items():
        if name in text:
            return rgb
    seed = _seed(text)
    return (80 + seed % 150, 80 + (seed >> 8) % 150, 80 + (seed >> 16) % 150)


KINDS = {
    "T恤": "tee", "卫衣": "hoodie", "衬衫": "shirt", "裤装": "pants", "手机壳": "case", "帽子": "cap",
    "袜子": "socks", "茶饮": "tea", "绿茶": "tea", "乌龙": "tea", "茶具": "tea",
}  # fmt: skip


def _image(
    product: Product, *, label: str, color: tuple[int, int, int], position: int, kind: str
) -> ProductImage:
    data = make_demo_image(label, color=color, size=800, kind=kind)
    return ProductImage.objects.create(
        product=product,
        shop_id=product.shop_id,
        position=position,
        alt=label,
        image=ContentFile(data, name=f"demo-{product.shop.slug}-{product.pk}-{position}.jpg"),
    )


def _load_shop(spec: dict, result: DemoResult) -> Shop:
    username, password = spec["owner"]
    owner = _user(username, password, result, is_staff=True, nickname=spec["name"])
    shop = Shop.objects.filter(slug=spec["slug"]).first()
    if shop is None:
        shop = Shop.objects.create(
            slug=spec["slug"],
            name=spec["name"],
            intro=spec["intro"],
            company_name=spec["company_name"],
            licence_no=spec["licence_no"],
            business_address=spec["business_address"],
            service_phone=spec["service_phone"],
            return_policy=spec["return_policy"],
            verification=Shop.Verification.VERIFIED if spec["verified"] else Shop.Verification.PENDING,
            verified_at=timezone.now() if spec["verified"] else None,
            shipping_fee_fen=spec["shipping_fee_fen"],
            free_shipping_min_fen=spec["free_shipping_min_fen"],
        )
        result.add("shops")
    _, created = ShopMember.objects.get_or_create(
        shop=shop, user=owner, defaults={"role": ShopMember.Role.OWNER}
    )
    result.add("memberships", int(created))
    return shop


def _categories(shop: Shop, result: DemoResult) -> dict[str, Category]:
    found: dict[str, Category] = {}
    for position, (top, subs) in enumerate(CATEGORIES[shop.slug]):
        parent, created = Category.objects.get_or_create(
            shop=shop, parent=None, name=top, defaults={"position": position}
        )
        result.add("categories", int(created))
        found[top] = parent
        for sub_position, sub in enumerate(subs):
            child, created = Category.objects.get_or_create(
                shop=shop, parent=parent, name=sub, defaults={"position": sub_position}
            )
            result.add("categories", int(created))
            found[sub] = child
    return found


def _product(shop: Shop, spec: dict, index: int, categories: dict[str, Category], result: DemoResult) -> None:
    if Product.objects.filter(shop=shop, title=spec["t"]).exists():
        return
    result.add("products")
    product = Product.objects.create(
        shop=shop,
        category=categories[spec["c"]],
        title=spec["t"],
        subtitle=spec["s"],
        keywords=" ".join([spec["c"], *spec["specs"].keys()]),
        is_featured=spec.get("feat", False),
        description=(
            f"<p><strong>{spec['t']}</strong>：{spec['s']}。</p>"
            "<ul><li>品质保证，假一赔十</li><li>上海仓发货，江浙沪次日达</li><li>支持 7 天无理由退换</li></ul>"
        ),
    )
    color_values = spec["specs"].get("颜色", [])
    for position, label in enumerate(color_values or [spec["t"]]):
        kind = KINDS.get(spec["c"], "packet")
        _image(product, label=label, color=_color_for(label), position=position, kind=kind)
        result.add("images")
    for position, (name, values) in enumerate(spec["specs"].items()):
        catalog.product_spec_set(product=product, name=name, values=values, position=position)
    catalog.product_generate_skus(product=product, default_price_fen=spec["price"])
    images = list(product.images.order_by("position"))
    skus = list(SKU.objects.filter(product=product, is_active=True).order_by("position"))
    result.add("skus", len(skus))
    step_values = spec["specs"].get("尺码") if spec.get("up") == "size" else None
    for number, sku in enumerate(skus):
        price = spec["price"]
        if step_values:
            size = sku.spec_text.split("尺码:")[-1]
            price += 1000 * step_values.index(size) if size in step_values else 0
        if spec.get("up") == "color" and color_values:
            color = next((c for c in color_values if f"颜色:{c}" in sku.spec_text), None)
            price += 1000 * color_values.index(color) if color else 0
        if spec.get("up") == "color" and not color_values:
            price += 2000 * (number % 2)
        seed = _seed(f"{shop.slug}{spec['t']}{sku.spec_text}")
        stock = 0 if spec.get("soldout") else (0 if seed % 7 == 0 else 5 + seed % 60)
        code = f"{shop.slug[:2].upper()}{index:03d}-{number + 1:02d}"
        catalog.sku_update(sku=sku, price_fen=price, stock=stock, code=code)
        color = next((c for c in color_values if f"颜色:{c}" in sku.spec_text), None)
        if color is not None and len(images) == len(color_values):
            SKU.objects.filter(pk=sku.pk).update(image=images[color_values.index(color)])
    catalog.product_sync_summary(product=product)
    status = spec.get("status", Product.Status.ON_SALE)
    if status != Product.Status.DRAFT:
        catalog.product_set_status(product=product, status=Product.Status.ON_SALE)
        if status != Product.Status.ON_SALE:
            catalog.product_set_status(product=product, status=status)
    sales = spec.get("sales", 0)
    published = timezone.now() - timedelta(days=index * 3 + 1)
    Product.objects.filter(pk=product.pk).update(sales_count=sales, published_at=published)
    for sku in skus:
        SKU.objects.filter(pk=sku.pk).update(sales_count=sales // max(len(skus), 1))


@transaction.atomic
def demo_load() -> DemoResult:
    """Create whatever part of the demo data is missing; a second run changes nothing."""
    result = DemoResult()
    operator = User.objects.filter(username="operator").first()
    if operator is None:
        _user("operator", "operator12345", result, is_staff=True, is_superuser=True, nickname="平台运营")
    for spec in SHOPS:
        shop = _load_shop(spec, result)
        categories = _categories(shop, result)
        for index, product in enumerate(PRODUCTS[shop.slug]):
            _product(shop, product, index, categories, result)
        _wechatpay(shop, result)
        _wechat_account(shop, result)
        _region_fees(shop, result)
        _return_settings(shop, result)
        _coupons(shop, result)
        _flash_sale(shop, result)
        _group_buy(shop, result)
        _channels(shop, result)
        _distribution(shop, result)
        _customers(shop, result)
        _complaint_and_low_stock(shop, result)
        _campaigns(shop, result)
        _members(shop, result)
        _reviews(shop, result)
        _dashboard_history(shop, result)
        if result.changed:
            storefront_changed(shop)
    return result


DEMO_COUPONS = {
    "demo": [
        {"name": "满99减10", "kind": "fixed", "amount_fen": 1000, "threshold_fen": 9900},
        {
            "name": "9折券 最多减30",
            "kind": "percent",
            "rate_percent": 90,
            "max_off_fen": 3000,
            "threshold_fen": 0,
        },
    ],
}


def _coupons(shop: Shop, result: DemoResult) -> None:
    """Two claimable coupons on the demo shop's home and product pages (once: a shop that has any
    coupon is left as it is)."""
    from datetime import timedelta

    from django.utils import timezone

    from promotions.models import Coupon

    if Coupon.objects.filter(shop=shop).exists():
        return
    now = timezone.now()
    for spec in DEMO_COUPONS.get(shop.slug, []):
        Coupon.objects.create(
            shop=shop, total_quantity=500, per_user_limit=1, claim_starts_at=now,
            claim_ends_at=now + timedelta(days=365), use_mode=Coupon.UseMode.DAYS_AFTER_CLAIM, use_days=7,
            distribution=Coupon.Distribution.PUBLIC, **spec,
        )  # fmt: skip
        result.add("coupons")


def _flash_sale(shop: Shop, result: DemoResult) -> None:
    """A flash-sale session running now for two weeks on the demo shop's two cheapest products (once:
    a shop that has any session is left as it is). The job runner of `make run` moves its units out
    of the SKUs' stock within seconds."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import SKU
    from promotions.flash.models import FlashItem, FlashSession

    if shop.slug != "demo" or FlashSession.objects.filter(shop=shop).exists():
        return
    on_sale = SKU.objects.filter(shop=shop, is_active=True, stock__gte=20, product__status="on_sale")
    cheapest: dict[int, SKU] = {}
    for sku in on_sale.order_by("price_fen", "pk"):
        cheapest.setdefault(sku.product_id, sku)
    skus = list(cheapest.values())[:2]  # two products, one SKU each
    if not skus:
        return
    now = timezone.now()
    session = FlashSession.objects.create(
        shop=shop, name="限时秒杀", starts_at=now, ends_at=now + timedelta(days=14)
    )
    for sku in skus:
        FlashItem.objects.create(
            shop=shop, session=session, sku=sku, flash_price_fen=max(sku.price_fen * 7 // 10, 1), quantity=10,
            per_user_limit=1,
        )  # fmt: skip
    result.add("flash sessions")


def _group_buy(shop: Shop, result: DemoResult) -> None:
    """A group-buy running for a month on the demo shop's nuts: 3 people at ¥99 instead of ¥129, 24
    hours to fill, 2 per shopper (once: a shop that has any group-buy is left as it is). It has no
    groups: every member of a group is a shopper who paid."""
    from datetime import timedelta

    from django.utils import timezone

    from groupbuy.models import GroupBuyActivity, GroupBuyItem

    product = Product.objects.filter(shop=shop, title="每日坚果 30 包").first()
    if shop.slug != "demo" or product is None or GroupBuyActivity.objects.filter(shop=shop).exists():
        return
    now = timezone.now()
    activity = GroupBuyActivity.objects.create(
        shop=shop, product=product, name="坚果三人团", group_size=3, open_hours=24, per_user_limit=2,
        starts_at=now, ends_at=now + timedelta(days=30),
    )  # fmt: skip
    for sku in product.skus.filter(is_active=True):
        GroupBuyItem.objects.create(shop=shop, activity=activity, sku=sku, group_price_fen=9900)
    result.add("group-buys")


def _channels(shop: Shop, result: DemoResult) -> None:
    """Two channels on the demo shop (marketing): a Moments post that opens the shop and a group
    chat that opens the best seller (once: a shop that has any channel is left as it is)."""
    from catalog.models import Product
    from marketing.models import Channel
    from marketing.services import channel_save

    if shop.slug != "demo" or Channel.objects.filter(shop=shop).exists():
        return
    best = (
        Product.objects.filter(shop=shop, status=Product.Status.ON_SALE)
        .order_by("-sales_count", "pk")
        .first()
    )
    channel_save(channel=Channel(shop=shop, name="双十二朋友圈", kind=Channel.Kind.MOMENTS, code="pyq-1212"))
    result.add("channels")
    if best is not None:
        channel_save(channel=Channel(shop=shop, name="宝妈群", kind=Channel.Kind.GROUP, code="mama-group",
                                     target=Channel.Target.PRODUCT, product=best))  # fmt: skip
        result.add("channels")


def _distribution(shop: Shop, result: DemoResult) -> None:
    """分销 on for the demo shop (anyone may promote, 10% and a second level of 2%, customers bound
    for good, withdrawals from ¥10) with one approved promoter, ``promoter`` (小林: log in with the
    development login as “promoter”) — once: a shop with settings is left as it is."""
    from decimal import Decimal

    from distribution.models import DistributionSettings
    from distribution.services import promoter_apply

    if shop.slug != "demo" or DistributionSettings.objects.filter(shop=shop).exists():
        return
    DistributionSettings.objects.create(
        shop=shop, is_enabled=True, who_may_promote=DistributionSettings.WhoMayPromote.ANYONE,
        rate_percent=Decimal("10"), level2_enabled=True, level2_rate_percent=Decimal("2"),
        binding_rule=DistributionSettings.BindingRule.PERMANENT, min_withdraw_fen=1000,
    )  # fmt: skip
    user = User.objects.filter(username="promoter").first()
    if user is None:
        user = User(username="promoter", nickname="小林")
        user.set_unusable_password()  # a shopper: phone code or the development login
        user.save()
        result.add("users")
    promoter_apply(shop=shop, user=user)
    result.add("distribution")


def _region_fees(shop: Shop, result: DemoResult) -> None:
    from orders.models import ShippingRegionFee

    for code, fee_fen in REGION_FEES.get(shop.slug, []):
        _, created = ShippingRegionFee.objects.get_or_create(
            shop=shop, province_code=code, defaults={"fee_fen": fee_fen}
        )
        result.add("region fees", int(created))


RETURN_ADDRESSES = {  # 退货设置: where the demo shops' returns go
    "demo": ("小满售后组", "021-63210089", "上海市闵行区莘庄工业区春中路 368 号 3 号仓 退货组"),
}


def _return_settings(shop: Shop, result: DemoResult) -> None:
    from orders.models import ReturnSettings

    if shop.slug not in RETURN_ADDRESSES or ReturnSettings.objects.filter(shop=shop).exists():
        return
    recipient, phone, address = RETURN_ADDRESSES[shop.slug]
    ReturnSettings.objects.create(shop=shop, recipient=recipient, phone=phone, address=address)
    result.add("return settings")


def _wechatpay(shop: Shop, result: DemoResult) -> None:
    """A simulator-mode WeChat Pay account, with its own merchant key made here (never shipped). An
    existing simulator-mode account is made to trust the simulator's current key (a database
    migrated since the simulator's tables moved has a new one)."""
    from devtools.wechatpay_sim import keys as simulator
    from payments.models import WeChatPayConfig
    from payments.wechat import crypto

    if WeChatPayConfig.objects.filter(shop=shop).exists():
        WeChatPayConfig.objects.filter(shop=shop, mode=WeChatPayConfig.Mode.SIMULATOR).update(
            **simulator.platform_settings()
        )
        return
    WeChatPayConfig.objects.create(
        shop=shop, mode=WeChatPayConfig.Mode.SIMULATOR, mchid=f"19000{shop.pk:05d}", appid=f"wxdemo{shop.pk:011d}",
        miniprogram_appid=f"wxmini{shop.pk:011d}", merchant_serial_no=f"DEMO{shop.pk:036d}",
        merchant_private_key=crypto.private_pem(crypto.new_private_key()),
        apiv3_key=crypto.new_apiv3_key(), **simulator.platform_settings(),
    )  # fmt: skip
    result.add("wechatpay accounts")


def _wechat_account(shop: Shop, result: DemoResult) -> None:
    """A simulator-mode official account and mini-program (same appids as the demo WeChat Pay
    account), with its secrets made here, keyword replies, notification templates and a store QR."""
    import secrets
    import string

    from payments.models import WeChatPayConfig
    from wechat.models import AutoReplyRule, ChannelQRCode, WeChatAccount

    if WeChatAccount.objects.filter(shop=shop).exists():
        return
    pay = WeChatPayConfig.objects.get(shop=shop)
    alphabet = string.ascii_letters + string.digits
    WeChatAccount.objects.create(
        shop=shop, mode=WeChatAccount.Mode.SIMULATOR, name=shop.name, appid=pay.appid,
        secret=secrets.token_hex(16), token=secrets.token_hex(8),
        encoding_aes_key="".join(secrets.choice(alphabet) for _ in range(43)),
        miniprogram_appid=pay.miniprogram_appid, miniprogram_secret=secrets.token_hex(16),
        **{f"{prefix}{event}": f"DEMO_{prefix.upper()}{event.upper()}"
           for prefix in ("tpl_", "mp_tpl_") for event in ("paid", "shipped", "delivered", "refunded", "after_sale")},
    )  # fmt: skip
    AutoReplyRule.objects.create(shop=shop, keyword="订单", reply="查看我的订单：{orders_url}")
    AutoReplyRule.objects.create(
        shop=shop, keyword="客服", reply=f"客服电话：{shop.service_phone or '见店铺信息'}\n{{shop_url}}"
    )
    ChannelQRCode.objects.create(shop=shop, name="门店收银台海报", scene="store-counter")
    result.add("wechat accounts")


# The demo shop's customers (crm): username, nickname, phone, (province code, city code, district
# code, names), orders as (days ago, price rank, channel code); "ref" orders come through 小林's share.
DEMO_CUSTOMERS = [
    ("c-wang", "王小丫", "13800138000", ("310000", "310100", "310101", "上海市", "上海市", "黄浦区"),
     [(2, 0, "mama-group"), (20, 3, "mama-group"), (40, 5, "")]),
    ("c-li", "李先生", "13912345678", ("330000", "330100", "330106", "浙江省", "杭州市", "西湖区"),
     [(45, 1, "pyq-1212")]),
    ("c-chen", "陈女士", "13611112222", ("440000", "440300", "440305", "广东省", "深圳市", "南山区"),
     [(5, 2, "ref"), (6, 4, "")]),
    ("c-zhao", "赵同学", "13798765432", ("110000", "110100", "110105", "北京市", "北京市", "朝阳区"), []),
]  # fmt: skip


def _customers(shop: Shop, result: DemoResult) -> None:
    """crm on the demo shop: tags (老客户, 宝妈, 双十二), channel tag rules (宝妈群 → 宝妈, 双十二朋友圈 →
    双十二), four shoppers with paid orders through the channels and 小林's share (one order 45 days
    ago, one refunded in part), a visit of the fourth, two segments, then the profiles rebuilt from
    the orders (``crm_profiles_rebuild``) — once: a shop with any tag is left as it is."""
    from accounts.models import Address
    from core.attribution import Attribution
    from crm.models.profiles import ChannelTagRule, CustomerProfile, Tag
    from crm.services import profiles as crm
    from marketing.models import Channel
    from orders import services as orders
    from orders.models import Order

    if shop.slug != "demo" or Tag.objects.filter(shop=shop).exists():
        return
    tags = {name: Tag.objects.create(shop=shop, name=name) for name in ("老客户", "宝妈", "双十二")}
    result.add("customer tags", len(tags))
    for code, tag in (("mama-group", "宝妈"), ("pyq-1212", "双十二")):
        found = Channel.objects.filter(shop=shop, code=code).first()
        if found is not None:
            ChannelTagRule.objects.create(shop=shop, channel=found).tags.set([tags[tag]])
    skus = list(
        SKU.objects.filter(shop=shop, is_active=True, stock__gt=2, product__status=Product.Status.ON_SALE)
        .order_by("-price_fen", "pk")
        .distinct()[:6]
    )
    promoter = User.objects.filter(username="promoter").first()
    now = timezone.now()
    for username, nickname, phone, region, placed in DEMO_CUSTOMERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, nickname=nickname, phone=phone)
            user.set_unusable_password()  # a shopper: phone code or the development login
            user.save()
            result.add("users")
        codes, names = region[:3], region[3:]
        address = Address.objects.create(
            user=user, recipient=nickname, phone=phone, detail="示例路 8 号",
            **dict(zip(("province_code", "city_code", "district_code"), codes, strict=True)),
            **dict(zip(("province", "city", "district"), names, strict=True)),
        )  # fmt: skip
        if not placed:
            crm.profiles_seen(shop_id=shop.pk, seen=[(user.pk, "mama-group", now)])
        for days_ago, rank, code in placed:
            if not skus:
                break
            at = now - timedelta(days=days_ago)
            touch = Attribution(
                shop_id=shop.pk,
                channel_code="" if code == "ref" else code,
                referrer_code=str(promoter.pk) if code == "ref" and promoter else "",
                touched_at=at,
            )
            sku = skus[rank % len(skus)]
            order = orders.order_place(shop=shop, user=user, items=[(sku.pk, 1)], address_id=address.pk,
                                       attribution=touch)  # fmt: skip
            Order.objects.filter(pk=order.pk).update(created_at=at)  # demo history: placed days ago
            order.refresh_from_db()
            orders.order_mark_paid(
                order=order, amount_fen=order.total_fen, paid_at=at, reference=f"demo-{order.pk}"
            )
            result.add("orders")
            if username == "c-chen" and days_ago == 6:  # a partial refund: the spend goes down
                asked = orders.after_sale_request(order=order, user=user, kind="refund_only", reason="少发了一件赠品",
                                                  amount_fen=1000)  # fmt: skip
                orders.after_sale_approve(shop=shop, after_sale_no=asked.after_sale_no, actor=None)
    wang = CustomerProfile.objects.filter(shop=shop, user__username="c-wang").first()
    if wang is not None:
        wang.tags.add(tags["老客户"])
    crm.segment_save(shop_id=shop.pk, name="回头客", filters={"min_orders": 2})
    crm.segment_save(
        shop_id=shop.pk, name="30 天未下单的老客户", filters={"min_orders": 1, "inactive_days": 30}
    )
    crm.profiles_rebuild(shop_id=shop.pk)  # what a shop that had orders before crm runs once
    result.add("customer segments", 2)


def _complaint_and_low_stock(shop: Shop, result: DemoResult) -> None:
    """Issue 14 on the demo shop: a SKU with its own low-stock threshold that an order of the demo
    buyer (``buyer``, 小王: development login) took across it (one alert in 库存预警, one message in
    站内消息), and that buyer's complaint about the order, waiting in the operator's queue — once: a
    shop with a complaint is left as it is."""
    from accounts.services import address_save
    from catalog.models import SKU
    from catalog.services import sku_update
    from complaints.models import Complaint
    from complaints.services import complaint_create
    from orders.services import order_mark_paid, order_place

    if shop.slug != "demo" or Complaint.objects.filter(shop=shop).exists():
        return
    user = User.objects.filter(username="buyer").first()
    if user is None:
        user = User(username="buyer", nickname="小王", phone="13912345678")
        user.set_unusable_password()  # a shopper: phone code or the development login
        user.save()
        result.add("users")
    address = user.addresses.first() or address_save(
        user=user, recipient="王小明", phone="13912345678", province_code="310000", city_code="310100",
        district_code="310101", detail="南京东路 100 号 5 楼",
    )  # fmt: skip
    sku = (
        SKU.objects.filter(shop=shop, is_active=True, stock__gte=6, product__status="on_sale")
        .order_by("pk")
        .first()
    )
    if sku is None:
        return
    sku = sku_update(sku=sku, stock=6, low_stock_threshold=5)  # 6 left, warn at 5
    order = order_place(shop=shop, user=user, items=[(sku.pk, 2)], address_id=address.pk)  # 6 -> 4: an alert
    order_mark_paid(order=order, amount_fen=order.total_fen)
    complaint_create(
        shop=shop, user=user, kind=Complaint.Kind.NOT_SHIPPED, order_no=order.order_no,
        text="付款后三天还没有发货，联系客服也没有回复，请平台帮忙催一下。",
    )  # fmt: skip
    result.add("low-stock alerts")
    result.add("complaints")


def _campaigns(shop: Shop, result: DemoResult) -> None:
    """crm's marketing messages and wechat's inbox, on the demo shop (once): the push budget, a
    segment of every customer, and a campaign sent yesterday at 10:00 to six followers — built by
    the real job's steps (confirm, start, the batch that claims each budget), its sends recorded
    as the job records WeChat's answers (the simulator is not up while the demo loads): three sent,
    one within the budget, one unsubscribed, one outside the 48 hours. Two followers wrote to the
    account through the real message handler: one conversation unread, one answered."""
    from wechatpy import parse_message

    from crm.models.campaigns import Campaign, CampaignDelivery, CampaignSettings
    from crm.models.profiles import CustomerProfile, Segment
    from crm.services import campaigns
    from wechat.models import (
        Conversation,
        CustomerServiceMessage,
        Follower,
        InboundMessage,
        WeChatAccount,
        WeChatIdentity,
    )
    from wechat.services import message_handle

    account = WeChatAccount.objects.filter(shop=shop).first()
    if shop.slug != "demo" or account is None or Campaign.objects.filter(shop=shop).exists():
        return
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    sent_at = datetime.combine(
        timezone.localdate() - timedelta(days=1), time(10), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    CampaignSettings.objects.get_or_create(shop=shop)
    segment, _ = Segment.objects.get_or_create(shop=shop, name="全部客户", defaults={"filters": {}})
    fans = [  # (openid, nickname, hours before the send they last wrote, budget, unsubscribed)
        ("o-demo-fan-1", "王女士", 2, None, False),
        ("o-demo-fan-2", "陈先生", 5, None, False),
        ("o-demo-fan-3", "", 20, None, False),
        ("o-demo-fan-4", "", 3, sent_at - timedelta(days=1), False),
        ("o-demo-fan-5", "", 1, None, True),
        ("o-demo-fan-6", "", 96, None, False),
    ]
    for openid, nickname, hours, last_marketing, opted_out in fans:
        Follower.objects.get_or_create(
            shop=shop, openid=openid,
            defaults={"subscribed_at": sent_at - timedelta(days=20), "last_interaction_at": sent_at - timedelta(hours=hours)},
        )  # fmt: skip
        user = None
        if nickname:
            user = User.objects.filter(username=f"demo_{openid[-5:]}").first()
            if user is None:
                user = User(username=f"demo_{openid[-5:]}", nickname=nickname)
                user.set_unusable_password()
                user.save()
                result.add("users")
            WeChatIdentity.objects.get_or_create(
                appid=account.appid,
                openid=openid,
                defaults={"user": user, "kind": "account", "nickname": nickname},
            )
        profile = CustomerProfile.objects.filter(shop=shop, oa_openid=openid).first() or (
            CustomerProfile.objects.filter(shop=shop, user=user).first() if user else None
        )
        if profile is None:
            profile = CustomerProfile.objects.create(shop=shop, user=user, oa_openid=openid, is_follower=True)
        CustomerProfile.objects.filter(pk=profile.pk).update(
            last_marketing_at=last_marketing,
            marketing_opt_out_at=sent_at - timedelta(days=3) if opted_out else None,
        )
    product = Product.objects.filter(shop=shop, status=Product.Status.ON_SALE).order_by("pk").first()
    campaign = campaigns.campaign_save(campaign=Campaign(
        shop=shop, name="双十二预热", segment=segment,
        text="双十二预热：关注的老朋友专享，羊毛围巾第二条半价，本周日截止。",
        link_kind=Campaign.LinkKind.PRODUCT if product else Campaign.LinkKind.PAGE,
        product=product, page="" if product else Campaign.Page.HOME,
    ))  # fmt: skip
    campaigns.campaign_schedule(shop=shop, campaign_id=campaign.pk, now=sent_at - timedelta(minutes=5))
    campaigns.campaigns_start_due(now=sent_at)
    while campaigns.campaign_build_batch(campaign_id=campaign.pk, now=sent_at):
        pass
    # what WeChat answered (customer-service messages inside the 48 hours: taken)
    CampaignDelivery.objects.filter(campaign=campaign, status=CampaignDelivery.Status.PENDING).update(
        status=CampaignDelivery.Status.SENT,
        sent_at=sent_at + timedelta(seconds=3),
        attempts=1,
        next_attempt_at=None,
    )
    campaigns.campaigns_finish(now=sent_at + timedelta(minutes=1))
    result.add("campaigns")

    site = campaigns.site_url()
    now = timezone.now()
    for n, (openid, text, minutes) in enumerate(
        [
            ("o-demo-fan-2", "请问羊毛围巾什么时候发货？", 90),
            ("o-demo-fan-1", "围巾有灰色的吗？想买两条送人。", 20),
        ],
        start=1,
    ):
        created = int((now - timedelta(minutes=minutes)).timestamp())
        xml = (f"<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{text}]]></Content><MsgId>{9100000000 + n}</MsgId></xml>")  # fmt: skip
        message_handle(account=account, message=parse_message(xml), site_url=site)
        at = now - timedelta(minutes=minutes)  # when they wrote (the handler stamps the moment it ran)
        InboundMessage.objects.filter(shop=shop, from_openid=openid).update(created_at=at)
        Conversation.objects.filter(shop=shop, openid=openid).update(last_message_at=at)
        Follower.objects.filter(shop=shop, openid=openid).update(last_interaction_at=at)
    answered = Conversation.objects.get(shop=shop, openid="o-demo-fan-2")
    reply = CustomerServiceMessage.objects.create(
        shop=shop, conversation=answered, openid=answered.openid, status=CustomerServiceMessage.Status.SENT,
        content="您好，今天下午 4 点前的订单当天发顺丰，明天就能到。",
    )  # fmt: skip
    replied_at = now - timedelta(minutes=80)
    CustomerServiceMessage.objects.filter(pk=reply.pk).update(created_at=replied_at)
    Conversation.objects.filter(pk=answered.pk).update(
        unread_count=0, last_read_at=replied_at, last_message_at=replied_at,
        last_message_preview="[回复] 您好，今天下午 4 点前的订单当天发顺丰，明天就能到。",
    )  # fmt: skip
    from django.conf import settings

    if settings.WECHAT_SIMULATOR:  # WeChat (the simulator) saw them write: the inbox can answer them
        from devtools.wechat_sim.views import follower_interacted

        for openid, minutes in (("o-demo-fan-1", 20), ("o-demo-fan-2", 90)):
            wrote = (now - timedelta(minutes=minutes)).timestamp()
            follower_interacted(appid=account.appid, openid=openid, at=wrote, subscribed=True)
    result.add("inbox conversations", 2)


def _members(shop: Shop, result: DemoResult) -> None:
    """Members and points on for the demo shop: 普通 / 银卡 (¥500, 9.5 折) / 金卡 (¥2000, 9 折), 1 point
    per yuan, 100 points = ¥1 for up to 50% of an order, a year's validity; and a member, ``member``
    (小美: log in with the development login as “member”), with ¥680 spent and 1,280 points — once:
    a shop with member settings is left as it is."""
    from crm.models.members import MemberLevel, MemberSettings
    from crm.models.profiles import CustomerProfile
    from crm.services.members import member_levels_recompute, points_adjust
    from crm.services.profiles import profile_for_user

    if shop.slug != "demo" or MemberSettings.objects.filter(shop=shop).exists():
        return
    for name, threshold_fen, percent in (("普通", 0, 100), ("银卡", 50000, 95), ("金卡", 200000, 90)):
        MemberLevel.objects.get_or_create(
            shop=shop, name=name, defaults={"threshold_fen": threshold_fen, "discount_percent": percent}
        )
    MemberSettings.objects.create(
        shop=shop, points_enabled=True, earn_per_yuan=1, points_per_yuan=100, max_percent=50, expire_days=365
    )
    user = User.objects.filter(username="member").first()
    if user is None:
        user = User(username="member", nickname="小美")
        user.set_unusable_password()  # a shopper: phone code or the development login
        user.save()
        result.add("users")
    profile = profile_for_user(shop_id=shop.pk, user_id=user.pk)
    CustomerProfile.objects.filter(pk=profile.pk, spent_fen=0).update(spent_fen=68000)  # as if bought before
    member_levels_recompute(shop=shop)
    points_adjust(shop=shop, profile_id=profile.pk, points=1280, reason="新会员礼包", actor=None)
    result.add("members")


DEMO_REVIEWS = [
    # (username, nickname, SKU specs, stars, text, anonymous, with a photo, the shop's reply)
    ("reviewer", "林小满", "颜色:白 尺码:M", 5, "面料很软，洗了两次没有变形也不起球。160cm 50kg 穿 M 刚好，白色不透。",
     False, True, "谢谢林小姐的晒图！白色建议冷水手洗，能保持更久。"),
    ("reviewer2", "阿杰", "颜色:黑 尺码:XL", 4, "版型不错，黑色很正。领口稍微有点紧，整体满意，会回购。", False, False, ""),
    ("reviewer3", "陈先生", "颜色:雾蓝 尺码:XL", 2, "颜色比图片深一些，偏小半码，建议买大一号。", True, False,
     "抱歉让您失望了，已安排客服联系您换货。"),
]  # fmt: skip


def _reviews(shop: Shop, result: DemoResult) -> None:
    """Three buyers of the demo shop's 纯棉圆领T恤 with a completed order each (placed, paid, shipped
    and received through the real services) and their reviews: one with a photo and the shop's
    reply, one anonymous with a reply (once: a shop that has any review is left as it is). The
    buyers are shoppers: log in with the development login as “reviewer”."""
    from accounts.models import Address
    from orders import services as order_services
    from reviews.models import Review
    from reviews.services import review_create, review_reply

    product = Product.objects.filter(shop=shop, title="纯棉圆领T恤").first()
    if shop.slug != "demo" or product is None or Review.objects.filter(shop=shop).exists():
        return
    owner = User.objects.filter(username="demo").first()
    for username, nickname, spec, stars, text, anonymous, with_photo, reply in DEMO_REVIEWS:
        sku = SKU.objects.filter(product=product, spec_text=spec, is_active=True, stock__gt=0).first()
        if sku is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, nickname=nickname)
            user.set_unusable_password()  # a shopper: phone code or the development login
            user.save()
            result.add("users")
        address = Address.objects.filter(user=user).first() or Address.objects.create(
            user=user, recipient=nickname, phone="13800138000", province_code="310000", city_code="310100",
            district_code="310104", province="上海市", city="上海市", district="徐汇区", detail="漕溪北路 88 号",
        )  # fmt: skip
        order = order_services.order_place(
            shop=shop,
            user=user,
            items=[(sku.pk, 1)],
            address_id=address.pk,
            options={"coupon_claim_id": "none"},
        )
        order_services.order_mark_paid(order=order, amount_fen=order.total_fen)
        order_services.order_ship(
            shop=shop, order_no=order.order_no, carrier="sf", tracking_no=f"SF{order.pk:010d}", actor=None
        )
        order_services.order_confirm_receipt(order=order, user=user)
        photos = []
        if with_photo:
            picture = make_demo_image("买家晒图", color=COLORS["白"], size=600, kind="tee")
            photos = [ContentFile(picture, name="buyer.jpg")]
        made = review_create(
            shop=shop, user=user, order_no=order.order_no, line_id=order.lines.get().pk, rating=stars, text=text,
            is_anonymous=anonymous, photos=photos,
        )  # fmt: skip
        if reply:
            review_reply(shop=shop, review_id=made.pk, text=reply, actor=owner)
        result.add("reviews")


DASHBOARD_DAYS = 21


def _dashboard_history(shop: Shop, result: DemoResult) -> None:
    """Three weeks of business for the demo shop's dashboard (analytics): orders of a dozen demo
    shoppers through its two channels and none — most completed, some cancelled unpaid, a few
    refunded — written as history (no stock taken, no messages sent), the day's visit figures
    beside them, then the order figures rolled up from those orders as the job does (once: a shop
    with daily figures is left as it is)."""
    import random

    from analytics.models import ChannelDailyFigure, DailyFigure, ProductDailyFigure
    from analytics.services import local_midnight, orders_figures_recompute
    from marketing.models import Channel, ChannelDayStat
    from orders.models import AfterSale, Order, OrderLine, OrderStatus

    if shop.slug != "demo" or DailyFigure.objects.filter(shop=shop).exists():
        return
    pick = random.Random(20261212)  # noqa: S311 (demo figures, the same every time)
    skus = list(
        SKU.objects.filter(shop=shop, is_active=True, product__status=Product.Status.ON_SALE)
        .select_related("product")
        .order_by("pk")
    )
    if not skus:
        return
    buyers = []
    for n in range(1, 13):
        buyer = User.objects.filter(username=f"demo_buyer_{n}").first()
        if buyer is None:
            buyer = User(username=f"demo_buyer_{n}", nickname=f"演示顾客{n}")
            buyer.set_unusable_password()
            buyer.save()
            result.add("users")
        buyers.append(buyer)
    channels = ["", "", "pyq-1212", "mama-group"]
    channel_of = {channel.code: channel for channel in Channel.objects.filter(shop=shop, code__in=channels)}
    today = timezone.localdate()
    with transaction.atomic():
        now = timezone.now()
        for back in range(DASHBOARD_DAYS, -1, -1):  # today too, up to now
            day = today - timedelta(days=back)
            weekend = day.weekday() >= 5
            orders_today = pick.randint(3, 6) + (3 if weekend else 0)
            if back == 0:
                orders_today = max(
                    1, orders_today * max(now - local_midnight(day), timedelta(0)).seconds // 86400
                )
            seen_products: dict[int, int] = {}
            for _ in range(orders_today):
                buyer, sku = pick.choice(buyers), pick.choice(skus)
                quantity = pick.choice([1, 1, 1, 2])
                placed = local_midnight(day) + timedelta(
                    hours=pick.randint(8, 22), minutes=pick.randint(0, 59)
                )
                if placed > now - timedelta(hours=1):  # today's: earlier than now
                    placed = now - timedelta(minutes=pick.randint(61, 120))
                fate = pick.random()
                goods = sku.price_fen * quantity
                free = shop.free_shipping_min_fen is not None and goods >= shop.free_shipping_min_fen
                total = goods + (0 if free else shop.shipping_fee_fen)
                paid = fate >= 0.12
                order = Order.objects.create(
                    shop=shop,
                    user=buyer,
                    status=OrderStatus.CANCELLED if not paid else OrderStatus.COMPLETED,
                    goods_fen=sku.price_fen * quantity,
                    shipping_fen=total - sku.price_fen * quantity,
                    total_fen=total,
                    paid_fen=total if paid else 0,
                    recipient=buyer.nickname,
                    phone=f"1380000{buyers.index(buyer):04d}",
                    province="上海市",
                    city="上海市",
                    district="黄浦区",
                    address_detail="南京东路 100 号",
                    channel_code=pick.choice(channels),
                    pay_deadline=placed + timedelta(minutes=30),
                )
                OrderLine.objects.create(
                    order=order,
                    sku=sku,
                    product_id_snapshot=sku.product_id,
                    title=sku.product.title,
                    spec_text=sku.spec_text,
                    sku_code=sku.code,
                    unit_price_fen=sku.price_fen,
                    quantity=quantity,
                    total_fen=sku.price_fen * quantity,
                )
                stamps: dict[str, object] = {"created_at": placed, "updated_at": placed}
                if paid and back >= 4:
                    stamps |= {
                        "paid_at": placed + timedelta(minutes=3),
                        "shipped_at": placed + timedelta(hours=20),
                        "completed_at": placed + timedelta(days=3),
                    }
                elif paid:  # recent: paid, not yet shipped
                    stamps |= {"paid_at": placed + timedelta(minutes=3), "status": OrderStatus.PAID}
                else:
                    stamps["cancelled_at"] = placed + timedelta(minutes=30)
                if paid and fate < 0.2 and back >= 2:  # refunded, in full or in part, a day later
                    amount = total if fate < 0.16 else total // 3
                    after_sale = AfterSale.objects.create(
                        shop=shop,
                        order=order,
                        kind=AfterSale.Kind.REFUND_ONLY,
                        status=AfterSale.Status.REFUNDED,
                        reason="不想要了",
                        amount_fen=amount,
                        refunded_at=placed + timedelta(days=1),
                    )
                    AfterSale.objects.filter(pk=after_sale.pk).update(created_at=placed + timedelta(hours=5))
                    stamps["refunded_fen"] = amount
                    if amount == total:
                        stamps["status"] = OrderStatus.CLOSED
                Order.objects.filter(pk=order.pk).update(**stamps)
                seen_products[sku.product_id] = seen_products.get(sku.product_id, 0) + 1
            visitors = orders_today * pick.randint(9, 14)
            if back == 0:
                visitors = max(visitors // 3, 5)  # the day has only begun
            DailyFigure.objects.create(
                shop=shop,
                day=day,
                visitors=visitors,
                page_views=visitors * pick.randint(3, 5),
                product_visitors=visitors * 6 // 10,
                product_views=visitors * 2,
                cart_visitors=visitors // 5,
                cart_adds=visitors // 4,
            )
            shares = {"": 5, "pyq-1212": 3, "mama-group": 2}
            ChannelDayStat.objects.bulk_create(  # marketing's link opens: a little more than who stayed
                ChannelDayStat(
                    shop=shop,
                    channel=channel_of[code],
                    day=day,
                    visits=visitors * share * 12 // 100,
                    visitors=visitors * share // 10,
                )
                for code, share in shares.items()
                if code in channel_of
            )
            ChannelDailyFigure.objects.bulk_create(
                ChannelDailyFigure(
                    shop=shop,
                    day=day,
                    channel_code=code,
                    visitors=visitors * share // 10,
                    page_views=visitors * share * 4 // 10,
                    product_visitors=visitors * share * 6 // 100,
                    product_views=visitors * share * 2 // 10,
                    cart_visitors=visitors * share // 50,
                    cart_adds=visitors * share // 40,
                )
                for code, share in shares.items()
            )
            for sku in pick.sample(skus, min(8, len(skus))):
                seen_products.setdefault(sku.product_id, 0)
            ProductDailyFigure.objects.bulk_create(
                ProductDailyFigure(
                    shop=shop,
                    day=day,
                    product_id=pid,
                    views=bought * 12 + pick.randint(5, 30),
                    cart_adds=bought * 2 + pick.randint(0, 4),
                )
                for pid, bought in seen_products.items()
            )
        orders_figures_recompute(
            since=today - timedelta(days=DASHBOARD_DAYS), until=today, shop_ids=[shop.pk]
        )
    result.add("dashboard days", DASHBOARD_DAYS)
