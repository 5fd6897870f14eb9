"""The tenant: a Shop, the people who run it, and its verified business details."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$",
    _("店铺地址只能使用小写字母、数字和连字符，3–32 位，且不能以连字符开头或结尾。"),
)
RESERVED_SLUGS = frozenset({"admin", "api", "static", "media", "merchant", "www", "shop", "s", "wechat"})


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


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
    logo = models.ImageField(_("店铺标志"), upload_to="shops/logo/", blank=True)
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
