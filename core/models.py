"""Abstract base models and fields every app uses. No concrete model lives here.

- `NoDeleteModel`: business records are never hard-deleted (withdraw, end or revise them).
- `SingletonModel`: an installation's settings kept as one row (pk=1), edited in the admin.
- `MoneyField`: an amount in 万元, an exact decimal (16 digits, 2 decimals).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self, TypedDict, TypeVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class MoneyArgs(TypedDict):
    """The keyword arguments of a money column (`DecimalField(**MONEY)`)."""

    max_digits: int
    decimal_places: int


MONEY: MoneyArgs = {"max_digits": 16, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
# The largest amount a user may enter, in 万元 (10^14 yuan): twelve significant digits stay
# exact in every database, SQLite's floating-point storage of decimals included (the column's
# own 16 digits would not: 99999999999999.99 comes back as 100000000000000.0).
MONEY_MAX = Decimal("9999999999.99")


class DeletionForbidden(Exception):
    """Business records are never deleted; withdraw, end or revise them instead."""


def _refuse(model: type[models.Model]) -> DeletionForbidden:
    return DeletionForbidden(
        f"{model._meta.verbose_name} records are never deleted "
        "(withdraw, end or revise them instead)."
    )


_M = TypeVar("_M", bound=models.Model)


class NoDeleteQuerySet(models.QuerySet[_M]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise _refuse(self.model)


class NoDeleteModel(models.Model):
    """Refuses hard deletes, one by one and in bulk."""

    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise _refuse(type(self))


class SingletonModel(models.Model):
    """Settings of the installation kept as one row (pk=1), edited in the admin."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> Self:
        """The row, created with its defaults the first time it is asked for."""
        obj, _created = cls.objects.get_or_create(pk=1)  # type: ignore[attr-defined]
        return obj  # type: ignore[no-any-return]


# The stubs' DecimalField is generic in what it accepts and returns; the plugin fills those in
# for an unparametrised subclass (None included for a nullable column), which explicit
# parameters would defeat.
class MoneyField(models.DecimalField):  # type: ignore[type-arg]
    """An amount a user enters, in 万元: Decimal(16, 2), at most `MONEY_MAX`. Deconstructs as a
    plain DecimalField, so the migrations do not depend on this module."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MONEY["max_digits"])
        kwargs.setdefault("decimal_places", MONEY["decimal_places"])
        kwargs["validators"] = [*kwargs.get("validators", ()), MaxValueValidator(MONEY_MAX)]
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
