"""Our admin site: Chinese titles and, for a merchant, the index: a "what to do first" checklist
while a shop is setting up, and the shop's dashboard (``analytics.dashboard``: visitors, the
funnel, sales per day and per channel; docs/analytics.md) (installed by
``config.admin_apps.WeiShopAdminConfig`` in place of ``django.contrib.admin``). It is project code:
the checklist reads catalog and payments, so it lives in config, above every app."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def shop_checklist(shop) -> list[dict]:
    """The first steps of a new shop, each ticked from the shop's data (six queries)."""
    from catalog.models import SKU, Category, Product
    from payments.models import WeChatPayConfig

    products = Product.objects.filter(shop=shop)
    priced = SKU.objects.filter(shop=shop, is_active=True, price_fen__gt=0, stock__gt=0).exists()
    pay_config = WeChatPayConfig.objects.filter(shop=shop).values_list("pk", flat=True).first()
    return [
        {
            "label": _("完善店铺资料并提交认证"),
            "done": shop.verification in (shop.Verification.PENDING, shop.Verification.VERIFIED),
            "url": reverse("admin:shop_shop_change", args=[shop.pk]),
        },
        {
            "label": _("创建商品分类"),
            "done": Category.objects.filter(shop=shop).exists(),
            "url": reverse("admin:catalog_category_add"),
        },
        {
            "label": _("添加第一个商品"),
            "done": products.exists(),
            "url": reverse("admin:catalog_product_add"),
        },
        {
            "label": _("填写规格，设置价格和库存"),
            "done": priced,
            "url": reverse("admin:catalog_sku_changelist"),
        },
        {
            # Orders are refused until this is done (payment_require_configured).
            "label": _("开通微信支付（开通前顾客无法下单）"),
            "done": pay_config is not None,
            "url": reverse("admin:payments_wechatpayconfig_change", args=[pay_config])
            if pay_config
            else reverse("admin:payments_wechatpayconfig_add"),
        },
        {
            "label": _("上架商品"),
            "done": products.filter(status=Product.Status.ON_SALE).exists(),
            "url": reverse("admin:catalog_product_changelist"),
        },
        {"label": _("打开店铺看看"), "done": None, "url": reverse("h5:home", args=[shop.slug])},
    ]


class WeiShopAdminSite(admin.AdminSite):
    site_header = gettext_lazy("WeiShop 商家后台")
    site_title = gettext_lazy("WeiShop 商家后台")
    index_title = gettext_lazy("店铺管理")
    index_template = "admin/weishop_index.html"

    def _build_app_dict(self, request, label=None):
        """The menu's link of a model goes where its admin says (``menu_url(request)``, e.g. a
        shop's one settings row), else to its list."""
        app_dict = super()._build_app_dict(request, label)
        apps = [app_dict] if label else app_dict.values()
        for app in apps:
            for model_dict in app.get("models", []):
                menu_url = getattr(self._registry.get(model_dict["model"]), "menu_url", None)
                url = menu_url(request) if menu_url is not None and model_dict.get("admin_url") else None
                if url:
                    model_dict["admin_url"] = url
        return app_dict

    def index(self, request, extra_context=None):
        from shop.models import Shop

        extra_context = extra_context or {}
        if not request.user.is_superuser:
            from analytics.dashboard import dashboard_context

            shops = list(Shop.objects.filter(memberships__user=request.user).order_by("pk"))
            # the first steps of a shop still setting up; a shop that has done them all has the dashboard alone
            checklists = [(shop, shop_checklist(shop)) for shop in shops]
            extra_context["shop_checklists"] = [
                (shop, steps) for shop, steps in checklists if any(step["done"] is False for step in steps)
            ]
            if shops:
                extra_context["dashboard"] = dashboard_context(request.GET, shops=shops)
        else:
            extra_context["pending_shops"] = Shop.objects.filter(
                verification=Shop.Verification.PENDING
            ).count()
        return super().index(request, extra_context)
