"""Pages of the meetings app (namespace `meetings:`): meetings and reminder letters."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/freeze/", views.meeting_freeze, name="meeting_freeze"),
    path("meetings/<int:pk>/refresh/", views.meeting_refresh, name="meeting_refresh"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/projects/", views.decision_projects, name="decision_projects"),
    path("letters/", views.letter_list, name="letter_list"),
    path("letters/generate/", views.letter_generate, name="letter_generate"),
    path("letters/<int:pk>/reply/", views.letter_reply, name="letter_reply"),
    path("letters/<int:pk>/reply/file/", views.letter_reply_file, name="letter_reply_file"),
    path("supervision/letters/<int:pk>/", views.letter_print, name="letter_print"),
    path("supervision/letters/<int:pk>/docx/", views.letter_docx, name="letter_docx"),
]
