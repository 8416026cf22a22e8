"""The import page's addresses, mounted once at /admin/import/ (upe_confer/urls.py)."""

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.urls import path

from . import import_views as views

app_name = "imports"


def staff_only(view):
    """Behind the admin's sign-in, for those who may import (Staff)."""
    return admin.site.admin_view(
        permission_required("confer.import_record", raise_exception=True)(view)
    )


urlpatterns = [
    path("", staff_only(views.import_page), name="index"),
    path("<int:pk>/rollback/", staff_only(views.roll_back), name="rollback"),
    path("template.<str:fmt>", staff_only(views.template_file), name="template"),
    path("export.<str:fmt>", staff_only(views.export_file), name="export"),
]
