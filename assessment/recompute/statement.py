"""The statement of a recompute: one period's DELETE of its ProjectStatus rows and one
INSERT … SELECT that computes and writes them anew — the figures (`measures.figures_sql`) and,
layer on layer, the verdicts, numbers and colour (`colours.layers`), for every project of the
period (or of a region) at once; nothing loops over projects in Python. (One statement for a
whole province is faster than one per district: each source table is aggregated once, with hash
joins.)

`write` runs it on this connection; `parallel` runs it in ranges of project ids on several.
The run around it (locks, transaction, bookkeeping) is `runs`'s.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Q
from django.db.models.sql import Query

from core.periods import Period
from projects.models import Project, Region

from .. import colours, measures
from ..models import ColourRules, ProjectStatus


def compiled_layers(rules: ColourRules, period: Period) -> list[tuple[list, list, list]]:
    """assessment.colours' layers compiled to SQL against ProjectStatus: per layer, the column
    names, their SQL and the params. Compiled once per run (compiling the colour expressions
    costs more than running them on a district)."""
    query = Query(ProjectStatus)
    compiler = query.get_compiler(connection=connection)
    compiled = []
    for layer in colours.layers(rules, period):
        sqls, params = [], []
        for expression in layer.values():
            sql, expression_params = compiler.compile(
                expression.resolve_expression(query, allow_joins=False)
            )
            sqls.append(sql)
            params.extend(expression_params)
        compiled.append((list(layer), sqls, params))
    return compiled


def insert_sql(
    figures: tuple[str, tuple], layers, constants: dict, now, *, into: str | None = None
) -> tuple[str, list]:
    """INSERT INTO projectstatus … SELECT … FROM (layer 2 FROM (layer 1 FROM (figures))): each
    layer a derived table aliased like ProjectStatus's table, so the compiled expressions find
    the figures and the earlier layers' columns by name; every layer's columns are stored. On
    PostgreSQL `OFFSET 0` keeps the planner from merging the layers (which would compute shared
    expressions again). `constants`: columns with one value for the run; `into`: another
    table with those columns (a staging table). The columns are `written_columns`'s."""
    qn = connection.ops.quote_name
    table = qn(ProjectStatus._meta.db_table)
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    # Ordered by region: a district's rows sit together on disk, which is how they are read.
    # Each layer keeps the order (its ORDER BY is satisfied by its input), so the final ORDER
    # BY adds no sort on PostgreSQL.
    order = f"{table}.{qn('region_id')}, {table}.{qn('project_id')}"
    sql = f"SELECT * FROM ({figures[0]}) {table} ORDER BY {order}"
    params = list(figures[1])
    for names, sqls, layer_params in layers[:-1]:
        items = ", ".join(f"{item} AS {qn(name)}" for name, item in zip(names, sqls, strict=True))
        sql = f"SELECT {table}.*, {items} FROM ({sql}{fence}) {table} ORDER BY {order}"
        params = [*layer_params, *params]
    names, sqls, final_params = layers[-1]
    columns = written_columns(layers, constants)
    written_here = {*names, *constants, "computed_at"}
    kept = [c for c in columns if c not in written_here]  # read from the layers below
    select = ", ".join(
        [*(f"{table}.{qn(c)}" for c in kept), *sqls, *(["%s"] * len(constants)), "%s"]
    )
    target = qn(into) if into else table
    sql = (
        f"INSERT INTO {target} ({', '.join(qn(c) for c in columns)}) SELECT {select} "
        f"FROM ({sql}{fence}) {table} ORDER BY {order}"
    )
    return sql, [*final_params, *constants.values(), now, *params]


def clear(period: Period, region: Region | None) -> None:
    """Deletes the period's rows (of `region`'s projects, where they are now or were then)."""
    stale = ProjectStatus.objects.filter(year=period.year, month=period.month)
    if region is not None:
        stale = stale.filter(
            Q(project_id__in=measures.projects_under(region).values("pk"))
            | Q(region__code__startswith=region.prefix)
        )
    stale.order_by().delete()


def figures_select(period: Period, as_of: dt.date, region: Region | None, rules, id_range=None):
    """The figures' SELECT (`measures.figures_sql`) of the period's projects (of `region`, of
    the ids in `id_range`)."""
    return measures.figures_sql(
        period=period,
        as_of=as_of,
        projects_qs=None if region is None else measures.projects_under(region),
        report_window=rules.reporting_red_months,
        id_range=id_range,
    )


def run_constants(rules: ColourRules) -> dict:
    """The columns with one value for the whole run."""
    return {"reporting_window": rules.reporting_red_months}


def written_columns(layers, constants: dict) -> list[str]:
    """The ProjectStatus columns a run writes, in order: the figures, each compiled layer's
    columns (`compiled_layers`), the run's constants, computed_at."""
    layered = [name for names, _sqls, _params in layers for name in names]
    return [*measures.FIGURE_COLUMNS, *layered, *constants, "computed_at"]


def tune(cursor) -> None:
    """Settings for the transaction of a computing statement, on PostgreSQL."""
    if connection.vendor == "postgresql":
        # Hash aggregates of a province fit in memory instead of spilling to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # JIT compiles the statement's ~190 functions for 0.2-0.3 s and gains nothing back.
        cursor.execute("SET LOCAL jit = off")


def write(period: Period, as_of: dt.date, region: Region | None, rules, layers, now) -> int:
    """Computes and inserts the period's rows (of `region`'s projects) in one statement."""
    sql, params = insert_sql(
        figures_select(period, as_of, region, rules), layers, run_constants(rules), now
    )
    with connection.cursor() as cursor:
        tune(cursor)
        cursor.execute(sql, params)
        return cursor.rowcount


def clear_projects(period: Period, project_ids: list[int]) -> None:
    """Deletes the period's rows of the projects `project_ids` (the incremental run's)."""
    ProjectStatus.objects.filter(
        year=period.year, month=period.month, project_id__in=project_ids
    ).order_by().delete()


def write_projects(
    period: Period, as_of: dt.date, project_ids: list[int], rules, layers, now
) -> int:
    """Computes and inserts the period's rows of the projects `project_ids` only: the same
    `figures_sql` and colour layers as `write`, restricted to those ids (a project's figures and
    colour depend on its own rows alone, so the rows are those of a whole-period run)."""
    sql, params = insert_sql(
        measures.figures_sql(
            period=period,
            as_of=as_of,
            projects_qs=Project.objects.filter(pk__in=project_ids),
            report_window=rules.reporting_red_months,
        ),
        layers,
        run_constants(rules),
        now,
    )
    with connection.cursor() as cursor:
        tune(cursor)
        cursor.execute(sql, params)
        return cursor.rowcount
