"""People: shoppers and shop staff share one user model (custom from the first migration)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import regions
from core.uploads import ImageUploadField


class User(AbstractUser):
    """A person. Shop staff reach admin through ``shop.ShopMember``; shoppers never do."""

    nickname = models.CharField(_("昵称"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Set when the shopper deleted their account (accounts.privacy.account_erase): the row stays,
    # because the merchants' orders point at it, but it names nobody any more.
    erased_at = models.DateTimeField(_("注销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return str(_("已注销用户"))
        return self.nickname or self.get_full_name() or self.username

    def __str__(self) -> str:
        """What admin shows for a person (an order's buyer, a timeline's actor): the name they go by,
        their login name beside it when it differs."""
        name = self.display_name
        return name if name == self.username else f"{name}（{self.username}）"


MOBILE_VALIDATOR = RegexValidator(r"^1[3-9]\d{9}$", _("请输入有效的 11 位手机号码。"))


class Address(models.Model):
    """A shopper's delivery address (their own: never visible to other shoppers)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("用户"))
    recipient = models.CharField(_("收货人"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=11, validators=[MOBILE_VALIDATOR])
    # The region is chosen by code (accounts/regions.py); the names are copied from the codes by
    # ``accounts.services.address_save``, never typed. An address migrated from free text whose
    # names matched no code keeps its text with the code empty until the shopper picks again.
    province_code = models.CharField(_("省份代码"), max_length=6, blank=True)
    city_code = models.CharField(_("城市代码"), max_length=6, blank=True)
    district_code = models.CharField(_("区县代码"), max_length=6, blank=True)
    province = models.CharField(_("省"), max_length=32, blank=True)
    city = models.CharField(_("市"), max_length=32, blank=True)
    district = models.CharField(_("区/县"), max_length=32, blank=True)
    detail = models.CharField(_("详细地址"), max_length=255)
    is_default = models.BooleanField(_("默认地址"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("收货地址")
        verbose_name_plural = _("收货地址")
        ordering = ["-is_default", "-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="address_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.region_text}{self.detail}"

    @property
    def region_text(self) -> str:
        """北京市东城区 (a municipality's city is not repeated), 广东省东莞市, 新疆维吾尔自治区乌鲁木齐市天山区."""
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.district}"

    @property
    def region_complete(self) -> bool:
        """Whether the codes name a whole province → city → district chain (False for an address
        migrated from text that the shopper has yet to pick again)."""
        return regions.is_complete(
            province_code=self.province_code, city_code=self.city_code, district_code=self.district_code
        )


class PhoneLoginCode(models.Model):
    """A one-time login code sent by SMS to a mainland mobile number (shopper login outside WeChat).

    The code itself is never stored: ``code_hash`` is an HMAC (keyed by ``SECRET_KEY``) of the number
    and the code. Only the newest code of a number works; it dies when used, when it expires, or after
    ``MAX_ATTEMPTS`` wrong guesses. The rows double as the log the send rate limits count."""

    MAX_ATTEMPTS = 5

    phone = models.CharField(_("手机号"), max_length=11)
    code_hash = models.CharField(_("验证码摘要"), max_length=128)
    ip = models.GenericIPAddressField(_("请求 IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)

    class Meta:
        verbose_name = _("短信登录验证码")
        verbose_name_plural = _("短信登录验证码")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="phonecode_phone_created"),
            models.Index(fields=["ip", "-created_at"], name="phonecode_ip_created"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M:%S}"


class PhotoUpload(models.Model):
    """A picture a shopper uploaded ahead of the form that uses it (a review, an after-sales
    request, a complaint), for clients such as the mini-program whose ``wx.uploadFile`` sends one
    file per call. It belongs to its uploader in one shop only: the form that names its ``id``
    takes the file over (the row goes, the stored file becomes the form's photo); one nobody
    used goes, with its file, once ``expires_at`` has passed (``photo_uploads_purge_due``).
    Stored under the project's upload rule (core.uploads: checked, re-encoded, renamed)."""

    shop = models.ForeignKey("shop.Shop", on_delete=models.CASCADE, related_name="+", verbose_name=_("店铺"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户"))
    image = ImageUploadField(_("图片"), upload_to="uploads/photos/%Y/%m/")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))

    class Meta:
        verbose_name = _("待使用的上传图片")
        verbose_name_plural = _("待使用的上传图片")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "shop", "expires_at"], name="photoupload_owner"),
            models.Index(fields=["expires_at"], name="photoupload_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.pk or ''} {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else str(self.pk or "")
