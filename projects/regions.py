"""The region tree loader (区划树): `load_regions(source) -> RegionLoadResult`.

Used by `manage.py load_regions FILE.csv` and by `seed_demo`. The source is a UTF-8 CSV (a BOM is
accepted) with the header `代码,名称,上级代码` (or `code,name,parent_code`; the parent is empty
for a root), or rows given directly.

- The level of each region is derived from its code (GB/T 2260: 6 digits ending 0000 →
  province, ending 00 → city, other 6 digits → county, 9 or 12 digits → town); where that would
  not lie below the parent's level, it is the level below the parent's (and a region below a
  town is refused). Region.clean's rule holds: a child's code lies within its parent's prefix.
- Parents may appear after their children; a parent may also already be in the database.
- All or nothing: every bad row is reported with its line number and reason, and then nothing is
  written. Idempotent: a region whose name, parent, level and order already match is left
  alone, so loading the same file twice writes nothing (and no history rows). A changed name or
  parent of an existing code is an update, recorded by django-simple-history.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import set_history_user

from .choices import RegionLevel
from .models import Region, region_prefix

HEADER_ALIASES = {
    "code": ("代码", "区划代码", "code"),
    "name": ("名称", "name"),
    "parent_code": ("上级代码", "parent_code", "parent"),
}

LEVEL_ORDER: list[str] = [
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWN,
]


@dataclass(frozen=True)
class RegionRow:
    """One row of the source; `line` is the line number in the file (the header is line 1)."""

    line: int
    code: str
    name: str
    parent_code: str


@dataclass(frozen=True)
class RegionError:
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        where = _("第 %(line)s 行") % {"line": self.line} if self.line else _("文件")
        code = f" [{self.code}]" if self.code else ""
        return f"{where}{code}: {self.reason}"


@dataclass
class RegionLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RegionError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        return _("新增 %(c)s 个，更新 %(u)s 个，未变 %(n)s 个") % {
            "c": len(self.created),
            "u": len(self.updated),
            "n": self.unchanged,
        }


class RegionFileError(Exception):
    """The file cannot be read at all (encoding, header)."""


def code_level(code: str) -> str:
    """The level a GB/T 2260 code stands for on its own."""
    if len(code) == 6:
        if code.endswith("0000"):
            return RegionLevel.PROVINCE
        if code.endswith("00"):
            return RegionLevel.CITY
        return RegionLevel.COUNTY
    return RegionLevel.TOWN


def read_region_csv(source) -> list[RegionRow]:
    """Rows of a region CSV: a path, a binary or a text file object. Raises RegionFileError."""
    if isinstance(source, str | Path):
        with open(source, "rb") as fh:
            data = fh.read()
    else:
        data = source.read()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RegionFileError(
                _("文件不是 UTF-8 编码（第 %(pos)s 字节）。") % {"pos": exc.start}
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise RegionFileError(_("文件为空。"))
    columns = _columns(header)
    rows: list[RegionRow] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        cells = {key: (values[i].strip() if i < len(values) else "") for key, i in columns.items()}
        rows.append(RegionRow(reader.line_num, cells["code"], cells["name"], cells["parent_code"]))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    normalised = [h.strip().lower() for h in header]
    columns = {}
    for key, aliases in HEADER_ALIASES.items():
        for i, title in enumerate(normalised):
            if title in aliases:
                columns[key] = i
                break
        else:
            raise RegionFileError(
                _("表头缺少列“%(col)s”（应为 代码,名称,上级代码 或 code,name,parent_code）。")
                % {"col": aliases[0]}
            )
    return columns


def _as_rows(source) -> list[RegionRow]:
    """Rows from a file (see read_region_csv) or from an iterable of RegionRow, mappings with
    keys code/name/parent_code (Chinese headers too) or (code, name, parent_code) tuples;
    rows given directly are numbered from 1."""
    if isinstance(source, str | Path) or hasattr(source, "read"):
        return read_region_csv(source)
    rows = []
    for number, item in enumerate(source, start=1):
        if isinstance(item, RegionRow):
            rows.append(item)
            continue
        if isinstance(item, Mapping):
            lowered = {str(k).strip().lower(): v for k, v in item.items()}
            values = [
                next((lowered[a] for a in aliases if a in lowered), "") or ""
                for aliases in HEADER_ALIASES.values()
            ]
        else:
            values = [*list(item), "", "", ""][:3]
        code, name, parent = (str(v or "").strip() for v in values)
        rows.append(RegionRow(number, code, name, parent))
    return rows


def load_regions(
    source: str | Path | Iterable, *, user=None, dry_run: bool = False
) -> RegionLoadResult:
    """Loads (creates or updates) the regions of `source`, all or nothing.

    Returns the result; if `result.errors` is not empty nothing was written. With `dry_run`,
    validates and reports what would change without writing.
    """
    result = RegionLoadResult()
    try:
        rows = _as_rows(source)
    except RegionFileError as exc:
        result.errors.append(RegionError(0, "", str(exc)))
        return result
    if not rows:
        result.errors.append(RegionError(0, "", _("文件中没有区域数据。")))
        return result

    with transaction.atomic():
        plan = _validate(rows, result)
        if result.errors:
            return result
        existing = Region.objects.in_bulk([row.code for row in rows])
        for row, level, order in plan:
            region = existing.get(row.code)
            parent_id = row.parent_code or None
            if region is None:
                region = Region(
                    code=row.code, name=row.name, parent_id=parent_id, level=level, order=order
                )
                result.created.append(row.code)
            elif (region.name, region.parent_id, region.level, region.order) != (
                row.name,
                parent_id,
                level,
                order,
            ):
                region.name, region.parent_id, region.level = row.name, parent_id, level
                region.order = order
                result.updated.append(row.code)
            else:
                result.unchanged += 1
                continue
            try:
                region.full_clean(exclude=["parent", "prefix"], validate_unique=False)
            except ValidationError as exc:
                result.errors.append(RegionError(row.line, row.code, _messages(exc)))
                continue
            if not dry_run:
                set_history_user(region, user)
                region.save()
        if result.errors or dry_run:
            transaction.set_rollback(True)
            if result.errors:
                result.created, result.updated, result.unchanged = [], [], 0
    return result


def _messages(exc: ValidationError) -> str:
    return "；".join(m for messages in exc.message_dict.values() for m in messages)


def _validate(  # noqa: C901  (the file's checks, one after another)
    rows: list[RegionRow], result: RegionLoadResult
) -> list[tuple[RegionRow, str, int]]:
    """Checks every row; returns (row, level, order among siblings) with parents first."""
    errors = result.errors
    by_code: dict[str, RegionRow] = {}
    good: list[RegionRow] = []
    for row in rows:
        bad = len(errors)
        if not _is_code(row.code):
            errors.append(RegionError(row.line, row.code, _("区划代码应为 6、9 或 12 位数字。")))
        if not row.name:
            errors.append(RegionError(row.line, row.code, _("名称为空。")))
        if row.parent_code and not _is_code(row.parent_code):
            errors.append(
                RegionError(
                    row.line,
                    row.code,
                    _("上级代码 %(p)s 应为 6、9 或 12 位数字。") % {"p": row.parent_code},
                )
            )
        if row.code in by_code:
            errors.append(
                RegionError(
                    row.line,
                    row.code,
                    _("区划代码重复（第 %(first)s 行已有）。") % {"first": by_code[row.code].line},
                )
            )
            continue
        by_code[row.code] = row
        if len(errors) == bad:
            good.append(row)

    db_parent = _DatabaseParents(by_code)
    for row in good:
        parent = row.parent_code
        if not parent or parent == row.code:
            continue  # a root, or a cycle of one (reported below)
        if parent not in by_code and not db_parent.exists(parent):
            errors.append(
                RegionError(
                    row.line,
                    row.code,
                    _("上级代码 %(p)s 不存在（文件和系统中都没有）。") % {"p": parent},
                )
            )
        elif not row.code.startswith(region_prefix(parent)):
            errors.append(
                RegionError(
                    row.line,
                    row.code,
                    _("区划代码 %(code)s 不在上级 %(p)s 的代码范围内。")
                    % {"code": row.code, "p": parent},
                )
            )
    if errors:
        return []
    _check_cycles(good, db_parent, errors)
    if errors:
        return []

    # Levels, parents first (a parent's level may decide its child's).
    levels: dict[str, str] = {}
    ordered: list[RegionRow] = []
    pending = list(rows)
    while pending:
        ready = [
            r
            for r in pending
            if not r.parent_code or r.parent_code in levels or r.parent_code not in by_code
        ]
        for row in ready:
            parent_level = None
            if row.parent_code:
                parent_level = levels.get(row.parent_code) or db_parent.level(row.parent_code)
            level = _level(row.code, parent_level)
            if level is None:
                errors.append(RegionError(row.line, row.code, _("镇街以下的区域不在管理范围内。")))
                level = RegionLevel.TOWN
            levels[row.code] = level
            ordered.append(row)
        pending = [r for r in pending if r.code not in levels]

    # Order among siblings follows the file.
    counters: dict[str, int] = {}
    position: dict[str, int] = {}
    for row in rows:
        counters[row.parent_code] = counters.get(row.parent_code, 0) + 1
        position[row.code] = counters[row.parent_code]
    return [(row, levels[row.code], position[row.code]) for row in ordered]


def _is_code(code: str) -> bool:
    return code.isdigit() and len(code) in (6, 9, 12)


class _DatabaseParents:
    """Regions already in the database that the file refers to but does not contain."""

    def __init__(self, by_code: dict[str, RegionRow]):
        self.by_code = by_code
        self.cache: dict[str, Region | None] = {}

    def get(self, code: str) -> Region | None:
        if code not in self.cache:
            self.cache[code] = Region.objects.filter(code=code).first()
        return self.cache[code]

    def exists(self, code: str) -> bool:
        return self.get(code) is not None

    def level(self, code: str) -> str | None:
        region = self.get(code)
        return region.level if region else None

    def parent_of(self, code: str) -> str:
        """The parent as the load would leave it: the file's for its rows, else the database's."""
        if code in self.by_code:
            return self.by_code[code].parent_code
        region = self.get(code)
        return (region.parent_id or "") if region else ""


def _level(code: str, parent_level: str | None) -> str | None:
    own = code_level(code)
    if parent_level is None:
        return own
    parent_rank = LEVEL_ORDER.index(parent_level)
    if LEVEL_ORDER.index(own) > parent_rank:
        return own
    if parent_rank + 1 >= len(LEVEL_ORDER):
        return None
    return LEVEL_ORDER[parent_rank + 1]


def _check_cycles(rows, db_parent: _DatabaseParents, errors) -> None:
    """A row whose chain of parents comes back to itself is a cycle (each row of it reported)."""
    for row in rows:
        chain = [row.code]
        parent = row.parent_code
        while parent:
            if parent == row.code:
                errors.append(
                    RegionError(
                        row.line,
                        row.code,
                        _("上级关系成环：%(chain)s。") % {"chain": " → ".join([*chain, parent])},
                    )
                )
                break
            if parent in chain:
                break  # a cycle further up; reported on its own rows
            chain.append(parent)
            parent = db_parent.parent_of(parent)
