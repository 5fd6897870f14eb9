"""Abstract base models every app builds on. ``core`` is not an installed app: it holds no tables,
only the columns that tables across the project share."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """``created_at`` / ``updated_at``, set by Django on insert and on every save."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class TransitionEvent(models.Model):
    """One entry of a status history (an order's timeline, an after-sale's steps, a payment's or
    refund's changes): who did it (``actor_kind`` and, for a person, ``actor``), when, and any data.
    Each subclass adds its subject, its ``actor_kind`` choices, its statuses and its message. Rows
    are written by the app's one transition function, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
