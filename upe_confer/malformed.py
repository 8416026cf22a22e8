"""Requests no browser sends are refused before any view sees them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


def refuse_nul_characters(get_response: Callable[[HttpRequest], HttpResponse]):
    """A NUL character (%00) in the address or query string is 400. No page of ours has a use
    for one, and PostgreSQL refuses them in any text, so a view that looks one up (a unit code,
    an admin filter) would otherwise fail with a 500."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = "Bad request: the address holds a NUL character."
            if request.path.startswith("/api/"):
                # The API answers in JSON, even this early (its schema documents no HTML).
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return get_response(request)

    return middleware
