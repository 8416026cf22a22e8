"""What members read (updates, search, per-unit and per-topic pages) and the few pages staff use
to generate, edit, preview and publish updates."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sessions.documents import file_response
from sessions.models import BargainingUnit, Document, Session, Topic, count_of
from upe_confer.conditional import cached_page
from upe_confer.models import ApiToken
from upe_confer.pagination import EstimatedCountPaginator
from upe_confer.text import long_datetime

from . import freshness
from .forms import (
    ApiTokenForm,
    PasswordResetForm,
    PublishForm,
    RegenerateForm,
    SearchForm,
    SubscriptionForm,
    UpdateFilterForm,
    UpdateForm,
)
from .generation import record_change
from .models import Subscription, Update
from .notify import user_from_unsubscribe_token
from .operations import (
    generate_update,
    publish_update,
    regenerate_update,
    set_subscription,
    unpublish_update,
    unsubscribe,
    withdraw_update,
)

PAGE_SIZE = 20
TIMELINE_PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def readable_updates(request: HttpRequest):
    """Updates for a list: the text is not shown there, so it is not fetched."""
    return (
        Update.objects.readable_by(request.user)
        .with_labels()
        .defer("body", "body_html", "generated_text")
    )


def can_edit_updates(user) -> bool:
    return user.has_perm("members.change_update")


# --- Members' side -------------------------------------------------------------------------------


@cached_page(freshness.member_page_freshness)
def update_list(request: HttpRequest) -> HttpResponse:
    updates = readable_updates(request).newest_first()
    form = UpdateFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        if unit := form.cleaned_data["unit"]:
            updates = updates.for_unit(unit)
        if topic := form.cleaned_data["topic"]:
            updates = updates.for_topic(topic)
    return render(
        request,
        "members/update_list.html",
        {"page_obj": paginate(request, updates), "form": form, "search_form": SearchForm()},
    )


@cached_page(freshness.member_page_freshness)
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_object_or_404(BargainingUnit, code=code)
    updates = readable_updates(request).for_unit(unit).newest_first()
    return render(
        request,
        "members/unit_detail.html",
        {"unit": unit, "page_obj": paginate(request, updates)},
    )


@cached_page(freshness.member_page_freshness)
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    # A timeline reads from the first meeting to the latest.
    updates = readable_updates(request).for_topic(topic).oldest_first()
    return render(
        request,
        "members/topic_detail.html",
        {"topic": topic, "page_obj": paginate(request, updates, TIMELINE_PAGE_SIZE)},
    )


@cached_page(freshness.member_page_freshness)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = ""
    page_obj = None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            page_obj = paginate(request, readable_updates(request).search(query))
    return render(
        request,
        "members/search.html",
        {"search_form": form, "query": query, "page_obj": page_obj},
    )


def update_for_reader(request: HttpRequest, slug: str) -> Update:
    """The update as its reader may open it: staff who edit updates any, everyone else a live
    one, and a members-only one only with the permission. Raises NeedsSignIn, 403 or 404."""
    staff = can_edit_updates(request.user)
    updates = Update.objects.all() if staff else Update.objects.published()
    update = get_object_or_404(updates.with_labels(), slug=slug)
    if update.members_only and not request.user.has_perm("members.read_members_only_update"):
        if not request.user.is_authenticated:
            raise NeedsSignIn
        raise PermissionDenied("This update is for members only.")
    return update


class NeedsSignIn(Exception):
    pass


def shared_documents(update: Update):
    """The documents of the update's session shared with members (none once deleted)."""
    if update.session_id is None:
        return Document.objects.none()
    return Document.objects.shared().filter(session=update.session_id).order_by("date", "pk")


@cached_page(freshness.member_page_freshness)
def update_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        update = update_for_reader(request, slug)
    except NeedsSignIn:
        return redirect_to_login(request.get_full_path())
    return render(
        request,
        "members/update_detail.html",
        {
            "update": update,
            "staff_view": can_edit_updates(request.user),
            "live": update.is_live(),
            "documents": shared_documents(update),
        },
    )


def update_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A document shared with members, downloaded from its update: readable exactly when the
    update is (public, members only; never while it is a draft or withdrawn)."""
    try:
        update = update_for_reader(request, slug)
    except NeedsSignIn:
        return redirect_to_login(request.get_full_path())
    return file_response(get_object_or_404(shared_documents(update), pk=pk))


# --- Staff: generate, edit, preview, publish -----------------------------------------------------


@login_required
@permission_required("members.add_update", raise_exception=True)
def generate_list(request: HttpRequest) -> HttpResponse:
    # Updates counted per listed session (a subquery); tens of thousands of held sessions
    # counted by estimate (the page shows only "page 1 of N").
    sessions = (
        Session.objects.held()
        .with_units()
        .annotate(update_count=count_of(Update.objects.all(), "session"))
        .order_by("-date", "-pk")
    )
    page = EstimatedCountPaginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/manage/generate.html", {"page_obj": page})


@require_POST
@login_required
@permission_required("members.add_update", raise_exception=True)
def generate(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.held(), pk=session_pk)
    update = generate_update(session, by=request.user)
    messages.success(request, "A draft update was written from the session. Read it through.")
    return redirect("members:update_edit", pk=update.pk)


def editable_update(request: HttpRequest, pk: int) -> Update:
    if not can_edit_updates(request.user):
        raise PermissionDenied
    return get_object_or_404(Update.objects.with_labels().select_related("session"), pk=pk)


@login_required
def update_edit(request: HttpRequest, pk: int) -> HttpResponse:
    update = editable_update(request, pk)
    form = UpdateForm(request.POST or None, instance=update)
    if request.method == "POST" and form.is_valid():
        update._change_reason = "Edited"
        form.save()
        messages.success(request, "Saved.")
        if "preview" in request.POST:
            return redirect("members:update_preview", pk=update.pk)
        return redirect("members:update_edit", pk=update.pk)
    history = update.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "members/manage/edit.html",
        {
            "update": update,
            "form": form,
            "publish_form": PublishForm(),
            "change": record_change(update),
            "history": history,
            "live": update.is_live(),
        },
    )


@login_required
def update_preview(request: HttpRequest, pk: int) -> HttpResponse:
    update = editable_update(request, pk)
    return render(
        request,
        "members/update_detail.html",
        {"update": update, "staff_view": True, "preview": True, "live": update.is_live()},
    )


@login_required
def update_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    update = editable_update(request, pk)
    change = record_change(update)
    if change is None:
        messages.error(request, "This update was not generated from a session.")
        return redirect("members:update_edit", pk=update.pk)
    form = RegenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        regenerate_update(update, change)
        messages.success(request, "The update was rewritten from the record as it is now.")
        return redirect("members:update_edit", pk=update.pk)
    return render(
        request,
        "members/manage/regenerate.html",
        {"update": update, "change": change, "form": form},
    )


def publishable_update(request: HttpRequest, pk: int) -> Update:
    if not request.user.has_perm("members.publish_update"):
        raise PermissionDenied
    return get_object_or_404(Update, pk=pk)


@require_POST
@login_required
def update_publish(request: HttpRequest, pk: int) -> HttpResponse:
    update = publishable_update(request, pk)
    now = timezone.now()
    form = PublishForm(request.POST, now=now)
    if not form.is_valid():
        # The publish form sits on the edit page: show it there again with its errors.
        update = editable_update(request, pk)
        return render(
            request,
            "members/manage/edit.html",
            {
                "update": update,
                "form": UpdateForm(instance=update),
                "publish_form": form,
                "change": record_change(update),
                "history": update.history.select_related("history_user").order_by("-history_date")[
                    :20
                ],
                "live": update.is_live(),
            },
            status=400,
        )
    publish_update(update, at=form.go_live_at(), now=now)
    if update.status == Update.Status.SCHEDULED:
        when = long_datetime(timezone.localtime(update.publish_at))
        messages.success(request, f"Scheduled: members will see it from {when}.")
    else:
        messages.success(request, "Published: members can read it now.")
    return redirect("members:update_edit", pk=update.pk)


@require_POST
@login_required
def update_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    update = publishable_update(request, pk)
    unpublish_update(update)
    messages.success(request, "Back to draft: members no longer see it.")
    return redirect("members:update_edit", pk=update.pk)


@require_POST
@login_required
def update_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    update = publishable_update(request, pk)
    withdraw_update(update)
    messages.success(request, "Withdrawn: members no longer see it.")
    return redirect("members:update_edit", pk=update.pk)


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Every update with its status, for staff."""
    if not can_edit_updates(request.user):
        raise PermissionDenied
    updates = Update.objects.with_labels().order_by("-updated_at", "-pk")
    status = request.GET.get("status", "")
    if status in Update.Status.values:
        updates = updates.filter(status=status)
    counts = dict(
        Update.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return render(
        request,
        "members/manage/list.html",
        {
            "page_obj": paginate(request, updates),
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in Update.Status.choices
            ],
            "now": timezone.now(),
        },
    )


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    """Where signing in leads when no page was asked for: each role's own starting page."""
    user = request.user
    if user.is_staff and user.has_perm("confer.change_all_units"):
        return redirect("admin:index")
    if user.has_perm("confer.add_session"):
        return redirect("sessions:agent_home")
    if user.has_perm("members.change_update"):
        return redirect("members:manage")
    return redirect("members:update_list")


class RedirectThenSend(HttpResponseRedirect):
    """A redirect whose mail goes out after the response is sent: the WSGI server calls
    close() once the client has the whole response."""

    def __init__(self, url: str, form: PasswordResetForm) -> None:
        super().__init__(url)
        self.form = form

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.form.send_prepared_mail()


class PasswordResetView(auth_views.PasswordResetView):
    """ "Forgotten your password?": answered at once and the same way whether the address is
    known or not; the reset mail is sent after the answer (no timing tells which addresses
    have accounts)."""

    form_class = PasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        super().form_valid(form)  # prepares the mail: PasswordResetForm.send_mail
        return RedirectThenSend(str(self.get_success_url()), form)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """ "My account": which update emails the member receives, and their API tokens."""
    form = None
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            set_subscription(
                request.user,
                email_updates=form.cleaned_data["email_updates"],
                all_units=form.cleaned_data["all_units"],
                units=form.cleaned_data["units"],
            )
            messages.success(request, "Your email choices are saved.")
            return redirect("members:account")
    return render_account(request, form=form)


def render_account(
    request: HttpRequest, form=None, token_form=None, new_token: str = "", status: int = 200
) -> HttpResponse:
    if form is None:
        subscription = Subscription.objects.filter(user=request.user).first()
        form = SubscriptionForm(
            initial={
                "email_updates": subscription.email_updates if subscription else True,
                "all_units": "true" if subscription is None or subscription.all_units else "false",
                "units": subscription.units.all() if subscription else [],
            }
        )
    return render(
        request,
        "members/account.html",
        {
            "form": form,
            "token_form": token_form or ApiTokenForm(),
            "api_tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
        },
        status=status,
    )


@require_POST
@login_required
def api_token_create(request: HttpRequest) -> HttpResponse:
    """A new personal API token: its secret is on this answer and nowhere else, ever."""
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return render_account(request, token_form=token_form, status=400)
    _, secret = ApiToken.issue(request.user, token_form.cleaned_data["name"])
    return render_account(request, new_token=secret, status=201)


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.delete()
    messages.success(request, f"The API token “{token.name}” is revoked: it opens nothing now.")
    return redirect("members:account")


@csrf_exempt  # the signed token is the credential: mail clients POST it with no cookie (RFC 8058)
def unsubscribe_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every update email. GET asks to confirm (link checkers and previews open
    links); POST, from the page or a mail client's one-click button, unsubscribes."""
    user = user_from_unsubscribe_token(token)
    if user is None:
        return render(request, "members/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        unsubscribe(user)
        done = True
    return render(request, "members/unsubscribe.html", {"email": user.email, "done": done})
