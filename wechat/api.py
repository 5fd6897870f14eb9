"""Mini-program sign-in: ``wx.login`` code → our API token; ``getPhoneNumber`` code → the shopper's
phone. WeChat's ``session_key`` stays on the server (encrypted); the client gets a token only."""

from __future__ import annotations

import requests
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from wechatpy.exceptions import WeChatException

from accounts.models import MOBILE_VALIDATOR, User
from core.api.errors import ErrorSerializer
from core.api.throttling import ClientIPScopedRateThrottle
from core.errors import ApplicationError
from shop.selectors import shop_get_public
from wechat import share
from wechat.client import miniprogram_client
from wechat.identity import identity_login
from wechat.models import WeChatAccount, WeChatIdentity
from wechat.services import account_for_shop, wechat_error

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer,
          429: ErrorSerializer, 502: ErrorSerializer}  # fmt: skip
CODE_ERRORS = {
    40029: ("code_invalid", gettext_lazy("登录凭证无效或已过期，请重新调用 wx.login。")),
    40163: ("code_used", gettext_lazy("登录凭证已使用过，请重新调用 wx.login。")),
}


class MiniProgramCodeSerializer(serializers.Serializer):
    shop = serializers.SlugField(max_length=32, help_text="The shop's handle, e.g. `demo`.")
    code = serializers.CharField(
        max_length=128, help_text="The code from `wx.login()` (5 minutes, single use)."
    )


class PhoneCodeSerializer(serializers.Serializer):
    shop = serializers.SlugField(max_length=32, help_text="The shop's handle, e.g. `demo`.")
    code = serializers.CharField(
        max_length=128, help_text="The code from a `getPhoneNumber` button (single use)."
    )


class MeSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()
    has_phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "nickname", "phone", "has_phone", "avatar_url"]

    def get_avatar_url(self, user: User) -> str:
        return next((i.avatar_url for i in user.wechat_identities.all() if i.avatar_url), "")

    def get_has_phone(self, user: User) -> bool:
        return bool(user.phone)


class LoginSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>` on every call.")
    created = serializers.BooleanField(help_text="True when this WeChat user is new to the platform.")
    user = MeSerializer()


def _miniprogram(shop_slug: str) -> WeChatAccount:
    account = account_for_shop(shop_slug=shop_slug)
    if account is None or not account.has_miniprogram:
        raise ApplicationError("miniprogram_not_configured", _("该店铺未配置小程序。"), http_status=404)
    return account


def _wechat_call(call):
    try:
        return call()
    except WeChatException as exc:
        if exc.errcode in CODE_ERRORS:
            code, message = CODE_ERRORS[exc.errcode]
            raise ApplicationError(code, message) from exc
        raise wechat_error(exc) from exc
    except requests.RequestException as exc:
        raise wechat_error(exc) from exc


class MiniProgramCodeView(GenericAPIView):
    """Takes ``{shop, code}``: a code the mini-program got from WeChat, to trade server-side."""

    throttle_classes = [ClientIPScopedRateThrottle]
    throttle_scope = "auth"

    def validated(self, request: Request) -> tuple[WeChatAccount, str]:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _miniprogram(data.validated_data["shop"]), data.validated_data["code"]


@extend_schema_view(post=extend_schema(
    tags=["auth"], operation_id="auth_miniprogram", request=MiniProgramCodeSerializer,
    responses={200: LoginSerializer, **ERRORS}, auth=[],
))  # fmt: skip
class MiniProgramLoginView(MiniProgramCodeView):
    """Sign in from the mini-program: send the `wx.login()` code, get an API token. The same person
    is recognised across the shop's H5 pages and mini-program when WeChat gives a `unionid`."""

    serializer_class = MiniProgramCodeSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def post(self, request: Request) -> Response:
        account, code = self.validated(request)
        session = _wechat_call(lambda: miniprogram_client(account).code_to_session(code))
        user, _identity, created = identity_login(
            kind=WeChatIdentity.Kind.MINIPROGRAM, appid=account.miniprogram_appid, openid=session["openid"],
            unionid=session.get("unionid", ""), session_key=session.get("session_key", ""),
        )  # fmt: skip
        if not user.is_active:
            raise ApplicationError("account_disabled", _("该账号已停用，请联系店铺客服。"), http_status=403)
        token, _created = Token.objects.get_or_create(user=user)
        user = User.objects.prefetch_related("wechat_identities").get(pk=user.pk)
        return Response(LoginSerializer({"token": token.key, "created": created, "user": user}).data)


@extend_schema_view(post=extend_schema(
    tags=["auth"], operation_id="auth_miniprogram_phone", request=PhoneCodeSerializer,
    responses={200: MeSerializer, **ERRORS},
))  # fmt: skip
class MiniProgramPhoneView(MiniProgramCodeView):
    """Bind the shopper's phone number from a `getPhoneNumber` button's code (the number comes from
    WeChat, not from the client)."""

    serializer_class = PhoneCodeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request) -> Response:
        account, code = self.validated(request)
        result = _wechat_call(lambda: miniprogram_client(account).phone_number(code))
        phone = str((result.get("phone_info") or {}).get("purePhoneNumber", ""))
        try:
            MOBILE_VALIDATOR(phone)
        except Exception as exc:
            raise ApplicationError("phone_unsupported", _("仅支持中国大陆手机号。")) from exc
        if User.objects.filter(phone=phone).exclude(pk=request.user.pk).exists():
            raise ApplicationError(
                "phone_taken", _("该手机号已绑定其他账号：请用手机号验证码登录该账号。"), http_status=409
            )
        user = request.user
        user.phone = phone
        user.save(update_fields=["phone", "updated_at"])
        user = User.objects.prefetch_related("wechat_identities").get(pk=user.pk)
        return Response(MeSerializer(user).data, status=status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(tags=["auth"], operation_id="me", responses={200: MeSerializer, **ERRORS})
)
class MeView(GenericAPIView):
    """Who the token belongs to."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = User.objects.prefetch_related("wechat_identities").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class SubscriptionsInSerializer(serializers.Serializer):
    results = serializers.DictField(
        child=serializers.ChoiceField(choices=["accept", "reject", "ban", "filter"]),
        help_text='What `wx.requestSubscribeMessage` returned: `{template_id: "accept" | "reject" | ...}`.',
    )


class SubscriptionsSerializer(serializers.Serializer):
    templates = serializers.DictField(
        child=serializers.CharField(),
        help_text="`{event: template_id}` to ask for with `wx.requestSubscribeMessage` (events: paid, shipped, delivered, refunded; `marketing`: the shop's news, one campaign message per acceptance).",
    )
    remaining = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="`{event: n}`: how many more messages of each the shopper accepted.",
    )


SHOP_PARAM = OpenApiParameter("shop_slug", str, OpenApiParameter.PATH, description="The shop's handle.")


@extend_schema_view(
    get=extend_schema(tags=["auth"], operation_id="subscriptions_get", parameters=[SHOP_PARAM],
                      responses={200: SubscriptionsSerializer, **ERRORS}),
    post=extend_schema(tags=["auth"], operation_id="subscriptions_record", parameters=[SHOP_PARAM],
                       request=SubscriptionsInSerializer, responses={200: SubscriptionsSerializer, **ERRORS}),
)  # fmt: skip
class SubscriptionsView(GenericAPIView):
    """Order notifications in the mini-program are one-time subscribe messages: ask the shopper with
    `wx.requestSubscribeMessage({tmplIds: Object.values(templates)})` (e.g. when they place an
    order) and report the result here. Each acceptance allows one message."""

    serializer_class = SubscriptionsInSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _answer(self, shop_slug: str, results: dict[str, str] | None = None) -> Response:
        from wechat import notifications

        shop = shop_get_public(slug=shop_slug)
        account = account_for_shop(shop_slug=shop_slug)
        templates = notifications.miniprogram_templates(account)
        if results:
            notifications.subscriptions_record(shop_id=shop.pk, user=self.request.user, results=results)
        remaining = notifications.subscriptions_remaining(
            shop_id=shop.pk, user=self.request.user, templates=templates
        )
        return Response(SubscriptionsSerializer({"templates": templates, "remaining": remaining}).data)

    def get(self, request: Request, shop_slug: str) -> Response:
        return self._answer(shop_slug)

    def post(self, request: Request, shop_slug: str) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(shop_slug, data.validated_data["results"])


class ShareSerializer(serializers.Serializer):
    ref = serializers.CharField(
        help_text="Your signed referral code in this shop: put it on every page you share as `?ref=<code>` "
        "(`onShareAppMessage` path, `onShareTimeline` query); whoever opens it and orders records you as "
        "the referrer."
    )
    title = serializers.CharField(help_text="A share card's default title: the shop's name.")
    image = serializers.CharField(
        allow_null=True, help_text="A share card's default picture: the shop's logo (absolute URL), or null."
    )
    url = serializers.CharField(help_text="The shop's H5 home page with your code (`?ref=`), to copy.")


@extend_schema_view(
    get=extend_schema(
        tags=["auth"], operation_id="share", parameters=[SHOP_PARAM],
        responses={
            200: ShareSerializer,
            401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`: sign in first."),
            403: OpenApiResponse(ErrorSerializer, description="`not_authenticated`: sign in first."),
            404: OpenApiResponse(ErrorSerializer, description="`shop_not_found`: no open shop has this handle."),
        },
    ),
)  # fmt: skip
class ShareView(GenericAPIView):
    """What the logged-in shopper's share cards carry in this shop: their signed referral code
    (every shopper has one, not only promoters), the card's default title and picture, and the
    shop's home link with the code. Codes are per shop: another shop's handle gives another code."""

    serializer_class = ShareSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request: Request, shop_slug: str) -> Response:
        shop = shop_get_public(slug=shop_slug)
        code = share.referral_code(shop_id=shop.pk, shop_slug=shop.slug, user_id=request.user.pk)
        home = request.build_absolute_uri(reverse("h5:home", args=[shop.slug]))
        body = {
            "ref": code,
            "title": shop.name,
            "image": request.build_absolute_uri(shop.logo.url) if shop.logo else None,
            "url": share.share_link(home, code=code),
        }
        response = Response(ShareSerializer(body).data)
        response["Cache-Control"] = "private, no-store"
        return response
