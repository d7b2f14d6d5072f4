from django.urls import path

from bench.peers.django import views

urlpatterns = [path("account", views.account, name="account"), path("healthz", views.healthz)]
