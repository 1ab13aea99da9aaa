from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class Floor(APIView):
    """A small JSON body, like a summary's row."""

    def get(self, request):  # noqa: ARG002  (the view's signature)
        return Response({"period": "2026-11", "rows": [{"key": "990000", "value": "1.00"}]})


urlpatterns = [path("floor/", Floor.as_view())]
