"""The WeChat platform in admin: a shop's official account and mini-program (secrets write-only),
the account menu (previewed as the JSON that will be sent, published with one action), keyword
replies, channel QR codes, and read-only records (followers, scans, messages, notifications)."""

from __future__ import annotations

import re
from contextvars import ContextVar

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from shop.admin_base import ReadOnlyShopAdmin, ShopScopedAdmin
from shop.models import Shop
from wechat import customer_service, services
from wechat.models import (
    AutoReplyRule,
    ChannelQRCode,
    Conversation,
    Follower,
    InboundMessage,
    MessageSubscription,
    Notification,
    QRScan,
    WeChatAccount,
    WeChatIdentity,
    masked_openid,
)

SECRETS = {
    "secret": _("公众号 AppSecret"),
    "token": _("消息校验 Token"),
    "encoding_aes_key": _("消息加解密密钥 EncodingAESKey"),
    "miniprogram_secret": _("小程序 AppSecret"),
}
REQUIRED_SECRETS = ("secret", "token")
_current_request: ContextVar[HttpRequest | None] = ContextVar("wechat_admin_request", default=None)
APPID = re.compile(r"^wx[0-9A-Za-z]{14,30}$")


def site_url(request: HttpRequest) -> str:
    from django.conf import settings

    return settings.PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


class WeChatAccountForm(forms.ModelForm):
    """Secrets are never shown again: an empty box keeps the stored value."""

    class Meta:
        model = WeChatAccount
        fields = ["shop", "mode", "name", "appid", "secret", "token", "encoding_aes_key", "miniprogram_appid",
                  "miniprogram_secret", "miniprogram_home", "welcome_message", "default_reply",
                  "tpl_paid", "tpl_shipped", "tpl_delivered", "tpl_refunded", "tpl_after_sale",
                  "mp_tpl_paid", "mp_tpl_shipped", "mp_tpl_delivered", "mp_tpl_refunded", "mp_tpl_after_sale",
                  "mp_tpl_marketing"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECRETS.items():
            stored = bool(getattr(self.instance, name, ""))
            self.fields[name] = forms.CharField(
                label=label, required=name in REQUIRED_SECRETS and not stored,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password",
                                           "placeholder": _("已保存，留空不修改") if stored else ""}),
            )  # fmt: skip
            self.initial.pop(name, None)
        self.fields["secret"].help_text = _("公众平台 → 设置与开发 → 基本配置；保存后不再显示。")
        self.fields["token"].help_text = _("3–32 位字母或数字，与公众平台“服务器配置”一致。")
        self.fields["encoding_aes_key"].help_text = _("43 位；使用“安全模式”时必填。")

    def _keep(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        return value or getattr(self.instance, name, "") or ""

    def clean_appid(self) -> str:
        value = self.cleaned_data["appid"].strip()
        if not APPID.match(value):
            raise forms.ValidationError(_("AppID 以 wx 开头，如 wx1234567890abcdef。"))
        return value

    def clean_miniprogram_appid(self) -> str:
        value = self.cleaned_data["miniprogram_appid"].strip()
        if value and not APPID.match(value):
            raise forms.ValidationError(_("AppID 以 wx 开头，如 wx1234567890abcdef。"))
        return value

    def clean_secret(self) -> str:
        return self._keep("secret")

    def _typed(self, name: str) -> bool:
        """A new value was typed (an empty box keeps the stored one, which is not checked again:
        a merchant saving the form unchanged never sees an error on a box they left empty)."""
        return bool((self.cleaned_data.get(name) or "").strip())

    def clean_token(self) -> str:
        if self._typed("token") and not re.fullmatch(
            r"[A-Za-z0-9]{3,32}", self.cleaned_data["token"].strip()
        ):
            raise forms.ValidationError(_("Token 为 3–32 位字母或数字。"))
        return self._keep("token")

    def clean_encoding_aes_key(self) -> str:
        value = self.cleaned_data.get("encoding_aes_key") or ""
        if self._typed("encoding_aes_key") and not re.fullmatch(r"[A-Za-z0-9]{43}", value.strip()):
            raise forms.ValidationError(_("EncodingAESKey 为 43 位字母或数字。"))
        return self._keep("encoding_aes_key")

    def clean_miniprogram_secret(self) -> str:
        return self._keep("miniprogram_secret")

    def clean(self):
        data = super().clean()
        if data.get("miniprogram_appid") and not data.get("miniprogram_secret"):
            self.add_error("miniprogram_secret", _("填写小程序 AppID 时必须填写小程序 AppSecret。"))
        return data


@admin.register(WeChatAccount)
class WeChatAccountAdmin(ShopScopedAdmin):
    form = WeChatAccountForm
    list_display = ["shop", "name", "appid", "mode", "miniprogram_appid", "menu_published_at"]
    list_filter = ["mode", "shop"]
    readonly_fields = ["menu_preview", "menu_published_at", "server_url", "try_chat"]
    actions = ["publish_menu"]
    fieldsets = [
        (None, {"fields": ["shop", "mode", "name", "appid", "secret", "token", "encoding_aes_key", "server_url", "try_chat"]}),
        (_("小程序"), {"fields": ["miniprogram_appid", "miniprogram_secret", "miniprogram_home"]}),
        (_("自动回复"), {"fields": ["welcome_message", "default_reply"]}),
        (_("公众号菜单"), {"fields": ["menu_preview", "menu_published_at"],
                          "description": _("菜单由店铺页面自动生成；在列表页勾选后选择“发布公众号菜单”发送到微信。")}),
        (_("订单通知模板"), {"classes": ["collapse"], "fields": [
            "tpl_paid", "tpl_shipped", "tpl_delivered", "tpl_refunded", "tpl_after_sale",
            "mp_tpl_paid", "mp_tpl_shipped", "mp_tpl_delivered", "mp_tpl_refunded", "mp_tpl_after_sale"],
            "description": _("模板字段见文档 docs/wechat.md：未填写的事件不发送。")}),
        (_("营销消息"), {"classes": ["collapse"], "fields": ["mp_tpl_marketing"],
                        "description": _("营销活动（客户与会员 → 营销活动）发给 48 小时内与公众号互动过的粉丝用客服消息；"
                                         "其他顾客只有同意过这个订阅消息模板才能收到，每同意一次收一条。")}),
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.account_changed(shop=obj.shop)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.account_changed(shop=obj.shop)

    def delete_queryset(self, request, queryset):
        shops = [account.shop for account in queryset.select_related("shop")]
        super().delete_queryset(request, queryset)
        for shop in shops:
            services.account_changed(shop=shop)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Read-only fields below need the site's address; a ModelAdmin is shared between threads.
        token = _current_request.set(request)
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the request is known (a TemplateResponse renders late)
            return response
        finally:
            _current_request.reset(token)

    def _site(self) -> str:
        request = _current_request.get()
        from django.conf import settings

        return site_url(request) if request is not None else settings.PUBLIC_URL

    @admin.display(description=_("服务器地址（URL）"))
    def server_url(self, account: WeChatAccount) -> str:
        if not account.pk:
            return "-"
        from django.urls import reverse

        return f"{self._site()}{reverse('wechat-callback', args=[account.shop.slug])}"

    @admin.display(description=_("试用"))
    def try_chat(self, account: WeChatAccount) -> str:
        from django.conf import settings
        from django.urls import reverse

        if not (account.pk and account.mode == WeChatAccount.Mode.SIMULATOR and settings.WECHAT_SIMULATOR):
            return "-"
        url = reverse("wechat-sim-chat", args=[account.appid])
        return format_html(
            '<a href="{}" target="_blank">{}</a>', url, _("以粉丝身份给公众号发消息（本地模拟）")
        )

    @admin.display(description=_("菜单预览（将发送的 JSON）"))
    def menu_preview(self, account: WeChatAccount) -> str:
        if not account.pk:
            return _("保存后可预览。")
        try:
            menu = services.menu_build(account=account, site_url=self._site())
        except ApplicationError as exc:
            return exc.message
        return format_html('<pre class="menu-json">{}</pre>', services.menu_json(menu))

    @admin.action(description=_("发布公众号菜单"))
    def publish_menu(self, request: HttpRequest, queryset) -> None:
        for account in queryset.select_related("shop"):
            try:
                services.menu_publish(account=account, site_url=site_url(request))
            except ApplicationError as exc:
                self.message_user(request, f"{account}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(a)s：菜单已发布。") % {"a": account}, messages.SUCCESS)


@admin.register(AutoReplyRule)
class AutoReplyRuleAdmin(ShopScopedAdmin):
    list_display = ["keyword", "match", "short_reply", "is_active", "position", "shop"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active", "shop"]
    search_fields = ["keyword", "reply"]

    @admin.display(description=_("回复内容"))
    def short_reply(self, rule: AutoReplyRule) -> str:
        return rule.reply[:40]


class ChannelQRCodeForm(forms.ModelForm):
    class Meta:
        model = ChannelQRCode
        fields = ["shop", "name", "scene", "is_permanent", "expire_days"]

    def clean_scene(self) -> str:
        value = self.cleaned_data["scene"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
            raise forms.ValidationError(_("场景值为 1–64 位字母、数字、下划线或连字符。"))
        return value

    def clean_expire_days(self) -> int:
        value = self.cleaned_data["expire_days"]
        if not 1 <= value <= 30:
            raise forms.ValidationError(_("临时二维码最长 30 天。"))
        return value


@admin.register(ChannelQRCode)
class ChannelQRCodeAdmin(ShopScopedAdmin):
    form = ChannelQRCodeForm
    list_display = ["name", "scene", "is_permanent", "scans", "new_followers", "expires_at", "shop"]
    list_filter = ["is_permanent", "shop"]
    readonly_fields = ["qr_image", "url", "expires_at"]
    actions = ["issue"]

    def get_queryset(self, request):
        def count(**extra):
            scans = QRScan.objects.filter(shop_id=OuterRef("shop_id"), scene=OuterRef("scene"), **extra)
            counted = scans.order_by().values("scene").annotate(n=Count("pk")).values("n")[:1]
            return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

        return (
            super().get_queryset(request).annotate(scan_count=count(), new_count=count(is_new_follower=True))
        )

    @admin.display(description=_("扫码次数"), ordering="scan_count")
    def scans(self, qrcode: ChannelQRCode) -> int:
        return qrcode.scan_count

    @admin.display(description=_("带来新粉丝"), ordering="new_count")
    def new_followers(self, qrcode: ChannelQRCode) -> int:
        return qrcode.new_count

    @admin.display(description=_("二维码"))
    def qr_image(self, qrcode: ChannelQRCode) -> str:
        if not qrcode.url:
            return _("保存后在列表页选择“向微信申请二维码”。")
        return mark_safe(segno.make(qrcode.url, error="m").svg_inline(scale=5))  # noqa: S308 (our own SVG)

    def save_model(self, request, obj, form, change):
        if change and {"scene", "is_permanent", "expire_days"} & set(form.changed_data):
            obj.ticket, obj.url, obj.expires_at = "", "", None  # the old code no longer matches
        super().save_model(request, obj, form, change)

    @admin.action(description=_("向微信申请二维码"))
    def issue(self, request: HttpRequest, queryset) -> None:
        for qrcode in queryset:
            try:
                services.qrcode_issue(qrcode=qrcode)
            except ApplicationError as exc:
                self.message_user(request, f"{qrcode}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(q)s：二维码已生成。") % {"q": qrcode}, messages.SUCCESS)


@admin.register(Follower)
class FollowerAdmin(ReadOnlyShopAdmin):
    list_display = ["openid", "is_subscribed", "subscribed_at", "unsubscribed_at", "first_scene", "shop"]
    list_filter = ["is_subscribed", "shop"]
    search_fields = ["=openid", "first_scene"]


@admin.register(QRScan)
class QRScanAdmin(ReadOnlyShopAdmin):
    list_display = ["scene", "openid", "is_new_follower", "created_at", "shop"]
    list_filter = ["is_new_follower", "shop"]
    search_fields = ["=scene", "=openid"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyShopAdmin):
    list_display = ["created_at", "from_openid", "msg_type", "event", "content", "shop"]
    list_filter = ["msg_type", "shop"]
    search_fields = ["=from_openid", "content"]
    exclude = ["dedup_key"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyShopAdmin):
    list_display = ["order", "event", "channel", "status", "attempts", "sent_at", "last_error", "shop"]
    list_filter = ["status", "event", "channel", "shop"]
    search_fields = ["=order__order_no"]
    list_select_related = ["order", "shop"]


@admin.register(MessageSubscription)
class MessageSubscriptionAdmin(ReadOnlyShopAdmin):
    list_display = ["user", "template_id", "remaining", "updated_at", "shop"]
    list_filter = ["shop"]
    search_fields = ["=template_id"]
    list_select_related = ["user", "shop"]


# ---------------------------------------------------------------- the inbox (客服消息)


class UnreadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "unread"

    def lookups(self, request, model_admin):
        return [("1", _("未读")), ("0", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(unread_count__gt=0)
        if self.value() == "0":
            return queryset.filter(unread_count=0)
        return queryset


class ReplyForm(forms.Form):
    content = forms.CharField(
        label=_("回复"),
        max_length=customer_service.MAX_REPLY_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        error_messages={
            "required": _("请输入回复内容。"),
            "max_length": _("回复最多 %(limit_value)d 个字。"),
        },
    )


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyShopAdmin):
    """The inbox: one conversation per follower who wrote to the account, newest first, unread
    ones marked; opening one shows the thread (and marks it read) with a reply box that sends a
    customer-service message while WeChat's 48-hour window is open."""

    list_display = ["who", "preview", "unread", "last_message_at", "reply_window", "shop"]
    list_display_links = ["who", "preview"]
    fields = ["who", "reply_window", "last_message_at", "last_read_at"]
    readonly_fields = fields
    list_filter = [UnreadFilter, "shop"]
    search_fields = ["=openid", "last_message_preview"]
    actions = ["mark_read", "mark_unread"]

    def get_queryset(self, request: HttpRequest):
        appid = WeChatAccount.objects.filter(shop_id=OuterRef(OuterRef("shop_id"))).values("appid")[:1]
        identity = WeChatIdentity.objects.filter(openid=OuterRef("openid"), appid=Subquery(appid))
        follower = Follower.objects.filter(shop_id=OuterRef("shop_id"), openid=OuterRef("openid"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                nickname=Subquery(identity.values("user__nickname")[:1]),
                interacted_at=Subquery(follower.values("last_interaction_at")[:1]),
                follows=Subquery(follower.values("is_subscribed")[:1]),
            )
        )

    @admin.display(description=_("粉丝"), ordering="openid")
    def who(self, conversation: Conversation) -> str:
        return getattr(conversation, "nickname", "") or _("粉丝 %(o)s") % {
            "o": masked_openid(conversation.openid)
        }

    @admin.display(description=_("最近消息"))
    def preview(self, conversation: Conversation) -> str:
        return conversation.last_message_preview or "—"

    @admin.display(description=_("未读"), ordering="unread_count")
    def unread(self, conversation: Conversation) -> str:
        if not conversation.unread_count:
            return "—"
        return format_html('<strong class="weishop-unread">{}</strong>', conversation.unread_count)

    @admin.display(description=_("可回复"))
    def reply_window(self, conversation: Conversation) -> str:
        at = getattr(conversation, "interacted_at", None)
        if getattr(conversation, "follows", True) is False:
            return _("已取消关注")
        if customer_service.window_open(last_interaction_at=at):
            closes = customer_service.window_closes_at(at)
            return _("可回复（%(t)s 前）") % {"t": date_format(localtime(closes), "m-d H:i")}
        return _("已超过 48 小时")

    @admin.action(description=_("标记为已读"))
    def mark_read(self, request: HttpRequest, queryset) -> None:
        for shop_id in set(queryset.values_list("shop_id", flat=True)):
            customer_service.conversation_mark(
                shop=Shop.objects.get(pk=shop_id),
                conversation_ids=list(queryset.filter(shop_id=shop_id).values_list("pk", flat=True)),
                read=True,
            )
        self.message_user(request, _("已标记为已读。"), messages.SUCCESS)

    @admin.action(description=_("标记为未读"))
    def mark_unread(self, request: HttpRequest, queryset) -> None:
        for shop_id in set(queryset.values_list("shop_id", flat=True)):
            customer_service.conversation_mark(
                shop=Shop.objects.get(pk=shop_id),
                conversation_ids=list(queryset.filter(shop_id=shop_id).values_list("pk", flat=True)),
                read=False,
            )
        self.message_user(request, _("已标记为未读。"), messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/reply/", view(self.reply_view), name="wechat_conversation_reply"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """The thread instead of a form: opening it marks the conversation read."""
        conversation = self.get_object(request, unquote(object_id))
        if conversation is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, conversation):
            raise PermissionDenied
        if conversation.unread_count:
            customer_service.conversation_mark(
                shop=conversation.shop, conversation_ids=[conversation.pk], read=True
            )
        return self._thread_response(request, conversation, ReplyForm())

    def _thread_response(
        self, request: HttpRequest, conversation: Conversation, form: ReplyForm
    ) -> HttpResponse:
        is_open, closes = customer_service.follower_window(
            shop_id=conversation.shop_id, openid=conversation.openid
        )
        follows = Follower.objects.filter(
            shop_id=conversation.shop_id, openid=conversation.openid, is_subscribed=True
        ).exists()
        if not is_open:
            form.fields["content"].disabled = True
        model_form = self.get_form(request, conversation)(instance=conversation)
        summary = helpers.AdminForm(
            model_form, list(self.get_fieldsets(request, conversation)), {},
            self.get_readonly_fields(request, conversation), model_admin=self,
        )  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "adminform": summary,
            "title": self.who(conversation),
            "conversation": conversation,
            "thread": customer_service.conversation_thread(conversation=conversation),
            "form": form,
            "window_open": is_open,
            "window_closes": closes,
            "follows": follows,
            "reply_url": reverse("admin:wechat_conversation_reply", args=[conversation.pk]),
        }
        return TemplateResponse(request, "admin/wechat/conversation/thread.html", context)

    def reply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        conversation = self.get_object(request, unquote(object_id))
        if conversation is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self._thread_response(request, conversation, form)
        try:
            reply = customer_service.inbox_reply_send(
                shop=conversation.shop, conversation_id=conversation.pk,
                content=form.cleaned_data["content"], sender=request.user,
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error("content", exc.message)
            return self._thread_response(request, conversation, form)
        if reply.status == reply.Status.SENT:
            self.message_user(request, _("已回复。"), messages.SUCCESS)
        else:
            self.message_user(request, reply.error, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:wechat_conversation_change", args=[conversation.pk]))
