"""/wechat/<shop>/…: OAuth login, the account's message callback, JS-SDK configuration."""

from django.urls import path

from wechat import views

urlpatterns = [
    path("<slug:shop_slug>/oauth/", views.oauth_start, name="wechat-oauth"),
    path("<slug:shop_slug>/oauth/callback/", views.oauth_callback, name="wechat-oauth-callback"),
    path("<slug:shop_slug>/callback/", views.message_callback, name="wechat-callback"),
    path("<slug:shop_slug>/jssdk/", views.jssdk_config, name="wechat-jssdk"),
]
