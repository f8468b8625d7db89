"""The figures of the impact report, for one cohort or across a course's
cohorts, in a fixed number of queries however many people answered.

Every figure made from fewer than ``conf.smallest_group()`` people is
hidden (``None``), so that nobody's answers can be read from it; a
course's figure also where subtracting its cohorts' figures shown would
tell those hidden (``cohorts.disclosure``). Changes
are of matched respondents only: the people who rated a statement in both
waves compared; those who answered one of them are counted apart."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assignments import choosing
from assignments.models import Reflection
from cohorts.attendance import not_marked, present_and_marked
from cohorts.disclosure import enough, too_few, total_shown
from cohorts.models import CohortPage, Enrollment, Session

from .models import CohortStatement, Rating, Response, Wave
from .waves import schedule

#: The 0–10 scale in five bands, low to high; the middle one is neutral.
BANDS = [(0, 2), (3, 4), (5, 5), (6, 7), (8, 10)]
#: A rating made at the end of how one would have rated before.
RETROSPECTIVE = "before"


def band_label(band):
    low, high = band
    return str(low) if low == high else f"{low}–{high}"


def one_decimal(number):
    return float(Decimal(str(number)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def percent(part, whole):
    return int(Decimal(100 * part / whole).quantize(Decimal("1"), ROUND_HALF_UP))


@dataclass
class Distribution:
    """How one statement was rated in one wave."""

    key: str
    label: str
    #: People who rated it.
    n: int
    #: Ratings per band (``BANDS``), hidden below the smallest group.
    counts: list | None = None
    mean: float | None = None

    @property
    def shown(self):
        return self.counts is not None

    @property
    def percents(self):
        """Each band's share in percent."""
        if not self.shown:
            return None
        return [percent(count, self.n) for count in self.counts]


@dataclass
class Change:
    """The mean change of one statement between two ratings of the same
    people."""

    label: str
    matched: int
    #: People who gave one of the two ratings but not the other.
    excluded: int
    mean: float | None = None

    @property
    def shown(self):
        return self.mean is not None


@dataclass
class StatementFigures:
    statement: CohortStatement
    distributions: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def shown(self):
        return [d for d in self.distributions if d.shown]


#: The columns of ``per_person``: a person's rating of a statement in each
#: wave, and at the end of how they would have rated it before.
RATED = (
    ("b", Wave.BASELINE, Wave.BASELINE.label),
    ("r", RETROSPECTIVE, _("Before the training, in retrospect")),
    ("e", Wave.END, Wave.END.label),
    ("f", Wave.FOLLOW_UP, Wave.FOLLOW_UP.label),
)
#: The changes shown, from one column of ``per_person`` to another.
CHANGES = (
    ("b", "e", _("From before the training to the end")),
    ("b", "f", _("From before the training to the follow-up")),
    ("r", "e", _("At the end, from the rating in retrospect")),
)


#: How each column of ``RATED`` is read from a person's ratings.
PIVOT = {
    "b": Max("value", filter=Q(response__wave=Wave.BASELINE)),
    "r": Max("before", filter=Q(response__wave=Wave.END)),
    "e": Max("value", filter=Q(response__wave=Wave.END)),
    "f": Max("value", filter=Q(response__wave=Wave.FOLLOW_UP)),
}


def per_person(ratings, key, columns=tuple(PIVOT), by_cohort=True):
    """One row per person and ``key`` (a statement) of ``ratings``: their
    cohort (unless not ``by_cohort``) and their rating in each wave, as the
    ``columns`` of ``RATED``. A query that needs fewer columns asks for
    fewer: each is an aggregate over every rating of the cohorts."""
    fields = ("person", "key", "cohort") if by_cohort else ("person", "key")
    return (
        ratings.annotate(
            person=F("response__enrollment_id"),
            key=key,
            cohort=F("response__enrollment__cohort_id"),
        )
        .values(*fields)
        .annotate(**{column: PIVOT[column] for column in columns})
        .order_by()
    )


def select_from(queryset, sql, *params):
    """Rows of ``sql``, which reads ``queryset`` as the table ``rows``.

    The figures are counted by the database over the rows of a grouped
    query, which the ORM cannot select from. Fetching every rating to count
    it in Python made the report's time grow with the answers
    (docs/benchmarks.md, "Impact reports")."""
    inner, inner_params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            sql.replace("{rows}", f"({inner}) AS rows"), (*inner_params, *params)
        )
        return cursor.fetchall()


def statement_columns():
    """For each ``RATED`` column: people who gave a rating, their sum and
    the ratings in each band; for each of ``CHANGES``: the people who gave
    both ratings and the sum of their changes."""
    columns = []
    for column, __, __ in RATED:
        columns += [f"COUNT({column})", f"SUM({column})"] + [
            f"SUM(CASE WHEN {column} BETWEEN {low} AND {high} THEN 1 ELSE 0 END)"
            for low, high in BANDS
        ]
    for before, after, __ in CHANGES:
        columns += [f"COUNT({after} - {before})", f"SUM({after} - {before})"]
    return columns


def statement_figures(statement, rows):
    """The figures of ``statement`` from its rows of ``statement_columns``,
    one a cohort: their sums, each shown as ``total_shown`` allows."""
    # No rating at all: nobody in any column.
    rows = rows or [
        [0, None, *[0] * len(BANDS)] * len(RATED) + [0, None] * len(CHANGES)
    ]
    # Each column's values, one a cohort.
    columns = [list(values) for values in zip(*rows, strict=True)]
    distributions = {}
    for column, key, label in RATED:
        (people, totals, *counts), columns = (
            columns[: 2 + len(BANDS)],
            columns[2 + len(BANDS) :],
        )
        n = sum(people)
        distributions[column] = result = Distribution(key, label, n)
        if total_shown(people):
            result.counts = [sum(band) for band in counts]
            result.mean = one_decimal(sum(filter(None, totals)) / n)
    changes = []
    for before, after, label in CHANGES:
        (people, totals), columns = columns[:2], columns[2:]
        matched = sum(people)
        result = Change(
            label,
            matched,
            distributions[before].n + distributions[after].n - 2 * matched,
        )
        if total_shown(people):
            result.mean = one_decimal(sum(filter(None, totals)) / matched)
        changes.append(result)
    return StatementFigures(statement, list(distributions.values()), changes)


def figures_by_statement(cohort_ids):
    """[StatementFigures] of the answers sent by the people still in the
    cohorts, one for each wording (the same statement across cohorts), in
    order. Two queries."""
    statements, same_wording = {}, {}
    for statement in CohortStatement.objects.filter(cohort__in=cohort_ids).order_by(
        "cohort__path", "sort_order", "pk"
    ):
        first = statements.setdefault(statement.wording, statement)
        same_wording.setdefault(first.pk, []).append(statement.pk)
    if not statements:
        return []
    ratings = Rating.objects.filter(
        # Ratings of these cohorts' statements: not those an enrolment moved
        # here brought from its former cohort, nor those of a statement gone.
        # By the statements just read, so that the database need not join
        # every rating to its statement to find its cohort.
        statement__in=[pk for ids in same_wording.values() for pk in ids],
        response__enrollment__cohort__in=cohort_ids,
        response__enrollment__withdrawn_at__isnull=True,
        response__enrollment__role=Enrollment.Role.PARTICIPANT,
        response__status=Response.Status.SUBMITTED,
    )
    # A statement stands for the others of its wording.
    wording = Case(
        *(
            When(statement_id__in=ids, then=Value(first))
            for first, ids in same_wording.items()
        ),
        output_field=IntegerField(),
    )
    rows = {}
    for key, __, *row in select_from(
        per_person(ratings, wording),
        # Columns and bands are the code's own constants, not input.
        f"SELECT key, cohort, {', '.join(statement_columns())} "  # nosec B608
        "FROM {rows} GROUP BY key, cohort",
    ):
        # A row a cohort, for ``total_shown``.
        rows.setdefault(key, []).append(row)
    return [
        statement_figures(statement, rows.get(statement.pk))
        for statement in statements.values()
    ]


@dataclass
class Share:
    """A part of a whole in percent, hidden when the whole is too small, or
    when the cohorts it sums do not allow it (``total_shown``)."""

    part: int
    whole: int
    #: Where it sums cohorts: what each cohort's own share is hidden by, the
    #: smaller of its whole and its participants (``report``).
    cohort_counts: list | None = None

    @property
    def percent(self):
        if not enough(self.whole):
            return None
        if self.cohort_counts is not None and not total_shown(self.cohort_counts):
            return None
        return percent(self.part, self.whole)


@dataclass
class Report:
    participants: int
    statements: list
    #: Participants present at a session held, of those marked
    #: (``Attendance.objects.counted``).
    attendance: Share
    #: Marks not made yet at the sessions held: each
    #: participant once a session, less those marked (``not_marked``). Of
    #: the participants enrolled now, as the course overview and the
    #: attendance form list them, one who joined later included.
    not_marked: int
    #: Sessions left out of both, as the course overview hides them from
    #: the reader: each marked for too few people.
    attendance_left_out: int
    #: Sent reflections whose participant adopts or adapts the experiment,
    #: of those with a decision.
    adopted: Share
    #: Gaps with a reflection sent, of those due: each participant is asked
    #: one reflection per gap between sessions, counted once it is due
    #: (``choosing.due_gaps_by_cohort``); None while none is due.
    completed: Share | None
    #: {wave: Share}: responses sent, of the participants of the cohorts
    #: the wave has opened for; a wave opened for none is left out.
    responses: dict

    @property
    def waves(self):
        """(label, Share) of each wave; the share is None until the wave
        opens for one of the cohorts."""
        return [(wave.label, self.responses.get(wave.value)) for wave in Wave]


def report(cohorts, now=None, followed=()):
    """The report of ``cohorts`` (one, or a course's). Each share is of
    those asked by ``now``: a wave's answers of the cohorts it has opened
    for, experiments of the gaps that are due, attendance of the sessions
    held (``CohortPage.has_held``). Attendance sums marks, many a person:
    of a cohort not in ``followed`` (whose people the reader does not see
    anyway, as a commissioner) the sessions the course overview hides are
    left out, each marked for too few people, or subtracting the sessions
    it shows from the sum would tell them. Eight queries."""
    now = now or timezone.now()
    ids = [cohort.pk for cohort in cohorts]
    active = Q(withdrawn_at__isnull=True, role=Enrollment.Role.PARTICIPANT)
    participants = dict(
        Enrollment.objects.filter(active, cohort__in=ids)
        .values("cohort_id")
        .annotate(count=Count("pk"))
        .values_list("cohort_id", "count")
        .order_by()
    )

    def share(part, wholes):
        """The Share of ``part`` in the sum of ``wholes`` ({cohort: whole}):
        a cohort's own share is hidden by the smaller of its whole and its
        participants, and so the course's where it would tell it."""
        return Share(
            part,
            sum(wholes.values()),
            [min(whole, participants.get(c, 0)) for c, whole in wholes.items()],
        )

    statements = figures_by_statement(ids)
    by_person = Q(
        enrollment__withdrawn_at__isnull=True,
        enrollment__role=Enrollment.Role.PARTICIPANT,
    )
    sessions, held = {}, {}
    for session in (
        Session.objects.filter(page__in=ids)
        .annotate(
            held=ExpressionWrapper(
                CohortPage.held_condition(now), output_field=BooleanField()
            )
        )
        .order_by("page", "sort_order")
    ):
        sessions.setdefault(session.page_id, []).append(session)
        held[session.pk] = (session.page_id, session.held)
    present, marked, marked_at, left_out = {}, {}, {}, set()
    for session_id, here, marks in present_and_marked(
        "session_id", now, session__page__in=ids
    ):
        cohort_id = held[session_id][0]
        # The reader sees the names of the people of the cohorts they follow.
        if cohort_id not in followed and too_few(marks):
            left_out.add(session_id)
            continue
        present[cohort_id] = present.get(cohort_id, 0) + here
        marked[cohort_id] = marked.get(cohort_id, 0) + marks
        marked_at[session_id] = marks
    # A mark of each participant is asked of each session held.
    unmarked = sum(
        not_marked(participants.get(cohort_id, 0), marked_at.get(session_id, 0))
        for session_id, (cohort_id, started) in held.items()
        if started and session_id not in left_out
    )
    # Only the cohort's own participants count, as in ``asked``, so the
    # share stays within 100 %; an erased author is no longer among them,
    # nor is what they decided (as in the course overview).
    submitted = Reflection.objects.filter(
        experiment__cohort__in=ids,
        author__isnull=False,
        author__cohort=F("experiment__cohort"),
        author__role=Enrollment.Role.PARTICIPANT,
        author__withdrawn_at__isnull=True,
        status=Reflection.Status.SUBMITTED,
    )
    # Each participant is asked one reflection per gap (``after_session``),
    # whatever options it offers: one who wrote about two options of a gap
    # (before choices existed) has done one.
    sent, decided, kept = {}, {}, {}
    for cohort_id, gap, authors, decisions, keeps in (
        submitted.values("experiment__cohort_id", "experiment__after_session")
        .annotate(
            people=Count("author", distinct=True),
            decided=Count("pk", filter=~Q(decision="")),
            kept=Count(
                "pk",
                filter=Q(
                    decision__in=[Reflection.Decision.ADOPT, Reflection.Decision.ADAPT]
                ),
            ),
        )
        .values_list(
            "experiment__cohort_id",
            "experiment__after_session",
            "people",
            "decided",
            "kept",
        )
        .order_by()
    ):
        sent[cohort_id, gap] = authors
        decided[cohort_id] = decided.get(cohort_id, 0) + decisions
        kept[cohort_id] = kept.get(cohort_id, 0) + keeps
    due = choosing.due_gaps_by_cohort(ids, sessions, now)
    completed = None
    if due:
        completed = share(
            sum(sent.get((c, gap), 0) for c, gaps in due.items() for gap in gaps),
            {c: len(gaps) * participants.get(c, 0) for c, gaps in due.items()},
        )
    answered = {
        (cohort_id, wave): count
        for cohort_id, wave, count in Response.objects.filter(
            by_person, enrollment__cohort__in=ids, status=Response.Status.SUBMITTED
        )
        .values("enrollment__cohort_id", "wave")
        .annotate(count=Count("pk"))
        .values_list("enrollment__cohort_id", "wave", "count")
        .order_by()
    }
    opened = {}
    for cohort in cohorts:
        for wave in schedule(sessions.get(cohort.pk, []), cohort.zone):
            if wave.has_opened(now):
                opened.setdefault(wave.wave, []).append(cohort.pk)
    return Report(
        participants=sum(participants.values()),
        statements=statements,
        attendance=share(sum(present.values()), marked),
        not_marked=unmarked,
        attendance_left_out=len(left_out),
        adopted=share(sum(kept.values()), decided),
        completed=completed,
        responses={
            wave: share(
                sum(answered.get((c, wave), 0) for c in opened_for),
                {c: participants.get(c, 0) for c in opened_for},
            )
            for wave, opened_for in opened.items()
        },
    )


@dataclass
class SuccessCase:
    enrollment: Enrollment
    #: Mean change over the statements rated at the baseline and later.
    change: float
    statements: int


#: Each person's mean change from the baseline to their latest wave over the
#: statements they rated in both, for ``success_cases``: the ``%s`` largest
#: and the ``%s`` smallest. The change is ranked in tenths, rounded half away
#: from zero as ``one_decimal`` does, in whole numbers so that every database
#: ranks alike.
SUCCESS_CASES = """
SELECT person, tenths, n, high, low FROM (
    SELECT person, tenths, n,
        ROW_NUMBER() OVER (ORDER BY tenths DESC, person) AS high,
        ROW_NUMBER() OVER (ORDER BY tenths, person DESC) AS low
    FROM (
        SELECT person, n, CASE
            WHEN total >= 0 THEN (20 * total + n) / (2 * n)
            ELSE -((20 * -total + n) / (2 * n))
        END AS tenths
        FROM (
            SELECT person, SUM(COALESCE(f, e) - b) AS total, COUNT(*) AS n
            FROM {rows}
            WHERE b IS NOT NULL AND COALESCE(f, e) IS NOT NULL
            GROUP BY person
        ) AS by_person
    ) AS changes
) AS ranked
WHERE high <= %s OR low <= %s
ORDER BY high
"""


def success_cases(cohort, count=3):
    """The participants of ``cohort`` with the largest and the smallest
    change from the baseline to their latest wave, averaged over the
    statements: people to interview. Names: for trainers and coordinators
    only. Two queries, each with a row per person named."""
    ratings = Rating.objects.filter(
        statement__cohort=cohort,
        response__enrollment__cohort=cohort,
        response__enrollment__withdrawn_at__isnull=True,
        response__status=Response.Status.SUBMITTED,
        value__isnull=False,
    )
    rows = select_from(
        # Only the columns ``SUCCESS_CASES`` reads: the cohort is one.
        per_person(ratings, F("statement_id"), "bef", by_cohort=False),
        SUCCESS_CASES,
        count,
        count,
    )
    largest = [row for row in rows if row[3] <= count]
    # The smallest first, and nobody among the largest.
    smallest = sorted(
        (row for row in rows if row[4] <= count and row[3] > count),
        key=lambda row: row[4],
    )
    # Only the few named are fetched.
    people = Enrollment.objects.select_related("user").in_bulk(
        [row[0] for row in largest + smallest]
    )
    return tuple(
        [
            SuccessCase(people[person], tenths / 10, n)
            for person, tenths, n, *__ in cases
        ]
        for cases in (largest, smallest)
    )


#: The newest open answers of each wave shown on a cohort's report.
OPEN_ANSWERS_SHOWN = 100


@dataclass
class OpenAnswers:
    """What a cohort's participants wrote to the open questions in one wave."""

    label: str
    #: Answers sent with something written.
    total: int
    #: (question, answer), newest first, at most ``OPEN_ANSWERS_SHOWN`` answers.
    answers: list


def open_answers(cohort, shown=OPEN_ANSWERS_SHOWN):
    """The open answers of ``cohort`` in each wave where someone wrote one,
    without names: for its trainers and coordinators, never for
    commissioners. One query, however many answered: each wave's count and
    its newest answers from one reading of the responses, not a count and a
    list of each wave apart. (A response with nothing written keeps no open
    answers: ``SurveyForm``.)"""
    by_wave = {"partition_by": F("wave")}
    sent = (
        Response.objects.filter(
            enrollment__cohort=cohort,
            enrollment__withdrawn_at__isnull=True,
            status=Response.Status.SUBMITTED,
        )
        .exclude(open_answers=[])
        .annotate(
            total=Window(Count("pk"), **by_wave),
            newest=Window(
                RowNumber(),
                order_by=(F("submitted_at").desc(), F("pk").desc()),
                **by_wave,
            ),
        )
        .filter(newest__lte=shown)
        .order_by("wave", "newest")
        .values_list("wave", "total", "open_answers")
    )
    totals, answers = {}, {}
    for wave, total, items in sent:
        totals[wave] = total
        answers.setdefault(wave, []).extend(
            (item.get("question", ""), item["answer"].strip())
            for item in items
            if isinstance(item, dict) and str(item.get("answer", "")).strip()
        )
    return [
        OpenAnswers(wave.label, totals[wave], answers[wave])
        for wave in Wave
        if wave in totals
    ]
