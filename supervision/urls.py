"""Pages of the supervision app; portfolio/urls.py includes them under /supervision/."""

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("letters/<int:pk>/", views.letter_print, name="letter-print"),
    path("letters/<int:pk>/docx/", views.letter_docx, name="letter-docx"),
]
