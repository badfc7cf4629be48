"""Pages of the stretch plan."""

from django.shortcuts import render


def plan(request):
    return render(request, "reminders/plan.html")
