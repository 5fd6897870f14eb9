"""People: shoppers and shop staff share one user model (custom from the first migration)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Shop staff reach admin through ``shop.ShopMember``; shoppers never do."""

    nickname = models.CharField(_("昵称"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        return self.nickname or self.get_full_name() or self.username
