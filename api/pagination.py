"""Cursor pagination in a stable order (the primary key, newest first), with an opaque cursor:
a page costs one query however deep it is, and rows added meanwhile neither repeat nor vanish."""

from typing import Any

import pydantic
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            ordering=("-pk",),
            page_size=settings.API_PAGE_SIZE,
            max_page_size=settings.API_MAX_PAGE_SIZE,
            **kwargs,
        )

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        try:
            cursor = self.Cursor.from_encoded_param(pagination.cursor)
            if cursor.p is not None:
                int(cursor.p)  # a position is a primary key
        except (ValueError, pydantic.ValidationError, NinjaValidationError):
            raise HttpError(400, "Invalid cursor.") from None
        return super().paginate_queryset(queryset, pagination, request, **params)
