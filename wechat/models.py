"""The WeChat platform around a shop: its official account and mini-program credentials, the
WeChat identities of shoppers, followers and QR scans, keyword replies, and order notifications.

Identities are per appid (an openid means nothing under another appid); a ``unionid``, when WeChat
gives one, ties the identities of one person across the shop's account and mini-program.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.fields import EncryptedTextField
from core.models import TimeStampedModel
from shop.models import Shop


class WeChatAccount(TimeStampedModel):
    """A shop's official account (公众号) and, optionally, its mini-program. Secrets are encrypted at
    rest and write-only in admin."""

    class Mode(models.TextChoices):
        SIMULATOR = "simulator", _("本地模拟（开发/演示）")
        LIVE = "live", _("微信（生产）")

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="wechat_account", verbose_name=_("店铺")
    )
    mode = models.CharField(_("模式"), max_length=16, choices=Mode.choices, default=Mode.LIVE)
    name = models.CharField(_("公众号名称"), max_length=64, blank=True)
    appid = models.CharField(_("公众号 AppID"), max_length=32, unique=True)
    secret = EncryptedTextField(_("公众号 AppSecret"))
    token = EncryptedTextField(_("消息校验 Token"))
    encoding_aes_key = EncryptedTextField(_("消息加解密密钥 EncodingAESKey"), blank=True)
    miniprogram_appid = models.CharField(_("小程序 AppID"), max_length=32, blank=True)
    miniprogram_secret = EncryptedTextField(_("小程序 AppSecret"), blank=True)
    miniprogram_home = models.CharField(
        _("小程序首页路径"), max_length=128, blank=True, default="pages/index/index"
    )

    welcome_message = models.TextField(
        _("关注回复"),
        blank=True,
        help_text=_("顾客关注公众号时收到的消息；留空使用默认欢迎语。可用 {shop_url}"),
    )
    default_reply = models.TextField(
        _("默认回复"),
        blank=True,
        help_text=_("没有匹配关键词时的回复；留空使用默认回复。可用 {shop_url}、{orders_url}"),
    )
    menu_published_at = models.DateTimeField(_("菜单发布时间"), null=True, blank=True)

    # Order notification templates: account template messages and mini-program subscribe messages.
    # Their data keys are fixed (docs/wechat.md#notifications): pick matching templates in WeChat.
    tpl_paid = models.CharField(_("公众号模板：支付成功"), max_length=64, blank=True)
    tpl_shipped = models.CharField(_("公众号模板：已发货"), max_length=64, blank=True)
    tpl_delivered = models.CharField(_("公众号模板：已签收"), max_length=64, blank=True)
    tpl_refunded = models.CharField(_("公众号模板：已退款"), max_length=64, blank=True)
    mp_tpl_paid = models.CharField(_("小程序订阅消息：支付成功"), max_length=64, blank=True)
    mp_tpl_shipped = models.CharField(_("小程序订阅消息：已发货"), max_length=64, blank=True)
    mp_tpl_delivered = models.CharField(_("小程序订阅消息：已签收"), max_length=64, blank=True)
    mp_tpl_refunded = models.CharField(_("小程序订阅消息：已退款"), max_length=64, blank=True)
    # Marketing (crm's campaigns): the mini-program's one-time subscribe message a shopper accepted
    # for the shop's news; data keys fixed in docs/wechat.md#customer-service-messages-and-the-inbox.
    mp_tpl_marketing = models.CharField(
        _("小程序订阅消息：活动通知"),
        max_length=64,
        blank=True,
        help_text=_(
            "营销活动消息用的一次性订阅消息模板；顾客每同意一次可收一条。留空则只通过公众号客服消息发送。"
        ),
    )
    tpl_after_sale = models.CharField(_("公众号模板：售后进度"), max_length=64, blank=True)
    mp_tpl_after_sale = models.CharField(_("小程序订阅消息：售后进度"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("公众号/小程序")
        verbose_name_plural = _("公众号/小程序")

    def __str__(self) -> str:
        return f"{self.shop} · {self.name or self.appid}"

    def clean(self) -> None:
        """Simulator mode only while the WeChat simulator is on (admin refuses it otherwise)."""
        super().clean()
        if self.mode == self.Mode.SIMULATOR and not settings.WECHAT_SIMULATOR:
            raise ValidationError({"mode": _("本地模拟器未开启（WECHAT_SIMULATOR），不能选择本地模拟模式。")})

    def _simulator_url(self) -> str:
        if not settings.WECHAT_SIMULATOR:
            raise ApplicationError(
                "simulator_off",
                gettext("店铺的公众号配置为本地模拟模式，但本地模拟器未开启。"),
                http_status=503,
            )
        return settings.WECHAT_SIMULATOR_URL.rstrip("/")

    @property
    def api_base_url(self) -> str:
        """Where this account's server-side API calls go: ``WECHAT_API_URL``
        (https://api.weixin.qq.com) for live accounts, ``WECHAT_SIMULATOR_URL`` for simulator ones
        (``ApplicationError("simulator_off")`` if that simulator is off)."""
        if self.mode == self.Mode.LIVE:
            return settings.WECHAT_API_URL.rstrip("/")
        return self._simulator_url()

    @property
    def web_base_url(self) -> str:
        """Where the shopper's browser goes for this account's pages (OAuth's authorize page, the
        JS-SDK): ``WECHAT_OPEN_URL`` for live accounts; for simulator ones the simulator's path on
        the host the page came from (a phone on the LAN cannot reach the loopback address the
        server's own calls use)."""
        if self.mode == self.Mode.LIVE:
            return settings.WECHAT_OPEN_URL.rstrip("/")
        return urlsplit(self._simulator_url()).path

    @property
    def jssdk_url(self) -> str:
        """The JS-SDK (``jweixin.js``) a page of this account loads: ``WECHAT_JSSDK_URL`` for live
        accounts, the simulator's copy for simulator ones."""
        if self.mode == self.Mode.LIVE:
            return settings.WECHAT_JSSDK_URL
        return f"{self.web_base_url}/jweixin.js"

    @property
    def has_miniprogram(self) -> bool:
        return bool(self.miniprogram_appid and self.miniprogram_secret)

    def template_for(self, *, channel: str, event: str) -> str:
        prefix = "tpl_" if channel == Notification.Channel.ACCOUNT else "mp_tpl_"
        return getattr(self, f"{prefix}{event}", "") or ""


class WeChatIdentity(TimeStampedModel):
    """One shopper as WeChat knows them under one appid (the account's or the mini-program's)."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("公众号")
        MINIPROGRAM = "miniprogram", _("小程序")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_identities",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("来源"), max_length=16, choices=Kind.choices)
    appid = models.CharField(_("AppID"), max_length=32)
    openid = models.CharField(_("OpenID"), max_length=64)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True, db_index=True)
    session_key = EncryptedTextField(_("会话密钥"), blank=True)  # mini-program; never leaves the server
    nickname = models.CharField(_("微信昵称"), max_length=64, blank=True)
    avatar_url = models.URLField(_("微信头像"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("微信身份")
        verbose_name_plural = _("微信身份")
        constraints = [models.UniqueConstraint(fields=["appid", "openid"], name="wechat_identity_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.openid}"


class Follower(TimeStampedModel):
    """Someone who follows (or followed) the shop's official account."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_followers", verbose_name=_("店铺")
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    is_subscribed = models.BooleanField(_("关注中"), default=True)
    subscribed_at = models.DateTimeField(_("关注时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("取消关注时间"), null=True, blank=True)
    first_scene = models.CharField(
        _("首次关注来源"), max_length=64, blank=True, help_text=_("通过带参数二维码关注时的场景值")
    )
    # WeChat lets the account send customer-service messages for 48 hours after the follower's last
    # message, menu click, follow or scan (wechat.customer_service: set by the message callback).
    last_interaction_at = models.DateTimeField(_("最近互动"), null=True, blank=True)

    class Meta:
        verbose_name = _("粉丝")
        verbose_name_plural = _("粉丝")
        ordering = ["-subscribed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "openid"], name="wechat_follower_unique")]

    def __str__(self) -> str:
        return self.openid


class ChannelQRCode(TimeStampedModel):
    """A parametric QR code (带参数二维码) for one channel: a poster in the store, a flyer, a partner."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_qrcodes", verbose_name=_("店铺")
    )
    name = models.CharField(_("渠道名称"), max_length=64)
    scene = models.CharField(
        _("场景值"), max_length=64, help_text=_("1–64 位字母、数字、下划线或连字符，扫码关注时回传")
    )
    is_permanent = models.BooleanField(_("永久二维码"), default=True)
    expire_days = models.PositiveSmallIntegerField(_("有效天数（临时码）"), default=30)
    ticket = models.CharField(_("二维码 ticket"), max_length=255, blank=True, editable=False)
    url = models.URLField(_("二维码内容"), max_length=500, blank=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("公众号带参二维码")
        verbose_name_plural = _("公众号带参二维码")
        constraints = [models.UniqueConstraint(fields=["shop", "scene"], name="wechat_qrcode_scene_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.scene})"


class QRScan(models.Model):
    """One scan of a parametric QR code: who, which scene, and whether it brought a new follower."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_scans", verbose_name=_("店铺")
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    scene = models.CharField(_("场景值"), max_length=64, db_index=True)
    is_new_follower = models.BooleanField(_("新关注"), default=False)
    created_at = models.DateTimeField(_("扫码时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scene} · {self.openid}"


class AutoReplyRule(TimeStampedModel):
    """A keyword the account answers by itself, e.g. "订单" → a link to my orders."""

    class Match(models.TextChoices):
        EXACT = "exact", _("完全匹配")
        CONTAINS = "contains", _("包含关键词")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_replies", verbose_name=_("店铺")
    )
    keyword = models.CharField(_("关键词"), max_length=30)
    match = models.CharField(_("匹配方式"), max_length=16, choices=Match.choices, default=Match.CONTAINS)
    reply = models.TextField(
        _("回复内容"), max_length=600, help_text=_("可用 {shop_url}、{orders_url}、{me_url}，发送时换成链接")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("优先级"), default=0, help_text=_("数字小的先匹配"))

    class Meta:
        verbose_name = _("关键词回复")
        verbose_name_plural = _("关键词回复")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "keyword"], name="wechat_reply_keyword_unique")
        ]

    def __str__(self) -> str:
        return self.keyword


class InboundMessage(models.Model):
    """A message or event pushed to the account's callback, kept once (WeChat retries 3 times)."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_messages", verbose_name=_("店铺")
    )

    class MsgType(models.TextChoices):
        TEXT = "text", _("文字")
        IMAGE = "image", _("图片")
        VOICE = "voice", _("语音")
        VIDEO = "video", _("视频")
        SHORTVIDEO = "shortvideo", _("小视频")
        LOCATION = "location", _("位置")
        LINK = "link", _("链接")
        EVENT = "event", _("事件")

    class Event(models.TextChoices):
        SUBSCRIBE = "subscribe", _("关注")
        SUBSCRIBE_SCAN = "subscribe_scan", _("扫码关注")
        UNSUBSCRIBE = "unsubscribe", _("取消关注")
        SCAN = "scan", _("扫码")
        CLICK = "click", _("点击菜单")
        VIEW = "view", _("打开菜单链接")
        LOCATION = "location", _("上报位置")

    dedup_key = models.CharField(_("去重键"), max_length=128)
    from_openid = models.CharField(_("OpenID"), max_length=64)
    msg_type = models.CharField(_("类型"), max_length=32, choices=MsgType.choices)
    event = models.CharField(_("事件"), max_length=32, blank=True, choices=Event.choices)
    content = models.TextField(_("内容"), blank=True)
    reply = models.TextField(_("回复"), blank=True)
    created_at = models.DateTimeField(_("收到时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("收到的消息")
        verbose_name_plural = _("收到的消息")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "dedup_key"], name="wechat_message_once")]
        indexes = [models.Index(fields=["shop", "from_openid", "-created_at"], name="wechat_message_thread")]

    def __str__(self) -> str:
        kind = self.get_event_display() if self.event else self.get_msg_type_display()
        return f"{kind} · {self.from_openid}"

    @property
    def preview(self) -> str:
        """What the inbox shows of it: the text, or the kind of message in brackets."""
        if self.msg_type == self.MsgType.TEXT:
            return self.content
        if self.msg_type == self.MsgType.EVENT:
            return f"[{self.get_event_display() or self.event}]"
        return f"[{self.get_msg_type_display()}]"


class Notification(TimeStampedModel):
    """One order notification to one shopper on one channel, for one order event: sent at most once."""

    class Channel(models.TextChoices):
        ACCOUNT = "account", _("公众号模板消息")
        MINIPROGRAM = "miniprogram", _("小程序订阅消息")

    class Event(models.TextChoices):
        PAID = "paid", _("支付成功")
        SHIPPED = "shipped", _("已发货")
        DELIVERED = "delivered", _("已签收")
        REFUNDED = "refunded", _("已退款")
        AFTER_SALE = "after_sale", _("售后进度")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        REFUSED = "refused", _("用户拒收")
        FAILED = "failed", _("发送失败")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_notifications", verbose_name=_("店铺")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("订单")
    )
    order_event = models.ForeignKey(
        "orders.OrderEvent", on_delete=models.CASCADE, related_name="+", verbose_name=_("订单动态")
    )
    event = models.CharField(_("事件"), max_length=16, choices=Event.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    openid = models.CharField(_("OpenID"), max_length=64)
    template_id = models.CharField(_("模板"), max_length=64)
    data = models.JSONField(_("内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    last_error = models.CharField(_("最近错误"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # a worker's claim while ``sending``: past this time the worker is taken for dead
    lease_until = models.DateTimeField(_("发送租约到期"), null=True, blank=True)
    lease_lapses = models.PositiveSmallIntegerField(_("发送中断次数"), default=0)

    class Meta:
        verbose_name = _("订单通知")
        verbose_name_plural = _("订单通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_event", "channel"], name="wechat_notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.get_event_display()} · {self.get_channel_display()}"


class MessageSubscription(TimeStampedModel):
    """What a shopper accepted in the mini-program's ``wx.requestSubscribeMessage``: each acceptance
    of a (one-time) subscribe-message template allows one message of it, and no more."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_subscriptions", verbose_name=_("店铺")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_subscriptions",
        verbose_name=_("用户"),
    )
    template_id = models.CharField(_("模板"), max_length=64)
    remaining = models.PositiveIntegerField(_("可发送次数"), default=0)

    class Meta:
        verbose_name = _("订阅消息授权")
        verbose_name_plural = _("订阅消息授权")
        constraints = [
            models.UniqueConstraint(fields=["shop", "user", "template_id"], name="wechat_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} × {self.remaining}"


class Conversation(TimeStampedModel):
    """The merchant's inbox: one thread per follower who wrote to the account (their
    ``InboundMessage`` rows and the shop's ``CustomerServiceMessage`` replies), newest first."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_conversations", verbose_name=_("店铺")
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    last_message_at = models.DateTimeField(_("最近消息时间"), db_index=True)
    last_message_preview = models.CharField(_("最近消息"), max_length=60, blank=True)
    unread_count = models.PositiveIntegerField(_("未读"), default=0)
    last_read_at = models.DateTimeField(_("最近查看"), null=True, blank=True)

    class Meta:
        verbose_name = _("客服消息")
        verbose_name_plural = _("客服消息")
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "openid"], name="wechat_conversation_unique")]
        indexes = [models.Index(fields=["shop", "-last_message_at"], name="wechat_conversation_recent")]

    def __str__(self) -> str:
        return str(_("与粉丝 %(who)s 的对话") % {"who": masked_openid(self.openid)})


class CustomerServiceMessage(models.Model):
    """A customer-service text message the shop sent to a follower from the inbox (kept whether
    WeChat took it or refused it, with WeChat's answer)."""

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="wechat_cs_messages", verbose_name=_("店铺")
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="replies", verbose_name=_("对话")
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    content = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    errcode = models.IntegerField(_("微信错误码"), null=True, blank=True)
    error = models.CharField(_("失败原因"), max_length=255, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回复人"),
    )
    created_at = models.DateTimeField(_("回复时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("客服回复")
        verbose_name_plural = _("客服回复")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} · {self.content[:20]}"


def masked_openid(openid: str) -> str:
    """An openid as a merchant reads it where no nickname is known: its last four characters."""
    return f"…{openid[-4:]}" if openid else "—"
