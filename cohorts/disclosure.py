"""Which figures of a course's cohorts may be shown to those who read them
without the people's names (the course's commissioners): none from fewer
than ``conf.smallest_group()`` people, whether read on its own or worked
out from the figures shown beside it.

A course's figure is the sum of its cohorts' figures, each shown on its
own too: subtracting the cohorts shown from the course would reveal the
cohorts hidden, so the course's figure is hidden when those together are
from too few people."""

from . import conf


def enough(count):
    """Whether a figure from ``count`` people may be shown on its own."""
    return count >= conf.smallest_group()


def too_few(count):
    """Whether a figure from ``count`` people would tell someone's answers:
    from at least one person and not ``enough``."""
    return 0 < count < conf.smallest_group()


def total_shown(counts):
    """Whether the sum of figures from ``counts`` people each (one count a
    cohort) may be shown beside those figures: when it is from ``enough``
    people and the figures hidden among them are together from nobody or
    from ``enough`` people. For one cohort, ``enough``."""
    counts = list(counts)
    hidden = sum(count for count in counts if not enough(count))
    return enough(sum(counts)) and not too_few(hidden)
