"""Pages of the symptom checker."""

from django.shortcuts import render


def start(request):
    return render(request, "triage/start.html")
