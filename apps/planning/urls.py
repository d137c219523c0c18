"""URLs under ``/planning-v2/``."""

from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.planning_page, name="page"),
    path("api/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("api/snapshot/", views.SnapshotView.as_view(), name="snapshot"),
    path("api/printers/<int:sp_id>/", views.PrinterDetailView.as_view(), name="printer-detail"),
    path("api/mode/", views.ModeView.as_view(), name="mode"),
    path("api/health/", views.HealthView.as_view(), name="health"),
]
