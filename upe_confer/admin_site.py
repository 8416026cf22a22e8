"""The admin site, hardened once for every model registered in it (ours and other apps').

- A changelist accepts only the lookups its admin declares: the fields of `list_filter` with the
  lookups Django's own filters use, the `date_hierarchy` drill-down (with sane numbers), and
  `search_fields` through the search box. Anything else (`token_hash__regex=…`,
  `password__startswith=…`, a typo) is refused with 400 instead of being run on the database.
- Malformed object ids and history version ids are "not found" (404), never a 500.
- "View on site" redirects only to objects the user may open in the admin *and* on the site
  (each admin says what the site shows through `site_url_for`).

`ConferAdminSite.register` mixes `HardenedAdmin` into every ModelAdmin, so third-party admins
(auth, django-axes) get the same rules without being rewritten.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.contrib.auth.decorators import permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .pagination import EstimatedCountPaginator

# What Django's field filters put in the query string after the field's path: `exact` (choices,
# booleans, all values), `isnull`, `gte`/`lt` (dates), `isempty`, `<target>__exact` (relations).
FILTER_SUFFIXES = {"exact", "isnull", "gte", "lt", "isempty"}
RELATION_SUFFIXES = {"isnull", "isempty"}
# date_hierarchy drill-down: digits only, and a year the date arithmetic cannot overflow.
DATE_PARTS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


def admin_page(permission: str):
    """A page of our own behind the admin's sign-in, for those who hold `permission`."""

    def wrap(view):
        return admin.site.admin_view(permission_required(permission, raise_exception=True)(view))

    return wrap


def _related_target_names(model, field_path: str) -> set[str] | None:
    """`id`, `pk` and the target field name of the relation at the end of `field_path`, or None
    when the path does not end in a relation."""
    try:
        for part in field_path.split(LOOKUP_SEP):
            field = model._meta.get_field(part)
            if not field.is_relation:
                return None
            model = field.related_model
    except FieldDoesNotExist:
        return None
    names = {"id", "pk", model._meta.pk.name}
    target = getattr(field, "target_field", None)
    if target is not None:
        names.add(target.name)
    return names


def fits_the_field(field, value: str) -> bool:
    """Whether value is a valid value of field, within the database's range for integers."""
    try:
        python = field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    if isinstance(python, int) and not isinstance(python, bool):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and python < low) or (high is not None and python > high):
            return False
    return True


def valid_object_id(model, object_id: str) -> bool:
    return fits_the_field(model._meta.pk, unquote(object_id))


class LeanChangeList(ChangeList):
    """Django removes the duplicates a filter or search across a to-many relation makes with
    SELECT DISTINCT over every column of the list (and of its annotations) before sorting:
    here, the rows for which a match exists instead (a semi-join), so the list is sorted and
    cut to a page without comparing whole rows (the commitments of one unit: 0.1 s instead of
    0.4 s at 100,000 commitments; `id IN (SELECT DISTINCT …)` took 0.38 s).

    While searching, the drill-down by date is offered only once a date is picked: its years
    are those of every match, so for a word most rows hold it read them all, twice (the first
    and last date, then each year), 50-160 ms of a search's page at 100,000 commitments. The
    date filters beside the list still narrow a search."""

    def __init__(self, request, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        picked_a_date = any(param.startswith(f"{self.date_hierarchy}__") for param in self.params)
        if self.date_hierarchy and self.query and not picked_a_date:
            self.date_hierarchy = None

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not queryset.query.distinct or queryset.query.distinct_fields:
            return queryset
        matches = queryset.order_by()
        matches.query.distinct = False  # a clone's: whether a match exists needs no DISTINCT
        lean = self.root_queryset.filter(
            Exists(matches.filter(pk=OuterRef("pk")).values("pk"))
        ).order_by(*queryset.query.order_by)
        return self.apply_select_related(lean)


class HardenedAdmin:
    """Mixed into every ModelAdmin registered on the site (see ConferAdminSite.register).

    Long lists stay fast: a changelist never counts the whole table a second time for "(N
    total)", and counts a long list by the planner's estimate on PostgreSQL (pagination.py).
    Fifty rows a page, not Django's hundred: building the rows' cells, not the queries, was most
    of a long changelist's time (100-260 ms at 100,000 commitments)."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def action_checkbox(self, obj):
        """Django's checkbox, written directly: rendering a widget template for each of a
        hundred rows took a third of a changelist's time."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def declared_lookup(self, request: HttpRequest, lookup: str, value: str) -> bool:
        for filter_item in self.get_list_filter(request):
            if isinstance(filter_item, type) and issubclass(filter_item, SimpleListFilter):
                if lookup == filter_item.parameter_name:
                    return True
                continue
            field_path = filter_item[0] if isinstance(filter_item, list | tuple) else filter_item
            if not isinstance(field_path, str) or not lookup.startswith(field_path + LOOKUP_SEP):
                continue
            rest = lookup[len(field_path) + len(LOOKUP_SEP) :]
            targets = _related_target_names(self.model, field_path)
            if targets is None:  # a plain field: its value, a range of dates, empty or not
                if rest in FILTER_SUFFIXES:
                    return True
                continue
            # A relation: by the related object's key, or whether there is one.
            target, _, last = rest.rpartition(LOOKUP_SEP)
            if rest in RELATION_SUFFIXES or (last == "exact" and target in targets):
                return True
        hierarchy = self.date_hierarchy
        if hierarchy and lookup.startswith(hierarchy + LOOKUP_SEP):
            part = lookup[len(hierarchy) + len(LOOKUP_SEP) :]
            if part in DATE_PARTS:
                low, high = DATE_PARTS[part]
                return value.isascii() and value.isdigit() and low <= int(value[:6]) <= high
        # The popups of raw-id widgets filter by the relation's limit_choices_to.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False

    def lookup_allowed(self, lookup, value, request) -> bool:
        return self.declared_lookup(request, lookup, str(value)) and super().lookup_allowed(
            lookup, value, request
        )

    def get_changeform_initial_data(self, request):
        """An add page prefilled from its query string (`?unit=3`) keeps only the values that
        fit their fields: a forged one is dropped, not rendered into a 500."""
        initial = super().get_changeform_initial_data(request)
        kept = {}
        for name, value in initial.items():
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            target = field.target_field if field.is_relation else field
            values = value if isinstance(value, list) else [value]
            if all(fits_the_field(target, str(item)) for item in values):
                kept[name] = value
        return kept

    # An id that cannot be a primary key is "not found", before any query or third-party view
    # (django-simple-history's pages use it as it comes) can turn it into a 500.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not valid_object_id(self.model, object_id):
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if not valid_object_id(self.model, object_id):
            raise Http404
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not valid_object_id(self.model, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        if not valid_object_id(self.model, object_id) or not valid_object_id(
            history_model, version_id
        ):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def site_url_for(self, request: HttpRequest, obj) -> str | None:
        """Where "View on site" leads for this user, or None when the site would not show them
        the object. By default the object's own address; admins of objects with drafts or
        per-user visibility narrow it."""
        if not self.view_on_site:
            return None
        if callable(self.view_on_site):
            return self.view_on_site(obj)
        if hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        return None


class ConferAdminSite(admin.AdminSite):
    site_header = "UPE Confer"
    site_title = "UPE Confer"
    index_title = "The meet-and-confer record"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, HardenedAdmin):
            admin_class = type(
                admin_class.__name__,
                (HardenedAdmin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        return super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<path:content_type_id>/<path:object_id>/",
                    self.admin_view(self.view_on_site),
                    name="view_on_site",
                )
        return urls

    def view_on_site(self, request: HttpRequest, content_type_id: str, object_id: str):
        """Django's shortcut redirects any staff user to any object's address; here the object
        must be one the user may open in its admin, and one the site shows them."""
        try:
            content_type = ContentType.objects.get_for_id(int(content_type_id))
        except (ValueError, OverflowError, ContentType.DoesNotExist):
            raise Http404 from None
        model_admin = self._registry.get(content_type.model_class())
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404
        if not valid_object_id(model_admin.model, object_id):
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
        url = model_admin.site_url_for(request, obj)
        if not url:
            raise Http404
        return HttpResponseRedirect(url)
