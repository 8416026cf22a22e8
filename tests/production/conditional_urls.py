"""A stand-in member page for the tests of upe_confer.conditional: the list of active units."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from sessions.models import BargainingUnit
from upe_confer.conditional import Freshness, cached_page
from upe_confer.versions import ContentVersion

renders: list[str] = []

PAGE = engines["django"].from_string(
    "{% for unit in units %}<li>{{ unit.name }}</li>{% endfor %}"
    "{% if user.is_authenticated %}<form>{% csrf_token %}</form>{% endif %}"
)


UNITS = ContentVersion("test-units")
UNITS.watch(BargainingUnit)


def units_freshness(request) -> Freshness:
    return Freshness(f"units|{UNITS.number()}", UNITS.changed_at())


@cached_page(units_freshness)
def unit_list(request):
    renders.append(request.path)
    units = BargainingUnit.objects.active()
    return HttpResponse(PAGE.render({"units": units}, request))


urlpatterns = [path("units/", unit_list, name="unit_list")]
