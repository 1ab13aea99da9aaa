"""Django's makemessages, also extracting `_lazy(...)`: the forms import `gettext_lazy as _lazy`
beside `gettext as _`, and xgettext knows only Django's own names."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
