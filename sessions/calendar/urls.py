from django.urls import path

from . import views

app_name = "calendar"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("reset/", views.reset, name="reset"),
    path("<str:token>.ics", views.feed, name="feed"),
]
