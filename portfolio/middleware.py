"""Language: Chinese unless the user chose otherwise.

Office PCs in government often run an English Windows or browser, whose Accept-Language would
switch a Chinese application to English for an official who never asked. The language is the
one the user picked with the language switch (Django's language cookie), else LANGUAGE_CODE.
"""

from django.middleware.locale import LocaleMiddleware


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with the browser's Accept-Language left out."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
