"""What trying an experiment came to: how many tried it (submitted a
reflection), how many adopted it, and the median usefulness. Figures of
fewer than ``MIN_TRIES_SHOWN`` tries are kept back."""

from dataclasses import dataclass, field
from statistics import median

from django.db.models import F

from assignments.models import Reflection

from .models import MIN_TRIES_SHOWN


@dataclass
class Figures:
    tried: int = 0
    adopted: int = 0
    ratings: list = field(default_factory=list)

    def add(self, decision, usefulness):
        self.tried += 1
        self.adopted += decision == Reflection.Decision.ADOPT
        if usefulness:
            self.ratings.append(usefulness)

    @property
    def shown(self):
        return self.tried >= MIN_TRIES_SHOWN

    @property
    def median_usefulness(self):
        return median(self.ratings) if self.ratings else None


def submitted():
    return Reflection.objects.filter(status=Reflection.Status.SUBMITTED).order_by()


def pattern_figures(patterns):
    """{pattern pk: Figures} of ``patterns``, in two queries: reflections on
    the course options based on a pattern, and on own experiments taken
    from it in the library ("Try this")."""
    ids = [pattern.pk for pattern in patterns]
    figures = {pk: Figures() for pk in ids}
    seen = set()
    offered = submitted().filter(experiment__template__patterns__in=ids)
    tried = submitted().filter(
        author__choices__provenance__pattern__in=ids,
        author__choices__experiment=F("experiment"),
        experiment__own=True,
    )
    for rows in (
        offered.values_list(
            "experiment__template__patterns", "pk", "decision", "usefulness"
        ),
        tried.values_list(
            "author__choices__provenance__pattern", "pk", "decision", "usefulness"
        ),
    ):
        for pattern, reflection, decision, usefulness in rows:
            if (pattern, reflection) not in seen:
                seen.add((pattern, reflection))
                figures[pattern].add(decision, usefulness)
    return figures
