"""Server-rendered pages of the supervision app that are not part of the general UI: the
printable reminder letter (提示函) and its Word file. The issues board, meeting pages and the
meeting-room screen belong to the UI (issue #5) and build on `supervision.selectors`,
`supervision.agenda` and `supervision.workflow`."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .letters import download_name, letter_text


@login_required
def letter_print(request, pk: int):
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    text = letter_text(letter)
    return render(
        request,
        "supervision/letter_print.html",
        {"letter": letter, "text": text, "rows": zip(text["rows"], letter.rows, strict=True)},
    )


@login_required
def letter_docx(request, pk: int):
    letter = get_object_or_404(selectors.letter_list(user=request.user), pk=pk)
    return FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=download_name(letter),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
