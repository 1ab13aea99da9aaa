"""Reminder letters (提示函) to district governments about their yellow and red projects.

The text of a letter is composed once (`letter_text`) and rendered twice from it — the printable
HTML page (templates/supervision/letter_print.html) and the Word file (python-docx, so officials
can edit it) — so the two always say the same thing. The layout follows the official format of
GB/T 9704 in outline: issuing authority in red, document number (文号) under it, a red rule,
title, addressee (主送机关), body, the list of projects, requested actions, deadline, signature
and the date in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Case, IntegerField, Max, Value, When
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from assessment.choices import Colour
from assessment.models import ProjectStatus
from core.text import clean_text
from projects.choices import RegionLevel, Stage
from projects.models import Region
from supervision.models import SupervisionSettings
from supervision.workdays import WorkCalendar

from .models import ReminderLetter

LETTER_COLOURS = [Colour.RED, Colour.YELLOW]
CN_NUMERALS = "一二三四五六七八九十"
DEFAULT_ACTIONS = [
    "对照清单逐个分析项目滞后原因，压实“四包一”责任，明确整改措施、责任人和完成时限；",
    "对红色项目实行区级领导牵头专班推进，逐项协调解决用地、资金、手续等制约因素；",
    "对黄色项目加密调度频次，加快形成实物工作量，确保尽快转为正常推进；",
    "及时如实填报项目月度进展，未纳统项目加快入库纳统。",
]


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(year: int, month: int) -> str:
    return f"{year}年1月" if month == 1 else f"{year}年1—{month}月"


def city_of(region: Region) -> Region:
    """The city a district belongs to (the region itself at the top of a tree)."""
    node = region
    while node.level != RegionLevel.CITY and node.parent is not None:
        node = node.parent
    return node


def issuer_and_prefix(region: Region) -> tuple[str, str]:
    conf = SupervisionSettings.current()
    city = city_of(region)
    issuer = conf.letter_issuer or f"{city.name}重点项目建设推进办公室"
    prefix = conf.letter_number_prefix or f"{city.name[:1]}重点办函"
    return issuer, prefix


def letter_rows(region: Region, year: int, month: int) -> list[dict]:
    """The district's yellow and red projects of the period, red first, with their reasons."""
    statuses = (
        ProjectStatus.objects.filter(
            project__region=region, year=year, month=month, colour__in=LETTER_COLOURS
        )
        .exclude(project__stage=Stage.WITHDRAWN)
        .select_related("project")
        .order_by(
            Case(
                When(colour=Colour.RED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "project__code",
        )
    )
    return [
        {
            "code": status.project.code,
            "name": status.project.name,
            "colour": status.colour,
            "colour_label": _("%(c)s色（%(m)s）")
            % {"c": Colour(status.colour).label, "m": Colour(status.colour).meaning},
            "reason": status.reason or "",
        }
        for status in statuses
    ]


def districts_with_colours(*, parent: Region, year: int, month: int):
    return (
        Region.objects.filter(
            level=RegionLevel.COUNTY,
            code__startswith=parent.prefix,
            projects__statuses__year=year,
            projects__statuses__month=month,
            projects__statuses__colour__in=LETTER_COLOURS,
        )
        .distinct()
        .order_by("order", "code")
    )


def build_letter(
    *, region: Region, year: int, month: int, user, on: dt.date, letter: ReminderLetter | None
) -> ReminderLetter:
    """Creates (or rebuilds, keeping its number) the letter; called by services.letter_generate
    inside its transaction."""
    rows = letter_rows(region, year, month)
    if not rows:
        raise ValidationError(
            {
                "region": _("%(r)s %(p)s 没有黄色、红色项目，无需发提示函。")
                % {"r": region.name, "p": f"{year}-{month:02d}"}
            }
        )
    conf = SupervisionSettings.objects.select_for_update().get(pk=SupervisionSettings.current().pk)
    issuer, prefix = issuer_and_prefix(region)
    deadline = WorkCalendar.load().add_workdays(on, conf.letter_reply_workdays)
    actions = [line.strip() for line in conf.letter_actions.splitlines() if line.strip()]
    if letter is None:
        serial = (
            ReminderLetter.objects.filter(number_year=on.year).aggregate(m=Max("serial"))["m"] or 0
        ) + 1
        letter = ReminderLetter(
            region=region,
            year=year,
            month=month,
            number_year=on.year,
            serial=serial,
            number=f"{prefix}〔{on.year}〕{serial}号",
            created_by=user,
        )
    letter.title = _("关于%(region)s%(period)s黄色、红色重点项目的提示函") % {
        "region": region.name,
        "period": period_text(year, month),
    }
    letter.addressee = f"{region.name}人民政府"
    letter.issuer = issuer
    letter.issued_on = on
    letter.reply_workdays = conf.letter_reply_workdays
    letter.reply_deadline, letter.reply_deadline_provisional = deadline
    letter.actions = actions or DEFAULT_ACTIONS
    letter.rows = rows
    letter.full_clean(exclude=["file"])
    render_file(letter)
    letter.save()
    return letter


def letter_text(letter: ReminderLetter) -> dict:
    """Every sentence of the letter, for the HTML page and the DOCX file alike."""
    red, yellow = letter.red_count, letter.yellow_count
    deadline = cn_date(letter.reply_deadline)
    if letter.reply_deadline_provisional:
        deadline += _("（节假日安排尚未发布，日期待确认）")
    return {
        "issuer": letter.issuer,
        "number": letter.number,
        "title": letter.title,
        "addressee": f"{letter.addressee}：",
        "opening": _(
            "根据%(period)s全市重点项目建设调度情况，按照重点项目“绿白黄红”四色管理办法，"
            "你区共有%(n)s个重点项目被列为黄色、红色项目（其中红色%(red)s个、黄色%(yellow)s个），"
            "现将有关情况函告如下："
        )
        % {
            "period": period_text(letter.year, letter.month),
            "n": len(letter.rows),
            "red": red,
            "yellow": yellow,
        },
        "table_header": [_("序号"), _("项目编号"), _("项目名称"), _("四色"), _("原因")],
        "rows": [
            [str(i), row["code"], row["name"], row["colour_label"], row["reason"]]
            for i, row in enumerate(letter.rows, start=1)
        ],
        "request": _("请你区高度重视，抓紧推动上述项目加快建设："),
        "actions": [
            f"{CN_NUMERALS[i] if i < len(CN_NUMERALS) else i + 1}、{text}"
            for i, text in enumerate(letter.actions)
        ],
        "deadline": _("请于%(d)s前将整改落实情况书面报送%(issuer)s。")
        % {"d": deadline, "issuer": letter.issuer},
        "closing": _("特此函告。"),
        "signature": letter.issuer,
        "date": cn_date(letter.issued_on),
    }


# --- DOCX ------------------------------------------------------------------------------------

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
RED = RGBColor(0xD9, 0x00, 0x00)
COLUMN_WIDTHS_CM = (1.1, 2.7, 4.0, 2.6, 5.2)  # 15.6 cm: the A4 text width


def _run(paragraph, text: str, *, font=BODY_FONT, size=16, bold=False, colour=None):
    run = paragraph.add_run(clean_text(text))  # Word refuses control characters
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _paragraph(document, text="", *, align=None, indent=False, **run_options):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(28)
    if text:
        _run(paragraph, text, **run_options)
    return paragraph


def _red_rule(paragraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {
        "w:val": "single",
        "w:sz": "18",
        "w:space": "4",
        "w:color": "D90000",
    }.items():
        bottom.set(qn(key), value)
    border.append(bottom)
    properties.append(border)


def render_docx(letter: ReminderLetter) -> bytes:
    text = letter_text(letter)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    _paragraph(
        document,
        text["issuer"],
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=TITLE_FONT,
        size=26,
        colour=RED,
    )
    number = _paragraph(document, text["number"], align=WD_ALIGN_PARAGRAPH.CENTER)
    _red_rule(number)
    _paragraph(document)
    _paragraph(document, text["title"], align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=22)
    _paragraph(document)
    _paragraph(document, text["addressee"])
    _paragraph(document, text["opening"], indent=True)

    table = document.add_table(rows=1, cols=len(text["table_header"]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, title in zip(table.rows[0].cells, text["table_header"], strict=True):
        cell.text = ""
        _run(cell.paragraphs[0], title, font=HEADING_FONT, size=12)
    for values in text["rows"]:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _run(cell.paragraphs[0], value, size=12)
    for row in table.rows:
        for cell, width in zip(row.cells, COLUMN_WIDTHS_CM, strict=True):
            cell.width = Cm(width)

    _paragraph(document, text["request"], indent=True)
    for action in text["actions"]:
        _paragraph(document, action, indent=True)
    _paragraph(document, text["deadline"], indent=True)
    _paragraph(document, text["closing"], indent=True)
    _paragraph(document)
    _paragraph(document, text["signature"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, text["date"], align=WD_ALIGN_PARAGRAPH.RIGHT)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_file(letter: ReminderLetter) -> None:
    """(Re)writes the letter's Word file; the caller saves the letter."""
    name = f"letter-{letter.region_id}-{letter.year}{letter.month:02d}-{letter.serial}.docx"
    letter.file.save(name, ContentFile(render_docx(letter)), save=False)


def download_name(letter: ReminderLetter) -> str:
    return f"{letter.number}{letter.region.name}提示函.docx"
