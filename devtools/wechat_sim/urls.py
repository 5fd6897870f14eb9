"""The local WeChat API simulator's routes, at WeChat's own paths (404 unless WECHAT_SIMULATOR:
mounted only then, and a test may turn it off)."""

from django.urls import path

from devtools.wechat_sim import views as sim

e = sim.enabled

urlpatterns = [
    path("connect/oauth2/authorize", e(sim.authorize), name="wechat-sim-authorize"),
    path("sns/oauth2/access_token", e(sim.oauth_access_token)),
    path("sns/userinfo", e(sim.userinfo)),
    path("sns/jscode2session", e(sim.jscode2session)),
    path("cgi-bin/token", e(sim.token)),
    path("cgi-bin/ticket/getticket", e(sim.ticket)),
    path("cgi-bin/menu/create", e(sim.menu_create)),
    path("cgi-bin/qrcode/create", e(sim.qrcode_create)),
    path("cgi-bin/message/template/send", e(sim.template_send)),
    path("cgi-bin/message/subscribe/send", e(sim.subscribe_send)),
    path("cgi-bin/message/custom/send", e(sim.custom_send)),
    path("wxa/business/getuserphonenumber", e(sim.phone_number)),
    path("device/login", e(sim.device_login)),
    path("device/phone", e(sim.device_phone)),
    path("device/subscribe", e(sim.device_subscribe)),
    path("jweixin.js", e(sim.jssdk_script), name="wechat-sim-jssdk"),
    path("jssdk/verify", e(sim.jssdk_verify)),
    path("avatar/<str:user>.svg", e(sim.avatar)),
    path("chat/<str:appid>/", e(sim.chat), name="wechat-sim-chat"),
]
