from django.urls import path

from upe_confer.conditional import cached_page

from . import feeds, freshness, views

app_name = "members"

urlpatterns = [
    path("updates/", views.update_list, name="update_list"),
    path("welcome/", views.signed_in, name="signed_in"),
    path("account/", views.account, name="account"),
    path("account/api-tokens/", views.api_token_create, name="api_token_create"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/unsubscribe/<str:token>/", views.unsubscribe_link, name="unsubscribe"),
    path("updates/search/", views.search, name="search"),
    path(
        "updates/feed/",
        cached_page(freshness.feed_freshness)(feeds.LatestUpdatesFeed()),
        name="feed",
    ),
    path("updates/unit/<str:code>/", views.unit_detail, name="unit_detail"),
    path(
        "updates/unit/<str:code>/feed/",
        cached_page(freshness.feed_freshness)(feeds.UnitUpdatesFeed()),
        name="unit_feed",
    ),
    path("updates/topic/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("updates/manage/", views.manage, name="manage"),
    path("updates/manage/generate/", views.generate_list, name="generate_list"),
    path("updates/manage/generate/<int:session_pk>/", views.generate, name="generate"),
    path("updates/manage/<int:pk>/", views.update_edit, name="update_edit"),
    path("updates/manage/<int:pk>/preview/", views.update_preview, name="update_preview"),
    path("updates/manage/<int:pk>/regenerate/", views.update_regenerate, name="update_regenerate"),
    path("updates/manage/<int:pk>/publish/", views.update_publish, name="update_publish"),
    path("updates/manage/<int:pk>/unpublish/", views.update_unpublish, name="update_unpublish"),
    path("updates/manage/<int:pk>/withdraw/", views.update_withdraw, name="update_withdraw"),
    path("updates/<slug:slug>/documents/<int:pk>/", views.update_document, name="update_document"),
    # Last: a slug could otherwise shadow the pages above.
    path("updates/<slug:slug>/", views.update_detail, name="update_detail"),
]
