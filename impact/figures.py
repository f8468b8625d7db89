"""The figures of the impact report, for one cohort or across a course's
cohorts, in a fixed number of queries however many people answered.

Every figure made from fewer than ``conf.smallest_group()`` people is
hidden (``None``), so that nobody's answers can be read from it. Changes
are of matched respondents only: the people who rated a statement in both
waves compared; those who answered one of them are counted apart."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from assignments import choosing
from assignments.models import Reflection
from cohorts.models import Attendance, Enrollment

from . import conf
from .models import CohortStatement, Rating, Response, Wave

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


def enough(count):
    return count >= conf.smallest_group()


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


def distribution(key, label, values):
    values = list(values)
    result = Distribution(key, label, len(values))
    if enough(len(values)):
        result.counts = [
            sum(1 for value in values if low <= value <= high) for low, high in BANDS
        ]
        result.mean = one_decimal(sum(values) / len(values))
    return result


def change(label, before, after):
    """``before`` and ``after``: {person: rating}."""
    matched = before.keys() & after.keys()
    result = Change(label, len(matched), len(before.keys() ^ after.keys()))
    if enough(len(matched)):
        result.mean = one_decimal(
            sum(after[person] - before[person] for person in matched) / len(matched)
        )
    return result


def ratings_by_statement(cohort_ids):
    """{statement wording: {wave or RETROSPECTIVE: {person: rating}}} of the
    answers sent by the people still in the cohorts, and the statement of
    each wording (the first), in order. Two queries."""
    statements, wording = {}, {}
    for statement in CohortStatement.objects.filter(cohort__in=cohort_ids).order_by(
        "cohort__path", "sort_order", "pk"
    ):
        statements.setdefault(statement.wording, statement)
        wording[statement.pk] = statement.wording
    ratings = {key: {} for key in statements}
    for person, wave, statement_id, value, before in Rating.objects.filter(
        # Ratings of these cohorts' statements: not those an enrolment moved
        # here brought from its former cohort, nor those of a statement gone.
        statement__cohort__in=cohort_ids,
        response__enrollment__cohort__in=cohort_ids,
        response__enrollment__withdrawn_at__isnull=True,
        response__enrollment__role=Enrollment.Role.PARTICIPANT,
        response__status=Response.Status.SUBMITTED,
    ).values_list(
        "response__enrollment_id", "response__wave", "statement_id", "value", "before"
    ):
        by_wave = ratings.setdefault(wording[statement_id], {})
        if value is not None:
            by_wave.setdefault(wave, {})[person] = value
        if before is not None and wave == Wave.END:
            by_wave.setdefault(RETROSPECTIVE, {})[person] = before
    return statements, ratings


def statement_figures(statement, by_wave):
    empty = {}
    baseline = by_wave.get(Wave.BASELINE, empty)
    end = by_wave.get(Wave.END, empty)
    follow_up = by_wave.get(Wave.FOLLOW_UP, empty)
    retrospective = by_wave.get(RETROSPECTIVE, empty)
    return StatementFigures(
        statement,
        distributions=[
            distribution(Wave.BASELINE, Wave.BASELINE.label, baseline.values()),
            distribution(
                RETROSPECTIVE,
                _("Before the training, in retrospect"),
                retrospective.values(),
            ),
            distribution(Wave.END, Wave.END.label, end.values()),
            distribution(Wave.FOLLOW_UP, Wave.FOLLOW_UP.label, follow_up.values()),
        ],
        changes=[
            change(_("From before the training to the end"), baseline, end),
            change(_("From before the training to the follow-up"), baseline, follow_up),
            change(_("At the end, from the rating in retrospect"), retrospective, end),
        ],
    )


@dataclass
class Share:
    """A part of a whole in percent, hidden when the whole is too small."""

    part: int
    whole: int

    @property
    def percent(self):
        return percent(self.part, self.whole) if enough(self.whole) else None


@dataclass
class Report:
    participants: int
    statements: list
    #: Participants present at a session, of those marked.
    attendance: Share
    #: Sent reflections whose participant adopts or adapts the experiment,
    #: of those with a decision.
    adopted: Share
    #: Gaps with a reflection sent, of those asked: each participant is
    #: asked one reflection per gap between sessions.
    completed: Share
    #: Responses sent per wave.
    responses: dict

    def response_share(self, wave):
        return Share(self.responses.get(wave, 0), self.participants)

    @property
    def waves(self):
        return [(wave.label, self.response_share(wave.value)) for wave in Wave]


def report(cohorts):
    """The report of ``cohorts`` (one, or a course's). Eight queries."""
    ids = [cohort.pk for cohort in cohorts]
    active = Q(withdrawn_at__isnull=True, role=Enrollment.Role.PARTICIPANT)
    participants = dict(
        Enrollment.objects.filter(active, cohort__in=ids)
        .values("cohort_id")
        .annotate(count=Count("pk"))
        .values_list("cohort_id", "count")
        .order_by()
    )
    statements, ratings = ratings_by_statement(ids)
    by_person = Q(
        enrollment__withdrawn_at__isnull=True,
        enrollment__role=Enrollment.Role.PARTICIPANT,
    )
    attendance = Attendance.objects.filter(by_person, session__page__in=ids).aggregate(
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
        marked=Count("pk"),
    )
    submitted = Reflection.objects.filter(
        experiment__cohort__in=ids,
        author__withdrawn_at__isnull=True,
        status=Reflection.Status.SUBMITTED,
    )
    reflections = submitted.aggregate(
        decided=Count("pk", filter=~Q(decision="")),
        kept=Count(
            "pk",
            filter=Q(
                decision__in=[Reflection.Decision.ADOPT, Reflection.Decision.ADAPT]
            ),
        ),
    )
    # Each participant is asked one reflection per gap (``after_session``),
    # whatever options it offers: one who wrote about two options of a gap
    # (before choices existed) has done one. Only the cohort's own
    # participants count, as in ``asked``, so the share stays within 100 %.
    sent = (
        submitted.filter(
            author__cohort=F("experiment__cohort"),
            author__role=Enrollment.Role.PARTICIPANT,
        )
        .values("author_id", "experiment__after_session")
        .order_by()
        .distinct()
        .count()
    )
    asked = sum(
        count * participants.get(cohort, 0)
        for cohort, count in choosing.gaps_by_cohort(ids).items()
    )
    responses = dict(
        Response.objects.filter(
            by_person, enrollment__cohort__in=ids, status=Response.Status.SUBMITTED
        )
        .values("wave")
        .annotate(count=Count("pk"))
        .values_list("wave", "count")
        .order_by()
    )
    return Report(
        participants=sum(participants.values()),
        statements=[
            statement_figures(statement, ratings.get(key, {}))
            for key, statement in statements.items()
        ],
        attendance=Share(attendance["present"], attendance["marked"]),
        adopted=Share(reflections["kept"], reflections["decided"]),
        completed=Share(sent, asked),
        responses=responses,
    )


@dataclass
class SuccessCase:
    enrollment: Enrollment
    #: Mean change over the statements rated at the baseline and later.
    change: float
    statements: int


def success_cases(cohort, count=3):
    """The participants of ``cohort`` with the largest and the smallest
    change from the baseline to their latest wave, averaged over the
    statements: people to interview. Names: for trainers and coordinators
    only. Two queries."""
    latest = {}
    baseline = {}
    order = {Wave.END: 1, Wave.FOLLOW_UP: 2}
    for person, wave, statement_id, value in Rating.objects.filter(
        statement__cohort=cohort,
        response__enrollment__cohort=cohort,
        response__enrollment__withdrawn_at__isnull=True,
        response__status=Response.Status.SUBMITTED,
        value__isnull=False,
    ).values_list("response__enrollment_id", "response__wave", "statement_id", "value"):
        if wave == Wave.BASELINE:
            baseline[person, statement_id] = value
        else:
            known = latest.get((person, statement_id))
            if known is None or order[wave] > known[0]:
                latest[person, statement_id] = (order[wave], value)
    changes = {}
    for key, (__, value) in latest.items():
        if key in baseline:
            changes.setdefault(key[0], []).append(value - baseline[key])
    ranked = sorted(
        (
            (one_decimal(sum(diffs) / len(diffs)), person, len(diffs))
            for person, diffs in changes.items()
        ),
        key=lambda case: (-case[0], case[1]),
    )
    largest = ranked[:count]
    smallest = list(reversed(ranked[count:]))[:count]
    # Only the few named are fetched.
    people = Enrollment.objects.select_related("user").in_bulk(
        [person for __, person, __ in largest + smallest]
    )
    return tuple(
        [SuccessCase(people[person], change, n) for change, person, n in cases]
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
    commissioners. Two queries a wave, however many answered. (A response
    with nothing written keeps no open answers: ``SurveyForm``.)"""
    waves = []
    for wave in Wave:
        sent = (
            Response.objects.filter(
                enrollment__cohort=cohort,
                enrollment__withdrawn_at__isnull=True,
                status=Response.Status.SUBMITTED,
                wave=wave,
            )
            .exclude(open_answers=[])
            .order_by("-submitted_at", "-pk")
        )
        total = sent.count()
        if not total:
            continue
        answers = [
            (item.get("question", ""), item["answer"].strip())
            for items in sent.values_list("open_answers", flat=True)[:shown]
            for item in items
            if isinstance(item, dict) and str(item.get("answer", "")).strip()
        ]
        waves.append(OpenAnswers(Wave(wave).label, total, answers))
    return waves
