from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "areas/home.html", {})


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "areas/home.html", {})
