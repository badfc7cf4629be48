"""Pages of the diary."""

from django.shortcuts import render


def today(request):
    return render(request, "diary/today.html")
