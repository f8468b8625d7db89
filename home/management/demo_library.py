"""The demo's experiment library: themes and patterns (those the course
offers and two it does not), participants' choices where a gap offers
several experiments or their own, own experiments taken from the library,
stories published from several cohorts (some anonymous, a few awaiting a
trainer) and thanks, so that the library and the course's usage report
show real numbers."""

import random
from datetime import timedelta

from assignments import choosing
from assignments.models import Choice, Reflection
from cohorts.models import Enrollment
from courses.models import ExperimentTemplate
from library.models import Pattern, Provenance, Story, Thanks, Theme

#: The own experiment the course offers after the first session.
OWN_EXPERIMENT = (
    "Oma kokeilu",
    1,
    "Suunnittele oma kokeilusi: mitä kokeilet, milloin ja mistä tiedät, "
    "että se toimi. Ideoita löydät kokeilukirjastosta.",
)

#: (title, themes, description) of the patterns based on the course's options.
OFFERED = {
    "Pidä oma kokouksesi etänä": (
        ["Kokoukset"],
        "Tavallinen kokous kokonaan etänä: asialista etukäteen, sovittu "
        "puheenvuorojen käytäntö ja yksi osallistava menetelmä. Kaikki ovat "
        "samalla viivalla, eivät vain paikalla olijat.",
    ),
    "Kokeile uutta yhteistyötyökalua tiimisi kanssa": (
        ["Työkalut", "Tiimi"],
        "Yksi uusi työkalu oikeassa työtehtävässä kahden viikon ajan. Sovitaan "
        "etukäteen, mihin sitä käytetään ja mihin ei.",
    ),
    "Siirrä yksi koulutus verkkoon": (
        ["Koulutus"],
        "Lähikoulutus verkkoon: tieto etukäteen luettavaksi tai katsottavaksi, "
        "yhteinen aika keskusteluun ja kysymyksiin.",
    ),
}
#: Patterns the course does not offer: participants take them as their own.
#: (title, themes, description, instructions, sample answers)
NOT_OFFERED = [
    (
        "Kävelypalaveri",
        ["Kokoukset", "Hyvinvointi"],
        "Kahdenkeskinen palaveri puhelimessa kävellen. Ruutu ei vie "
        "huomiota, ja liike virkistää.",
        "Valitse yksi kahdenkeskinen palaveri, jossa ei tarvita ruutua. "
        "Sovi siitä etukäteen ja lähde kävelemään.",
        [
            "Pidin kaksi kahdenkeskistä palaveria kävellen puhelimessa.",
            "Keskustelu oli vapautuneempaa, ja palaverit pysyivät lyhyinä.",
            "Kaikki palaverit eivät tarvitse ruutua – kävellessä ajatus kulkee.",
            "Jatkan kävelypalavereita viikoittaisissa tapaamisissa.",
        ],
    ),
    (
        "Hiljainen työaamu",
        ["Tiimi", "Hyvinvointi"],
        "Tiimi sopii yhden aamupäivän viikossa ilman kokouksia ja "
        "pikaviestejä syventävälle työlle.",
        "Sopikaa tiimissä yksi aamupäivä viikossa, jolloin ei pidetä "
        "kokouksia eikä odoteta vastauksia viesteihin.",
        [
            "Tiimimme piti tiistaiaamut hiljaisina kahden viikon ajan.",
            "Sain valmiiksi raportin, joka oli odottanut viikkoja.",
            "Yhteinen sopimus on tärkeä: yksin on vaikea olla vastaamatta.",
            "Ehdotan hiljaista aamua koko yksikölle.",
        ],
    ),
]
#: How the participants who plan their own experiment word it.
PLANS = [
    ("Maanantaiaamuisin seuraavat kaksi viikkoa", "Palaverit pysyvät aikataulussa"),
    ("Kaksi kertaa ennen seuraavaa valmennuspäivää", "Saan palautetta kollegoilta"),
]


def own_template():
    title, after_session, instructions = OWN_EXPERIMENT
    return ExperimentTemplate(
        title=title,
        after_session=after_session,
        instructions=instructions,
        prompts="Mitä kokeilit?\nMitä tapahtui?\nMitä opit?\nMitä teet seuraavaksi?",
        own=True,
    )


def library_patterns(course):
    """The themes and patterns, found by title before they are created."""
    themes = {}

    def theme(name):
        if name not in themes:
            themes[name], __ = Theme.objects.get_or_create(name=name)
        return themes[name]

    patterns = {}
    templates = {t.title: t for t in course.experiment_templates.all()}
    for title, (names, description) in OFFERED.items():
        template = templates.get(title)
        pattern, created = Pattern.objects.get_or_create(
            title=title,
            defaults={
                "description": description,
                "instructions": template.instructions if template else description,
                "prompts": template.prompts if template else "",
            },
        )
        if created:
            pattern.themes.set([theme(name) for name in names])
            if template is not None:
                pattern.templates.add(template)
        patterns[title] = pattern
    for title, names, description, instructions, __ in NOT_OFFERED:
        pattern, created = Pattern.objects.get_or_create(
            title=title,
            defaults={"description": description, "instructions": instructions},
        )
        if created:
            pattern.themes.set([theme(name) for name in names])
        patterns[title] = pattern
    return patterns


def choose_and_try(cohort, patterns, now):
    """Choices for the reflections written where a gap offers several
    experiments; and some of those who wrote nothing take a pattern from the
    library as their own experiment, and write about it."""
    rng = random.Random(f"library-{cohort.slug}")
    sessions = list(cohort.sessions.all())
    experiments = list(cohort.experiments.all())
    participants = list(
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).order_by("pk")
    )
    written = {
        (r.author_id, r.experiment_id): r
        for r in Reflection.objects.filter(experiment__cohort=cohort)
    }
    answers = {title: sample for title, *__, sample in NOT_OFFERED}
    for gap, options in choosing.gaps(experiments).items():
        if not choosing.asks_choice(options):
            continue
        if gap > len(sessions) or sessions[gap - 1].start > now:
            continue
        own = next((o for o in options if o.own), None)
        for person in participants:
            done = next((o for o in options if (person.pk, o.pk) in written), None)
            if done is not None:
                Choice.objects.get_or_create(
                    enrollment=person,
                    after_session=gap,
                    defaults={"experiment": done, "chosen_at": sessions[gap - 1].start},
                )
                continue
            if own is None or rng.random() < 0.3:
                continue
            title = rng.choice(list(answers))
            when, measure = rng.choice(PLANS)
            choice, __ = Choice.objects.get_or_create(
                enrollment=person,
                after_session=gap,
                defaults={
                    "experiment": own,
                    "plan_what": title,
                    "plan_when": when,
                    "plan_measure": measure,
                },
            )
            Provenance.objects.get_or_create(
                choice=choice, defaults={"pattern": patterns[title]}
            )
            reflection = Reflection(
                experiment=own,
                author=person,
                visibility=Reflection.Visibility.COHORT,
                answers=[
                    {"prompt": prompt, "answer": answer}
                    for prompt, answer in zip(
                        own.prompt_list, answers[title], strict=False
                    )
                ],
                decision=rng.choice(["adopt", "adopt", "adapt", "drop"]),
                usefulness=rng.choice([3, 4, 4, 5]),
            )
            reflection.submit(
                min(now, sessions[gap - 1].start + timedelta(days=rng.randint(2, 9)))
            )
            reflection.save()


def publish_stories(cohort, patterns, trainer, now):
    """Stories from the cohort's shared reflections: most approved, some
    anonymous, a couple still awaiting the trainer; and thanks from peers."""
    rng = random.Random(f"stories-{cohort.slug}")
    peers = list(
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).select_related(
            "user"
        )
    )
    reflections = (
        Reflection.objects.filter(
            experiment__cohort=cohort,
            status=Reflection.Status.SUBMITTED,
            visibility=Reflection.Visibility.COHORT,
        )
        .select_related("experiment__template", "author")
        .order_by("pk")
    )
    provenance = {
        (p.choice.enrollment_id, p.choice.experiment_id): p.pattern
        for p in Provenance.objects.filter(
            choice__experiment__cohort=cohort
        ).select_related("choice", "pattern")
    }
    by_template = {t.pk: p for p in patterns.values() for t in p.templates.all()}
    for reflection in reflections:
        roll = rng.random()
        if roll > 0.55:
            continue
        pattern = provenance.get(
            (reflection.author_id, reflection.experiment_id)
        ) or by_template.get(reflection.experiment.template_id)
        approved = roll < 0.45
        story, created = Story.objects.get_or_create(
            reflection=reflection,
            defaults={
                "pattern": pattern,
                "anonymous": rng.random() < 0.3,
                "requested_at": reflection.submitted_at,
                "approved_at": min(now, reflection.submitted_at + timedelta(days=1))
                if approved
                else None,
                "approved_by": trainer if approved else None,
            },
        )
        if created and approved:
            others = [p for p in peers if p.pk != reflection.author_id]
            for peer in rng.sample(others, k=min(len(others), rng.randint(0, 3))):
                Thanks.objects.get_or_create(story=story, user=peer.user)


def build_library(course, cohorts, trainers, now):
    """The library, and what the cohorts built now did with it.
    ``trainers``: {cohort index: the trainer's user}."""
    patterns = library_patterns(course)
    for index, cohort in cohorts:
        choose_and_try(cohort, patterns, now)
        publish_stories(cohort, patterns, trainers.get(index), now)
