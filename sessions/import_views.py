"""The import page in the admin, for Staff (`confer.import_record`): check a spreadsheet (the
dry run), import it, roll an import back; download the template and the record in it. What
each does is in imports.py; the addresses in import_urls.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import imports
from .forms import ImportForm
from .models import ImportBatch

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RECENT_IMPORTS = 20
PREVIEW_COLUMNS = ["line", "kind", "session", "date", "item", "topic", "party", "text"]


def import_page(request: HttpRequest):
    form = ImportForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = imports.read_spreadsheet(upload.read(), imports.format_of(upload.name))
        except imports.SpreadsheetUnreadable as error:
            form.add_error("file", str(error))
        else:
            if "import" in request.POST and plan.is_valid:
                try:
                    batch = imports.import_record(plan, by=request.user, file_name=upload.name)
                except ValidationError as error:  # a database rule the checks did not foresee
                    messages.error(request, " ".join(error.messages))
                else:
                    counts = ", ".join(f"{n} {what}" for what, n in plan.counts().items() if n)
                    messages.success(request, f"Import {batch.pk} of {upload.name}: {counts}.")
                    return redirect("imports:index")
    return TemplateResponse(
        request,
        "sessions/imports/index.html",
        {
            "title": "Import past sessions",
            "form": form,
            "plan": plan,
            "counts": plan.counts().items() if plan else (),
            "preview_columns": PREVIEW_COLUMNS,
            "preview": [[row.get(c, "") for c in PREVIEW_COLUMNS] for row in plan.preview]
            if plan
            else [],
            "columns": imports.COLUMNS,
            "batches": ImportBatch.objects.select_related("imported_by", "rolled_back_by")[
                :RECENT_IMPORTS
            ],
        },
    )


@require_POST
def roll_back(request: HttpRequest, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk)
    try:
        imports.roll_back_import(batch, by=request.user)
    except imports.RollbackRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Import {batch.pk} of {batch.file_name} was rolled back.")
    return redirect("imports:index")


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def template_file(request: HttpRequest, fmt: str):
    if fmt not in imports.FORMATS:
        raise Http404
    dataset = imports.template_dataset()
    return _download(imports.spreadsheet_bytes(dataset, fmt), fmt, "upe-confer-import-template")


def export_file(request: HttpRequest, fmt: str):
    if fmt not in imports.FORMATS:
        raise Http404
    dataset = imports.export_record()
    name = f"upe-confer-record-{timezone.localdate():%Y-%m-%d}"
    return _download(imports.spreadsheet_bytes(dataset, fmt), fmt, name)
