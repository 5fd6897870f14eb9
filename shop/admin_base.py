"""Tenant scoping for the merchant back office: the one place it lives.

Every merchant-facing ``ModelAdmin`` subclasses ``ShopScopedAdmin`` (inlines: ``ShopScopedInline``).
For a superuser (the platform operator) nothing is filtered. For anyone else:

- permissions come from an active ``ShopMember`` row, not from Django groups;
- every list, search, change, delete and history view sees only rows of the user's shops
  (another shop's object is "not found", exactly like a missing one);
- every foreign-key and many-to-many choice is narrowed to the user's shops;
- ``shop`` is set on save: hidden for a one-shop merchant, limited to their shops otherwise.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from core.integers import AsciiIntegerFormField
from shop.cache import storefront_changed_for_ids
from shop.formsets import ChineseInlineFormSet
from shop.models import Shop


def user_shop_ids(request: HttpRequest) -> list[int]:
    """Ids of the shops the logged-in user belongs to (cached on the request)."""
    if not hasattr(request, "_shop_ids"):
        user = request.user
        request._shop_ids = (
            list(Shop.objects.filter(memberships__user=user).order_by("pk").values_list("pk", flat=True))
            if user.is_authenticated and user.is_active
            else []
        )
    return request._shop_ids


def is_operator(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


class OperatorOnly:
    """An admin mixin for platform models: only operators (superusers) see, change and delete
    them; merchants never see the page. A class may narrow it further (read-only, no add)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_operator(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


def _shop_lookup(model: type[Model]) -> str | None:
    """How to reach the owning shop from ``model`` (``None``: not shop-owned)."""
    if model is Shop:
        return "pk"
    names = {f.name for f in model._meta.get_fields()}
    return "shop" if "shop" in names else None


class ShopScopedMixin:
    """Shared by ``ShopScopedAdmin`` and ``ShopScopedInline``."""

    #: the path from this model to its Shop, when it has no direct ``shop`` field (e.g. "order__shop")
    shop_lookup: str = "shop"

    def _allowed(self, request: HttpRequest) -> bool:
        return is_operator(request) or (
            request.user.is_active and request.user.is_staff and bool(user_shop_ids(request))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if is_operator(request):
            return queryset
        return queryset.filter(**{f"{self.shop_lookup}__in": user_shop_ids(request)})

    def _narrow(self, request: HttpRequest, db_field, formfield):
        if formfield is None or is_operator(request) or not hasattr(formfield, "queryset"):
            return formfield
        lookup = _shop_lookup(db_field.related_model)
        if lookup is not None:
            formfield.queryset = formfield.queryset.filter(**{f"{lookup}__in": user_shop_ids(request)})
        return formfield

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Every integer column reads ASCII digits only (MoneyField keeps its yuan field: its
        # formfield() always chooses YuanFormField).
        if isinstance(db_field, models.IntegerField) and not db_field.choices:
            kwargs.setdefault("form_class", AsciiIntegerFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._narrow(request, db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._narrow(request, db_field, super().formfield_for_manytomany(db_field, request, **kwargs))


def _errors_on_shown_fields(form, errors: ValidationError) -> ValidationError:
    """Model validation may report an error on a field the form does not show (``shop`` is hidden
    from a one-shop merchant, other fields are read-only or excluded): Django then raises
    ``ValueError: '…Form' has no field named …`` (HTTP 500). Such errors become errors of the whole
    form, and "this shop already has one" is said in words a merchant understands."""
    if not hasattr(errors, "error_dict"):
        return errors
    model = form._meta.model
    remapped: dict[str, list[ValidationError]] = {}
    for name, field_errors in errors.error_dict.items():
        if name == "shop":
            field_errors = [
                ValidationError(
                    _("该店铺已有%(model)s，每个店铺只能有一个：请在列表中打开现有的修改。")
                    % {"model": model._meta.verbose_name},
                    code="unique",
                )
                if getattr(error, "code", None) == "unique"
                else error
                for error in field_errors
            ]
        target = name if name == NON_FIELD_ERRORS or name in form.fields else NON_FIELD_ERRORS
        remapped.setdefault(target, []).extend(field_errors)
    return ValidationError(remapped)


class ShopScopedAdmin(ShopScopedMixin, admin.ModelAdmin):
    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        shop_ids = user_shop_ids(request)
        binds_shop = not is_operator(request) and self.shop_lookup == "shop" and len(shop_ids) == 1

        class ShopBoundForm(form):
            """Knows its shop before validation (for a one-shop merchant, who never sees the shop
            field), so per-shop unique constraints are checked as form errors instead of failing in
            the database; and every model error lands on a field the form shows."""

            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                if binds_shop and not self.instance.shop_id:
                    self.instance.shop_id = shop_ids[0]

            def _get_validation_exclusions(self):
                excluded = super()._get_validation_exclusions()
                if binds_shop:
                    excluded.discard("shop")
                return excluded

            def _update_errors(self, errors: ValidationError) -> None:
                super()._update_errors(_errors_on_shown_fields(self, errors))

        ShopBoundForm.__name__ = form.__name__
        return ShopBoundForm

    def _hides_shop(self, request: HttpRequest) -> bool:
        """A one-shop merchant never sees the shop field: it is always their shop."""
        return self.shop_lookup == "shop" and not is_operator(request) and len(user_shop_ids(request)) == 1

    def get_fields(self, request: HttpRequest, obj: Any = None):
        fields = super().get_fields(request, obj)
        return [f for f in fields if f != "shop"] if self._hides_shop(request) else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._hides_shop(request):
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "shop"]}) for name, opts in fieldsets
        ]

    def get_list_filter(self, request: HttpRequest):
        filters = list(super().get_list_filter(request))
        if not is_operator(request):
            filters = [self._own_choices(f) for f in filters if f != "shop"]
        return filters

    def _own_choices(self, list_filter: Any) -> Any:
        """A plain related-field filter (``"promoter"``) offers every row of the related model, of
        every shop, as a choice: a merchant's sidebar would list other shops' names. For a merchant
        it offers only the rows their own (already shop-filtered) list refers to."""
        if not isinstance(list_filter, str) or LOOKUP_SEP in list_filter:
            return list_filter
        try:
            field = self.model._meta.get_field(list_filter)
        except FieldDoesNotExist:
            return list_filter
        if field.is_relation and field.related_model is not Shop:
            return (list_filter, admin.RelatedOnlyFieldListFilter)
        return list_filter

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        if self.shop_lookup == "shop" and not is_operator(request):
            shop_ids = user_shop_ids(request)
            if getattr(obj, "shop_id", None) not in shop_ids:
                obj.shop_id = shop_ids[0]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self._storefront_changed(form.instance)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        self._storefront_changed(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        shop_ids = set(queryset.values_list(self.shop_lookup, flat=True))
        super().delete_queryset(request, queryset)
        storefront_changed_for_ids(shop_ids)

    def _storefront_changed(self, obj: Model) -> None:
        """Whatever a merchant saves may change what shoppers see: move the shop's cache version."""
        shop_id = obj.pk if isinstance(obj, Shop) else getattr(obj, "shop_id", None)
        if shop_id:
            storefront_changed_for_ids([shop_id])

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        parent_shop = getattr(form.instance, "shop_id", None)
        for inline_form in formset.forms:
            instance = inline_form.instance
            if parent_shop and hasattr(instance, "shop_id") and not getattr(instance, "shop_id", None):
                instance.shop_id = parent_shop
        super().save_formset(request, form, formset, change)


class ShopScopedInline(ShopScopedMixin):
    """Mix into ``admin.TabularInline`` / ``admin.StackedInline`` (``class X(ShopScopedInline, admin.TabularInline)``)."""

    formset = ChineseInlineFormSet  # duplicate rows are reported in Chinese

    def get_exclude(self, request: HttpRequest, obj: Any = None):
        exclude = list(super().get_exclude(request, obj) or [])
        if "shop" in {f.name for f in self.model._meta.get_fields()}:
            exclude.append("shop")  # taken from the parent object on save
        return exclude

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        form = formset.form

        class InlineForm(form):
            def _update_errors(self, errors: ValidationError) -> None:
                super()._update_errors(_errors_on_shown_fields(self, errors))

        InlineForm.__name__ = form.__name__
        formset.form = InlineForm
        return formset


class ReadOnlyShopAdmin(ShopScopedAdmin):
    """Records written by the system (payment attempts, WeChat pushes, notifications): a merchant
    lists and opens them, never adds, edits or deletes them."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_one_per_shop_models: list[type[Model]] = []


class OnePerShopAdmin(ShopScopedAdmin):
    """A shop's settings row (a ``OneToOneField`` to Shop: 渠道设置, 秒杀设置, 分销设置): 增加 shows only while
    one of the merchant's shops has none, so nobody fills a form that can only be refused. The
    operator keeps the ordinary permission (the form still refuses a second row). One query per
    request answers it for every such model (the sidebar asks each of them on every admin page),
    and a one-shop merchant's menu entry opens their row once it exists (``menu_url``)."""

    def __init__(self, model: type[Model], admin_site: Any) -> None:
        super().__init__(model, admin_site)
        if model not in _one_per_shop_models:
            _one_per_shop_models.append(model)

    def _rows(self, request: HttpRequest) -> list[int | None]:
        """This model's row id in each of the merchant's shops (None: not made yet). One query per
        request answers it for every one-per-shop model."""
        if not hasattr(request, "_one_per_shop_rows"):
            firsts = {
                f"row_{i}": Subquery(model._default_manager.filter(shop=OuterRef("pk")).values("pk")[:1])
                for i, model in enumerate(_one_per_shop_models)
            }
            rows = Shop.objects.filter(pk__in=user_shop_ids(request)).annotate(**firsts).values_list(*firsts)
            columns = list(zip(*rows, strict=True)) or [() for _ in _one_per_shop_models]
            request._one_per_shop_rows = {  # type: ignore[attr-defined]
                model: list(columns[i]) for i, model in enumerate(_one_per_shop_models)
            }
        return list(request._one_per_shop_rows.get(self.model, []))  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if not super().has_add_permission(request, *args):
            return False
        return is_operator(request) or None in self._rows(request)

    def menu_url(self, request: HttpRequest) -> str | None:
        """The menu (``config.admin_site``) opens a one-shop merchant's row once it exists."""
        if is_operator(request):
            return None
        rows = self._rows(request)
        if len(rows) != 1 or rows[0] is None:
            return None
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[rows[0]])
