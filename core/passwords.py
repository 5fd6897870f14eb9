"""Django's password rules with plain Chinese wording (used by sign-up, admin and every password
form through ``AUTH_PASSWORD_VALIDATORS``). The rules themselves are Django's."""

from __future__ import annotations

from django.contrib.auth import password_validation as django_rules
from django.utils.translation import gettext as _


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短：至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("至少 %(min_length)d 个字符。") % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("密码与%(verbose_name)s太相似，请换一个。")

    def get_help_text(self) -> str:
        return _("不能与用户名等个人信息太相似。")


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("这个密码太常见，容易被猜到，请换一个。")

    def get_help_text(self) -> str:
        return _("不能是常见密码。")


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码不能全是数字。")

    def get_help_text(self) -> str:
        return _("不能全是数字。")
