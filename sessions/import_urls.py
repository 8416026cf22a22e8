"""The import page's addresses, mounted once at /admin/import/ (upe_confer/urls.py)."""

from django.urls import path

from upe_confer.admin_site import admin_page

from . import import_views as views

app_name = "imports"
staff_only = admin_page("confer.import_record")  # Staff


urlpatterns = [
    path("", staff_only(views.import_page), name="index"),
    path("<int:pk>/rollback/", staff_only(views.roll_back), name="rollback"),
    path("template.<str:fmt>", staff_only(views.template_file), name="template"),
    path("export.<str:fmt>", staff_only(views.export_file), name="export"),
]
