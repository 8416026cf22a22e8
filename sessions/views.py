"""The business agent's pages: home, log a session, edit it, read it back, mark it held."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError
from django.db.models import F, Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from upe_confer.pagination import EstimatedCountPaginator
from upe_confer.text import clock

from . import operations
from .access import (
    commitments_followed_up_by,
    commitments_to_settle_at,
    packets_readable_by,
    reads_every_unit,
    sessions_editable_by,
    sessions_readable_by,
    units_for,
)
from .documents import file_response, stored_file_response
from .followup import FollowUpForm, follow_up_forms
from .forms import DocumentDeleteForm, DocumentUploadForm, MarkHeldForm, PacketForm, SessionFlow
from .history import session_history
from .locking import StaleSession, version_changes
from .models import (
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Document,
    Session,
    SessionDraft,
    count_of,
)
from .packet import facts_by_packet, fingerprint
from .reports.views import report_counts
from .search import RecordSearchForm, search_record

HOME_LIST_LENGTH = 20
SEARCH_PAGE_SIZE = 20
# How many earlier open commitments the logging page offers to settle (oldest due first); the
# follow-up reports hold them all.
FOLLOW_UP_IN_FLOW = 50
# The session's flash naming the page whose copy in the browser can go: it was saved.
SAVED_FORM = "confer.saved_form"
can_log = permission_required("confer.add_session", raise_exception=True)


@login_required
@can_log
def agent_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    units = list(units_for(request.user).order_by("code"))
    editable = sessions_editable_by(request.user)
    # Counted per listed session (a subquery), not for every session before the cut.
    mine = editable.prefetch_related("units").annotate(
        item_count=count_of(AgendaItem.objects.all(), "session")
    )
    commitments = (
        Commitment.objects.open()
        .filter(agenda_item__session__in=editable.values("pk"))
        .with_state(today)
        .select_related("agenda_item__session", "owner")
        .prefetch_related("agenda_item__session__units")
        .order_by(F("due_date").asc(nulls_last=True), "agenda_item__session__date", "pk")
    )
    return render(
        request,
        "sessions/home.html",
        {
            "units": units,
            "today": today,
            "upcoming": mine.filter(date__gte=today).order_by("date", "start_time")[
                :HOME_LIST_LENGTH
            ],
            "recent": mine.filter(date__lt=today).order_by("-date", "-start_time")[
                :HOME_LIST_LENGTH
            ],
            "commitments": commitments[: HOME_LIST_LENGTH * 2],
            "desk": follow_up_desk(request.user, today),
            "drafts": SessionDraft.objects.of(request.user).select_related("session"),
        },
    )


@login_required
@permission_required("confer.view_session", raise_exception=True)
def record_search(request: HttpRequest) -> HttpResponse:
    """Search the agenda items of the sessions the user may read."""
    units = units_for(request.user)
    if reads_every_unit(request.user):
        units = BargainingUnit.objects.all()
    form = RecordSearchForm(request.GET or None, units=units)
    page = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        readable = AgendaItem.objects.filter(session__in=sessions_readable_by(request.user))
        items = search_record(readable, form.cleaned_data).select_related("session", "topic")
        # A common word matches most of the record: counted by estimate then ("about").
        page = EstimatedCountPaginator(
            items.prefetch_related("session__units"), SEARCH_PAGE_SIZE
        ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sessions/search.html",
        {"form": form, "page_obj": page, "query": query.urlencode()},
    )


def follow_up_desk(user, today) -> list[tuple]:
    """(report, count, link or "") for each commitment report, counted over the commitments
    the user follows up (an agent's units), in one query. The reports are in the admin: linked
    only for those who may open them there."""
    linked = user.is_staff and user.has_perm("confer.run_reports")
    return [
        (report, count, reverse("reports:commitments", args=[report.slug]) if linked else "")
        for report, count in report_counts(commitments_followed_up_by(user), today)
        if report.slug != "open"
    ]


def _session_for_edit(request: HttpRequest, pk: int | None) -> Session:
    if pk is None:
        return Session()
    items = AgendaItem.objects.prefetch_related("positions", "commitments")
    return get_object_or_404(
        sessions_editable_by(request.user).prefetch_related(
            "units", "attendances", Prefetch("agenda_items", queryset=items)
        ),
        pk=pk,
    )


# Where a page's typed data waits while its author signs in again.
TYPED_WORK = "confer.typed_work"


def keeps_typed_work(view):
    """Like login_required, except that a form sent after the sign-in expired is not lost: its
    data waits in this browser's session (which signing in keeps), and the page comes back
    with it once its author has signed in again."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST":
            typed = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
            request.session[TYPED_WORK] = {"path": request.path, "data": typed}
            messages.info(
                request,
                "Your sign-in had expired, so nothing was saved yet. Sign in again: everything "
                "you typed is kept and will be back on the page.",
            )
        return redirect_to_login(request.get_full_path())

    return wrapped


def typed_before_signing_in(request: HttpRequest) -> QueryDict | None:
    """The data of this page sent while signed out, once (see keeps_typed_work)."""
    typed = request.session.get(TYPED_WORK)
    if not typed or typed.get("path") != request.path:
        return None
    del request.session[TYPED_WORK]
    data = QueryDict(mutable=True)
    for key, values in typed["data"].items():
        data.setlist(key, values)
    return data


@keeps_typed_work
@can_log
def session_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Log a new session (no pk) or change one: the whole record of it on one page."""
    session = _session_for_edit(request, pk)
    flow_args = {
        "session": session,
        "units": units_for(request.user),
        "follow_up": _follow_up_offered(request.user, session),
    }
    context = {"session": session, "show_errors": True, "draft_pk": _draft_pk(request)}
    if request.method != "POST":
        if (typed := typed_before_signing_in(request)) is not None:
            # Shown as typed, not judged: nothing is saved until the agent saves again.
            messages.info(request, "Everything you typed is back. Check it and save.")
            context["show_errors"] = False
            return _render_flow(
                request, SessionFlow(typed, **flow_args).without_validation(), context
            )
        if context["draft_pk"]:
            draft = get_object_or_404(
                SessionDraft.objects.of(request.user).filter(
                    session=session if session.pk else None
                ),
                pk=context["draft_pk"],
            )
            messages.info(
                request, f"Your draft from {clock(draft.saved_at)} is back. It is not saved yet."
            )
            context["show_errors"] = False
            flow = SessionFlow(draft.typed(), **flow_args).without_validation()
            return _render_flow(request, flow, context)
        return _render_flow(request, SessionFlow(None, **flow_args), context)

    if prefix := request.POST.get("add"):
        # "Add another …" without JavaScript: the same page with one more empty row. Adding a
        # row is not an attempt to save: nothing is judged, nothing is saved.
        context["show_errors"] = False
        flow = SessionFlow.with_row_added(request.POST, prefix, **flow_args)
        return _render_flow(request, flow, context)

    flow = SessionFlow(request.POST, files=request.FILES, **flow_args)
    if not flow.is_valid():
        messages.error(request, "The session was not saved: fix the problems listed below.")
        return _render_flow(request, flow, context)
    log = flow.cleaned_log()
    try:
        saved = operations.log_session(
            log,
            by=request.user,
            mark_held=request.POST.get("action") == "held",
            draft_pk=context["draft_pk"],
        )
    except StaleSession as stale:
        messages.error(
            request,
            "Someone else saved this session after you opened it, so your changes were NOT "
            "saved and theirs were kept. See what they changed below; your text is still in "
            "the form to copy into the current version.",
        )
        context["stale"] = version_changes(session, stale.args[0])
        return _render_flow(request, flow, context, status=409)
    except IntegrityError:
        # A rule the database holds (e.g. a name taken a moment ago): nothing was saved.
        messages.error(request, "The session was not saved: it conflicts with the record. ")
        flow_args["session"] = _session_for_edit(request, pk)
        flow = SessionFlow(request.POST, **flow_args)
        return _render_flow(request, flow, context, status=409)
    attached = len(flow.documents_form.new_documents())
    note = f" {attached} document(s) attached." if attached else ""
    settled = sum(1 for _, status, _ in log.follow_ups if status)
    note += f" {settled} earlier commitment(s) followed up." if settled else ""
    messages.success(request, f"Saved: {saved}.{note}")
    request.session[SAVED_FORM] = request.path
    return redirect("sessions:session_detail", pk=saved.pk)


def _follow_up_offered(user, session: Session) -> list[Commitment]:
    return list(
        commitments_to_settle_at(user, session)
        .select_related("agenda_item__session", "agenda_item__topic", "owner")
        .order_by(F("due_date").asc(nulls_last=True), "agenda_item__session__date", "pk")[
            :FOLLOW_UP_IN_FLOW
        ]
    )


def _draft_pk(request: HttpRequest) -> int | None:
    """The draft this page continues, from the page (POST) or the resume link (GET)."""
    return small_id((request.POST if request.method == "POST" else request.GET).get("draft", ""))


def small_id(value: str) -> int | None:
    """A row id from a query string or form, or None for anything else (no overflow)."""
    return int(value) if value.isdecimal() and len(value) < 10 else None


@require_POST
def session_autosave(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    """Keep what the page holds as the author's draft (the page's JavaScript calls this as
    they type). Answers in JSON, signed out included: the page then keeps its copy locally."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Your sign-in has expired."}, status=401)
    if not request.user.has_perm("confer.add_session"):
        return JsonResponse({"error": "You may not log sessions."}, status=403)
    session = _session_for_edit(request, pk)
    draft = operations.keep_draft(
        request.POST,
        author=request.user,
        session=session if session.pk else None,
        draft_pk=_draft_pk(request),
    )
    return JsonResponse(
        {
            "draft": draft.pk,
            "saved_at": clock(draft.saved_at),
            "resume": draft.get_absolute_url(),
        }
    )


@login_required
@can_log
@require_POST
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_or_404(SessionDraft.objects.of(request.user), pk=pk)
    draft.delete()
    messages.success(request, f"Draft discarded: {draft.label}.")
    return redirect("sessions:agent_home")


def _render_flow(request, flow: SessionFlow, context: dict, status: int = 200) -> HttpResponse:
    context["flow"] = flow
    context["errors"] = (
        flow.error_summary() if flow.data is not None and context["show_errors"] else []
    )
    return render(request, "sessions/session_form.html", context, status=status)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    readable = sessions_readable_by(request.user)
    items = AgendaItem.objects.select_related("topic").prefetch_related(
        "positions", Prefetch("commitments", queryset=Commitment.objects.select_related("owner"))
    )
    session = get_object_or_404(
        readable.select_related("logged_by").prefetch_related(
            "units",
            Prefetch("attendances", queryset=Attendance.objects.select_related("advocate__unit")),
            Prefetch("agenda_items", queryset=items),
            Prefetch(
                "followed_up_commitments",
                queryset=Commitment.objects.select_related("agenda_item__session").order_by(
                    "agenda_item__session__date", "pk"
                ),
            ),
        ),
        pk=pk,
    )
    can_edit = request.user.has_perm("confer.change_session") and (
        sessions_editable_by(request.user).filter(pk=pk).exists()
    )
    return _render_detail(request, session, can_edit)


def _render_detail(
    request, session: Session, can_edit: bool, upload_form=None, status: int = 200
) -> HttpResponse:
    can_attach = can_edit and request.user.has_perm("confer.add_document")
    if can_attach and upload_form is None:
        upload_form = DocumentUploadForm(session=session)
    documents = (
        session.documents.active()
        .select_related("agenda_item", "commitment", "added_by")
        .order_by("date", "pk")
    )
    return render(
        request,
        "sessions/session_detail.html",
        {
            "session": session,
            "can_edit": can_edit,
            "history": session_history(session),
            "mark_held_form": MarkHeldForm(initial={"version": session.version}),
            "documents": documents,
            "upload_form": upload_form if can_attach else None,
            "can_delete_documents": can_edit and request.user.has_perm("confer.delete_document"),
            "saved_form": request.session.pop(SAVED_FORM, ""),
        },
        status=status,
    )


def readable_documents(user):
    """The documents a user may open: those of the sessions they may read (sessions/access.py),
    not deleted."""
    return Document.objects.active().filter(session__in=sessions_readable_by(user).values("pk"))


@login_required
@permission_required("confer.add_document", raise_exception=True)
@require_POST
def session_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach documents from the session page: one or several files at once."""
    items = AgendaItem.objects.prefetch_related("commitments")
    session = get_object_or_404(
        sessions_editable_by(request.user).prefetch_related(
            Prefetch("agenda_items", queryset=items)
        ),
        pk=pk,
    )
    form = DocumentUploadForm(request.POST, request.FILES, session=session)
    if not form.is_valid():
        messages.error(request, "Nothing was attached: fix the problems listed below.")
        return _render_detail(request, session, can_edit=True, upload_form=form, status=400)
    try:
        attached = operations.attach_documents(session, form.new_documents(), by=request.user)
    except IntegrityError:
        # The same file attached by someone else a moment ago: nothing was kept.
        messages.error(request, "Nothing was attached: the session has this file already.")
        return redirect(reverse("sessions:session_detail", args=[pk]) + "#documents")
    messages.success(request, f"{len(attached)} document(s) attached.")
    return redirect(reverse("sessions:session_detail", args=[pk]) + "#documents")


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A document's file, for those who may read its session; anyone else: not found."""
    document = get_object_or_404(readable_documents(request.user), pk=pk)
    return file_response(document)


@login_required
@permission_required("confer.delete_document", raise_exception=True)
@require_POST
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    editable = sessions_editable_by(request.user).values("pk")
    document = get_object_or_404(Document.objects.active().filter(session__in=editable), pk=pk)
    if DocumentDeleteForm(request.POST).is_valid():
        operations.delete_document(document, by=request.user)
        messages.success(
            request, f"“{document.title}” was deleted. Staff can restore it from the admin."
        )
    return redirect(reverse("sessions:session_detail", args=[document.session_id]) + "#documents")


@login_required
@can_log
@require_POST
def session_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, operations.mark_held, "Marked as held.")


@login_required
@can_log
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(
        request, pk, operations.cancel_session, "Cancelled: it stays in the record as cancelled."
    )


def _change_status(request: HttpRequest, pk: int, operation, done: str) -> HttpResponse:
    session = get_object_or_404(sessions_editable_by(request.user), pk=pk)
    form = MarkHeldForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The session was not changed: reload the page and try again.")
        return redirect("sessions:session_detail", pk=pk)
    if not operation(session, form.cleaned_data["version"]):
        messages.error(
            request,
            "Someone else saved this session after you opened it; it was not changed. "
            "Check the page below and try again.",
        )
    else:
        messages.success(request, done)
    return redirect("sessions:session_detail", pk=pk)


@login_required
@permission_required("confer.follow_up_commitment", raise_exception=True)
def session_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Carry-over: the open commitments of this session's units and topics, made at earlier
    sessions the agent may edit, to mark kept, broken or withdrawn at this session."""
    editable = sessions_editable_by(request.user)
    session = get_object_or_404(editable.prefetch_related("units"), pk=pk)
    if session.status != Session.Status.HELD:
        messages.error(request, "Follow commitments up once the session is marked held.")
        return redirect("sessions:session_detail", pk=pk)
    commitments = (
        Commitment.objects.carry_over_for(session)
        .filter(agenda_item__session__in=editable.values("pk"))
        .select_related("agenda_item__session", "agenda_item__topic", "owner")
        .order_by("agenda_item__session__date", "pk")
    )
    data = request.POST if request.method == "POST" else None
    rows = follow_up_forms(commitments, data)
    if data is not None:
        if FollowUpForm.all_valid(rows):
            outcome = operations.follow_up(FollowUpForm.decisions(rows), session=session)
            messages.success(
                request, f"{outcome.resolved} commitment(s) followed up at this session."
            )
            return redirect("sessions:session_detail", pk=pk)
        messages.error(request, "Nothing was saved: correct the rows marked below.")
    return render(
        request,
        "sessions/session_follow_up.html",
        {"session": session, "rows": rows},
        status=400 if data is not None else 200,
    )


# --- Evidence packets ----------------------------------------------------------------------------

PACKETS_SHOWN = 10
can_make_packets = permission_required("confer.add_evidencepacket", raise_exception=True)


@login_required
@can_make_packets
def packet_page(request: HttpRequest) -> HttpResponse:
    """Choose what an evidence packet covers; the PDF is made in the background and listed here
    with whether the record has changed since."""
    if request.method == "POST":
        form = PacketForm(request.POST, user=request.user)
        if form.is_valid():
            operations.request_evidence_packet(
                form.found_sessions,
                by=request.user,
                topic=form.cleaned_data["topic"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                include_internal_notes=form.cleaned_data.get("include_internal_notes", False),
            )
            messages.success(
                request,
                f"The packet covers {len(form.found_sessions)} session(s). It is being made: "
                "reload this page in a moment to download it.",
            )
            return redirect("sessions:packet")
    else:
        topic = small_id(request.GET.get("topic", ""))
        initial = {"topic": topic} if topic is not None else {}
        form = PacketForm(initial=initial, user=request.user)
    packets = list(
        packets_readable_by(request.user)
        .select_related("topic", "produced_by")
        .prefetch_related("sessions")[:PACKETS_SHOWN]
    )
    current = facts_by_packet([packet for packet in packets if packet.is_rendered])
    rows = [
        (packet, packet.pk in current and fingerprint(current[packet.pk]) != packet.fingerprint)
        for packet in packets
    ]
    return render(
        request,
        "sessions/packet.html",
        {"form": form, "rows": rows},
        status=400 if form.is_bound else 200,
    )


@login_required
@can_make_packets
def packet_download(request: HttpRequest, pk: int) -> HttpResponse:
    packet = get_object_or_404(packets_readable_by(request.user).rendered(), pk=pk)
    return stored_file_response(
        packet.file, filename=f"evidence-packet-{packet.pk}.pdf", content_type="application/pdf"
    )
