"""The tenant: a Shop, the people who run it, and its verified business details."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.money import MoneyField
from core.uploads import ImageUploadField

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$",
    _("店铺地址只能使用小写字母、数字和连字符，3–32 位，且不能以连字符开头或结尾。"),
)
RESERVED_SLUGS = frozenset({"admin", "api", "static", "media", "merchant", "www", "shop", "s", "wechat"})


class Shop(TimeStampedModel):
    class Verification(models.TextChoices):
        NONE = "none", _("未提交")
        PENDING = "pending", _("待审核")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("未通过")

    slug = models.SlugField(
        _("店铺地址"),
        max_length=32,
        unique=True,
        validators=[SLUG_VALIDATOR],
        help_text=_("出现在店铺链接中，例如 /s/demo/"),
    )
    name = models.CharField(_("店铺名称"), max_length=64)
    intro = models.CharField(_("店铺简介"), max_length=200, blank=True)
    logo = ImageUploadField(_("店铺标志"), upload_to="shops/logo/", blank=True)
    is_active = models.BooleanField(
        _("营业中"), default=True, help_text=_("平台可暂停店铺；暂停后顾客无法访问。")
    )

    # Verified business details: shown to shoppers so they know who they buy from.
    company_name = models.CharField(_("经营主体名称"), max_length=128, blank=True)
    licence_no = models.CharField(_("营业执照号（统一社会信用代码）"), max_length=32, blank=True)
    business_address = models.CharField(_("经营地址"), max_length=255, blank=True)
    service_phone = models.CharField(_("客服电话"), max_length=32, blank=True)
    return_policy = models.TextField(_("退换货政策"), blank=True)
    verification = models.CharField(
        _("认证状态"), max_length=16, choices=Verification.choices, default=Verification.NONE
    )
    verification_note = models.CharField(_("审核意见"), max_length=255, blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)

    # Order settings (orders app): payment window, shipping fees, confirmation and after-sales periods.
    pay_timeout_minutes = models.PositiveIntegerField(
        _("支付时限（分钟）"), default=30, help_text=_("下单后多久未支付自动取消并释放库存")
    )
    auto_confirm_days = models.PositiveIntegerField(
        _("自动确认收货（天）"), default=10, help_text=_("发货后多少天顾客未确认收货，系统自动确认")
    )
    after_sale_days = models.PositiveIntegerField(
        _("售后期限（天）"), default=7, help_text=_("确认收货后多少天内可申请售后")
    )
    after_sale_response_hours = models.PositiveIntegerField(
        _("售后处理时限（小时）"),
        default=48,
        help_text=_(
            "商家应在多少小时内处理售后申请；超时未处理，系统自动同意（仅退款直接退款，退货退款向顾客显示退货地址）"
        ),
    )
    shipping_fee_fen = MoneyField(
        _("运费（元）"), default=0, help_text=_("全国统一运费；可在“地区运费”中为偏远地区单独设置")
    )
    free_shipping_min_fen = MoneyField(
        _("满额包邮（元）"),
        null=True,
        blank=True,
        help_text=_("订单商品金额达到该金额免运费；留空表示不包邮"),
    )
    tracking_webhook_secret = models.CharField(
        _("物流推送密钥"), max_length=64, blank=True, help_text=_("物流服务商推送签名用的密钥（HMAC-SHA256）")
    )

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ShopMember", related_name="shops", verbose_name=_("成员")
    )

    # Which details a change of resets the verification (the operator checks them again).
    VERIFIED_FIELDS = ("company_name", "licence_no", "business_address")

    class Meta:
        verbose_name = _("店铺")
        verbose_name_plural = _("店铺")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def has_business_details(self) -> bool:
        return all(getattr(self, name) for name in (*self.VERIFIED_FIELDS, "service_phone"))


class ShopMember(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("店主")
        STAFF = "staff", _("店员")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("店铺")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shop_memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("店铺成员")
        verbose_name_plural = _("店铺成员")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="shop_member_unique")]

    def __str__(self) -> str:
        return f"{self.shop} · {self.user} ({self.get_role_display()})"
