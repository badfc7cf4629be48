"""Pages of the symptom checker: the questions, the result, saved results, the clinician's view."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from triage import flow, presentation
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment, AssessmentIdTaken


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


def _page(request: HtmxHttpRequest, knowledge: dict, step: flow.Step) -> HttpResponse:
    context = {
        "answers_json": flow.encode_answers(step.answers),
        "unsure_json": flow.encode_answers(step.unsure),
        "review": step.review,
        "disclaimer": knowledge["disclaimer"],
        "signs": presentation.help_signs(knowledge),
    }
    if step.screen is not None:
        context["view"] = presentation.screen_view(knowledge, step)
    else:
        context["result"] = presentation.result_view(
            knowledge, step.result, step.answers, step.unsure
        )
        context["assessment_id"] = uuid.uuid4()
    if request.htmx:
        return render(request, "triage/checker.html#step", context)
    # The whole page also carries every screen and an empty result as <template>s, from
    # which checker.js builds the same pages in the browser when there is no network.
    context["blank_screens"] = [
        presentation.screen_view(knowledge, flow.Step({}, screen=screen))
        for screen in knowledge["screens"]
    ]
    context["blank_result"] = presentation.blank_result(knowledge)
    context["knowledge_version"] = knowledge["version"]
    return render(request, "triage/checker.html", context)


# The steps change nothing on the server (the answers travel with the form), so a page
# served from the offline cache with an old CSRF token must still be able to go on.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    knowledge = load_knowledge()
    if request.method == "POST":
        step = flow.take_step(knowledge, request.POST)
    else:
        step = flow.first_step(knowledge)
    if step.result is None and step.screen is None:
        step = flow.first_step(knowledge)
    return _page(request, knowledge, step)


@login_required
@require_POST
def save(request: HtmxHttpRequest) -> HttpResponse:
    """Save a result to the signed-in patient's account (once per client-made id)."""
    knowledge = load_knowledge()
    answers = flow.decode_answers(knowledge, request.POST.get("answers"))
    unsure = flow.decode_unsure(knowledge, request.POST.get("unsure"), answers)
    try:
        client_id = uuid.UUID(request.POST.get("id", ""))
    except ValueError:
        client_id = uuid.uuid4()
    try:
        assessment, _created = Assessment.objects.record(
            assess(knowledge, answers, unsure),
            answers,
            unsure=unsure,
            user=request.user,
            id=client_id,
        )
    except AssessmentIdTaken:
        raise Http404 from None
    messages.success(request, _("Saved to your account."))
    if request.POST.get("then") == "diary":
        url = reverse("diary:today") + f"?from_assessment={assessment.pk}"
    else:
        url = reverse("triage:assessment", args=[assessment.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_GET
def assessment(request: HttpRequest, pk) -> HttpResponse:
    saved = get_object_or_404(Assessment.objects.of(request.user), pk=pk)
    knowledge = load_knowledge()
    return render(
        request,
        "triage/assessment.html",
        {
            "assessment": saved,
            "result": presentation.result_view(
                knowledge, saved.result, saved.answers, saved.unsure
            ),
            "answers_json": flow.encode_answers(saved.answers),
            "unsure_json": flow.encode_answers(saved.unsure),
            "disclaimer": knowledge["disclaimer"],
            "signs": presentation.help_signs(knowledge),
            "saved": True,
        },
    )


@require_GET
def knowledge_page(request: HttpRequest) -> HttpResponse:
    """The knowledge base as a page a clinician can review; physiotherapists and admins only."""
    user = request.user
    if not user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    if not (user.is_superuser or user.is_physiotherapist):
        raise Http404
    knowledge = load_knowledge()
    return render(request, "triage/knowledge.html", presentation.knowledge_view(knowledge))
