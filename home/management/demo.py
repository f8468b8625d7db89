"""A demo training programme, built in code so it stays in step with the models.

Modelled on the Finnish public-sector pilot in DOMAIN.md: one course of three
half-day sessions with experiments between them, run for four regional state
offices. Everything is looked up by a fixed slug or email address before it is
created, so building it again adds nothing.
"""

import hashlib
import random
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm
from wagtail.models import Site

from assignments import progress as cohort_progress
from assignments.models import Comment, Reflection
from cohorts.enrolment import enrol, person_for_email
from cohorts.models import Attendance, CohortPage, Enrollment
from courses.models import CourseIndexPage, CoursePage, ExperimentTemplate, SessionPlan
from courses.permissions import COMMISSIONERS, COORDINATORS
from impact.models import CourseQuestion, CourseStatement, Rating, Response, Wave
from impact.waves import schedule
from privacy.models import AccessibilityStatementPage, PrivacyNoticePage

from .demo_library import build_library, own_template

#: Every demo login has this password; the command refuses to run without
#: DEBUG unless forced, so it does not end up on a real site by accident.
DEMO_PASSWORD = "virtu-demo"
SUPERUSER = "admin"
COORDINATOR = ("koordinaattori@example.org", "Riikka", "Salminen")
#: The commissioner of the demo course: reads its figures, no names.
COMMISSIONER = ("tilaaja@example.org", "Tuomas", "Rantala")
PARTICIPANT = ("osallistuja@example.org", "Aino", "Virtanen")
#: (email, first name, last name, organisation, indexes of the cohorts trained)
TRAINERS = [
    (
        "valmentaja@example.org",
        "Johanna",
        "Lahtinen",
        "Monipaikka Valmennus Oy",
        [0, 1],
    ),
    ("markus.peltonen@example.org", "Markus", "Peltonen", "Etäkyvyt Oy", [2, 3]),
]
#: The cohort of the participant login: the one under way.
PARTICIPANT_COHORT = 1
#: Demo participants per cohort, besides the participant login.
PARTICIPANTS_PER_COHORT = 9
#: What participants made of their experiments: mostly kept, some changed,
#: a few dropped, usefulness to match.
DEMO_OUTCOMES = [
    ("adopt", 5),
    ("adopt", 4),
    ("adapt", 4),
    ("adapt", 3),
    ("adopt", 4),
    ("adapt", 4),
    ("drop", 2),
    ("drop", 1),
]

COURSE_TITLE = "Monipaikkainen työ ja etäjohtaminen"
COURSE_SLUG = "monipaikkainen-tyo-ja-etajohtaminen"
COURSE_DESCRIPTION = (
    "<p>Kolmen puolipäiväisen etävalmennuksen kokonaisuus monipaikkaisesta "
    "työstä ja etäjohtamisesta. Valmennuspäivien välillä jokainen osallistuja "
    "tekee omassa työssään kokeilun ja tuo sen opit ryhmän yhteiseen "
    "keskusteluun.</p>"
)
SESSION_PLANS = [
    (
        "Monipaikkainen työ tänään",
        "9.00 Avaus ja tutustuminen\n"
        "9.20 Mitä monipaikkainen työ on – tutkimus ja käytännöt\n"
        "10.15 Tauko\n"
        "10.30 Pienryhmät: oman työn etäkäytännöt\n"
        "11.30 Ensimmäisen kokeilun suunnittelu\n"
        "12.15 Yhteenveto ja seuraavat askeleet",
    ),
    (
        "Yhteistyö ja vuorovaikutus verkossa",
        "9.00 Kuulumiset ja kokeilujen purku pienryhmissä\n"
        "9.45 Hyvä etäkokous: valmistelu, fasilitointi ja osallistaminen\n"
        "10.30 Tauko\n"
        "10.45 Yhteiset työtilat ja asynkroninen viestintä\n"
        "11.45 Toisen kokeilun suunnittelu\n"
        "12.15 Yhteenveto",
    ),
    (
        "Etäjohtaminen ja yhteiset pelisäännöt",
        "9.00 Kokeilujen satoa: mitä opimme?\n"
        "9.45 Luottamus, näkyvyys ja palaute etäjohtamisessa\n"
        "10.30 Tauko\n"
        "10.45 Tiimin pelisäännöt monipaikkaiseen työhön\n"
        "11.45 Oma jatkosuunnitelma\n"
        "12.15 Palaute ja päätös",
    ),
]
PROMPTS = "Mitä kokeilit?\nMitä tapahtui?\nMitä opit?\nMitä teet seuraavaksi?"
#: (title, after session, instructions, sample answers to the four prompts)
EXPERIMENTS = [
    (
        "Pidä oma kokouksesi etänä",
        1,
        "Valitse yksi tavallinen kokous, jonka pidät tai jossa olet mukana, ja "
        "järjestä se kokonaan etänä. Lähetä asialista etukäteen, sovi "
        "puheenvuorojen käytäntö ja kokeile yhtä osallistavaa menetelmää. "
        "Pyydä lopuksi osallistujilta lyhyt palaute.",
        [
            [
                "Pidin tiimimme viikkopalaverin kokonaan Teamsissa, vaikka osa "
                "meistä oli samassa toimistossa.",
                "Kokous pysyi aikataulussa, ja etänä olleet pääsivät ensimmäistä "
                "kertaa tasavertaisesti ääneen puheenvuorokierroksen ansiosta.",
                "Asialista etukäteen ja yhteinen muistio ruudulla selkeyttävät "
                "kokousta kaikille, eivät vain etäosallistujille.",
                "Jatkamme samalla mallilla ja kokeilemme kiertävää puheenjohtajuutta.",
            ],
            [
                "Järjestin asiakastapaamisen valmistelukokouksen etänä.",
                "Alussa kahdella osallistujalla ei toiminut ääni. Kun yhteydet "
                "saatiin kuntoon, keskustelu oli yllättävän vilkasta.",
                "Varaan jatkossa alkuun viisi minuuttia yhteyksien testaamiseen ja "
                "lähetän liittymisohjeet jo kutsussa.",
                "Teen tiimille lyhyen muistilistan etäkokouksen valmistelusta.",
            ],
            [
                "Vedin yksikön kuukausipalaverin etänä ja keräsin kysymykset chatissa.",
                "Kysymyksiä tuli enemmän kuin paikan päällä, ja hiljaisemmatkin "
                "kollegat osallistuivat.",
                "Kirjallinen kanava madaltaa osallistumisen kynnystä, mutta "
                "vastaamiseen pitää varata aikaa.",
                "Pyydän jatkossa kollegaa moderoimaan chattia.",
            ],
        ],
    ),
    (
        "Kokeile uutta yhteistyötyökalua tiimisi kanssa",
        1,
        "Valitse tiimisi kanssa yksi työkalu, jota ette vielä käytä (esimerkiksi "
        "yhteinen muistio, virtuaalitaulu tai keskustelukanava), ja käyttäkää "
        "sitä kaksi viikkoa oikeassa työtehtävässä. Sopikaa etukäteen, mihin "
        "työkalua käytetään ja mihin ei.",
        [
            [
                "Otimme käyttöön virtuaalitaulun, johon kerätään viikon työt "
                "ja esteet.",
                "Ensimmäisellä viikolla taulua päivitti vain kaksi ihmistä. Kun "
                "kävimme sen läpi aamupalaverissa, käyttö lähti liikkeelle.",
                "Uusi työkalu tarvitsee yhteisen rutiinin, muuten se jää "
                "yksittäisten innokkaiden varaan.",
                "Taulu on jatkossa viikkopalaverimme runko.",
            ],
            [
                "Siirsimme projektin keskustelut sähköpostista yhteiselle kanavalle.",
                "Keskustelut pysyivät koossa ja uudet jäsenet näkivät aiemmat "
                "päätökset. Ulkoisten kumppanien kanssa käytämme yhä sähköpostia.",
                "Läpinäkyvyys lisääntyi: kaikki näkevät, mitä on päätetty ja miksi.",
                "Kirjoitamme kanavalle pelisäännöt.",
            ],
            [
                "Kirjoitimme lausuntoluonnoksen yhteisessä muistiossa samanaikaisesti.",
                "Luonnos valmistui kahdessa päivässä aiemman viikon sijaan, mutta "
                "versioiden kanssa oli hetken sekaannusta.",
                "Yhteiskirjoittaminen nopeuttaa työtä, kun vastuut on jaettu "
                "selvästi osioittain.",
                "Ehdotan yksikölle yhteistä pohjaa lausuntojen valmisteluun.",
            ],
        ],
    ),
    (
        "Siirrä yksi koulutus verkkoon",
        2,
        "Valitse yksi koulutus, perehdytys tai info, jonka tavallisesti pidät "
        "paikan päällä, ja toteuta se verkossa. Mieti, mikä toimii parhaiten "
        "yhteisenä hetkenä ja mikä etukäteen luettavana tai katsottavana.",
        [
            [
                "Muutin perehdytysaamupäivän lyhyeksi ennakkovideoksi ja tunnin "
                "yhteiseksi etätuokioksi.",
                "Osallistujat olivat katsoneet videon, joten yhteinen aika kului "
                "kysymyksiin. Palaute oli hyvää.",
                "Käänteinen malli toimii: tieto etukäteen, yhteinen aika keskusteluun.",
                "Jaan mallin muille perehdyttäjille.",
            ],
            [
                "Pidin valvontaohjeiden koulutuksen kuntien viranhaltijoille verkossa.",
                "Osallistujia oli kolme kertaa enemmän kuin lähikoulutuksessa. "
                "Pienryhmät tarvitsivat enemmän ohjausta.",
                "Pienryhmille pitää antaa tehtävä ja aikaraja kirjallisesti.",
                "Tallennan seuraavan koulutuksen alustuksen myöhemmin katsottavaksi.",
            ],
            [
                "Toteutin tietosuojakoulutuksen verkossa lyhyinä osina kahden "
                "viikon aikana.",
                "Osallistuminen oli tasaisempaa kuin yhdessä pitkässä "
                "tilaisuudessa, mutta osa unohti myöhemmät osat.",
                "Lyhyet osat sopivat kiireiseen arkeen, kun muistutukset tulevat "
                "kalenteriin.",
                "Lähetän kalenterikutsut kaikkiin osiin heti alussa.",
            ],
        ],
    ),
]


#: The impact plan: (Finnish, Swedish, English, level, target).
IMPACT_STATEMENTS = [
    (
        "Pidän etäkokouksia, joissa kaikki pääsevät osallistumaan",
        "Jag håller distansmöten där alla kan delta",
        "I run remote meetings in which everyone takes part",
        "behaviour",
        8,
    ),
    (
        "Jaan työni keskeneräisenä paikkaan, jossa tiimi näkee sen",
        "Jag delar mitt arbete ofärdigt där teamet kan se det",
        "I share unfinished work where my team can see it",
        "behaviour",
        7,
    ),
    (
        "Tiedän, mitä työkalua käyttää mihinkin yhteistyöhön",
        "Jag vet vilket verktyg jag ska använda för vilket samarbete",
        "I know which tool to use for which kind of collaboration",
        "learning",
        8,
    ),
    (
        "Tiimimme on sopinut monipaikkaisen työn pelisäännöt",
        "Vårt team har kommit överens om spelregler för flerplatsarbete",
        "My team has agreed how we work from many places",
        "results",
        7,
    ),
]
IMPACT_QUESTION = (
    "Yksi konkreettinen muutos, jonka olet tehnyt työssäsi",
    "En konkret förändring du har gjort i ditt arbete",
    "One concrete change you have made in your work",
)
#: What participants wrote as the change they made, at the end.
IMPACT_ANSWERS = [
    "Viikkopalaveri on nyt aina etänä, ja puheenvuorot kiertävät.",
    "Kirjoitamme lausunnot yhteisessä muistiossa.",
    "Perehdytys on video ja tunnin yhteinen keskustelu.",
    "",
]


@dataclass(frozen=True)
class CohortSpec:
    title: str
    slug: str
    cities: tuple
    meeting_tool: str
    #: Weeks from this week's Tuesday to the first session: two weeks apart,
    #: so the demo always has cohorts that are over, under way and ahead.
    weeks: int


COHORTS = [
    CohortSpec(
        "Etelä-Suomen aluehallintovirasto",
        "etela-suomen-avi",
        ("Helsinki", "Hämeenlinna", "Kouvola"),
        "teams",
        # Over long enough ago that its follow-up wave has opened.
        -16,
    ),
    CohortSpec(
        "Länsi- ja Sisä-Suomen aluehallintovirasto",
        "lansi-ja-sisa-suomen-avi",
        ("Vaasa", "Tampere", "Jyväskylä"),
        "zoom",
        -3,
    ),
    CohortSpec(
        "Itä-Suomen aluehallintovirasto",
        "ita-suomen-avi",
        ("Mikkeli", "Kuopio", "Joensuu"),
        "jitsi",
        -1,
    ),
    CohortSpec(
        "Pohjois-Suomen aluehallintovirasto",
        "pohjois-suomen-avi",
        ("Oulu", "Kajaani"),
        "teams",
        1,
    ),
]

# Prime lengths, so stepping through both together repeats no pair for 899 people.
FIRST_NAMES = [
    "Aino", "Eero", "Helmi", "Juha", "Kaisa", "Lauri", "Minna", "Mikko", "Noora",
    "Olli", "Päivi", "Riku", "Sanna", "Timo", "Tiina", "Ville", "Anu", "Jari",
    "Elina", "Pekka", "Hanna", "Antti", "Satu", "Markku", "Laura", "Jussi",
    "Emilia", "Heikki", "Katja",
]  # fmt: skip
LAST_NAMES = [
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen",
    "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen",
    "Saarinen", "Kallio", "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen",
    "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen",
    "Jokinen", "Mattila", "Savolainen", "Ahonen", "Hiltunen", "Leinonen",
]  # fmt: skip


@dataclass
class Demo:
    course: CoursePage
    cohorts: list
    #: (role, username) of each demo login
    logins: list


def ascii_slug(text):
    """'Päivi Mäkelä' -> 'paivi.makela', for email addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(plain.lower().split())


def person(number):
    """The name of demo participant ``number`` (0, 1, 2, ...)."""
    return FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number % len(LAST_NAMES)]


def meeting_url(spec, number):
    """A made-up but realistic link on an example domain, the same every run."""
    token = hashlib.sha256(f"{spec.slug}-{number}".encode()).hexdigest()
    if spec.meeting_tool == "zoom":
        return f"https://zoom.example.com/j/{int(token[:12], 16) % 10**10:010d}"
    if spec.meeting_tool == "jitsi":
        return f"https://meet.example.org/virtu-{spec.slug}-{number}"
    return (
        "https://teams.example.com/l/meetup-join/"
        f"19%3ameeting_{token[:32]}%40thread.v2/0"
    )


def course_index():
    """The course index the migrations create, or a new one on the home page."""
    index = CourseIndexPage.objects.order_by("path").first()
    if index is None:
        index = CourseIndexPage(title="Valmennukset", slug="valmennukset")
        Site.objects.get(is_default_site=True).root_page.add_child(instance=index)
        index.save_revision().publish()
    return index


def demo_course(index):
    course = CoursePage.objects.child_of(index).filter(slug=COURSE_SLUG).first()
    if course is not None:
        return course
    course = CoursePage(
        title=COURSE_TITLE, slug=COURSE_SLUG, description=COURSE_DESCRIPTION
    )
    course.session_plans = [
        SessionPlan(title=title, agenda=agenda, sort_order=number)
        for number, (title, agenda) in enumerate(SESSION_PLANS)
    ]
    course.experiment_templates = [
        ExperimentTemplate(
            title=title,
            after_session=after_session,
            instructions=instructions,
            prompts=PROMPTS,
        )
        for title, after_session, instructions, _answers in EXPERIMENTS
    ] + [own_template()]
    course.impact_statements = [
        CourseStatement(text_fi=fi, text_sv=sv, text_en=en, level=level, target=target)
        for fi, sv, en, level, target in IMPACT_STATEMENTS
    ]
    course.impact_questions = [
        CourseQuestion(
            text_fi=IMPACT_QUESTION[0],
            text_sv=IMPACT_QUESTION[1],
            text_en=IMPACT_QUESTION[2],
        )
    ]
    index.add_child(instance=course)
    course.save_revision().publish()
    return course


def demo_cohort(course, spec, today):
    """The cohort of ``spec`` and whether it was created now."""
    cohort = CohortPage.objects.child_of(course).filter(slug=spec.slug).first()
    if cohort is not None:
        return cohort, False
    tuesday = today - timedelta(days=today.weekday() - 1)
    cohort = CohortPage(
        title=spec.title,
        slug=spec.slug,
        organisations=f"{spec.title} ({', '.join(spec.cities)})",
        start_date=tuesday + timedelta(weeks=spec.weeks),
    )
    cohort.plan_from_course(course)
    for number, session in enumerate(cohort.sessions.all(), start=1):
        session.meeting_url = meeting_url(spec, number)
    course.add_child(instance=cohort)
    cohort.save_revision().publish()
    return cohort, True


def enrol_demo_people(cohort, spec, first_number):
    """Enrol the cohort's participants; ``first_number`` keeps names apart
    across cohorts."""
    for offset in range(PARTICIPANTS_PER_COHORT):
        first_name, last_name = person(first_number + offset)
        enrol(
            cohort,
            f"{ascii_slug(f'{first_name} {last_name}')}@avi.example.org",
            first_name,
            last_name,
            organisation=f"{spec.title}, {spec.cities[offset % len(spec.cities)]}",
        )


def write_reflections(cohort, now):
    """Sample reflections on the experiments that have started by ``now``:
    on time, late, early, drafts and missing ones, in both visibilities."""
    rng = random.Random(cohort.slug)
    sessions = list(cohort.sessions.all())
    samples = {title: answers for title, _s, _i, answers in EXPERIMENTS}
    participants = list(
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).order_by("pk")
    )
    # The course may have been edited in the admin since the demo wrote it.
    experiments = [e for e in cohort.experiments.all() if e.title in samples]
    for after_session in sorted({e.after_session for e in experiments}):
        if after_session > len(sessions) or sessions[after_session - 1].start > now:
            continue
        opened = sessions[after_session - 1].start
        # Where a session offers several experiments, each person picks one.
        choices = [e for e in experiments if e.after_session == after_session]
        for number, participant in enumerate(participants):
            experiment = choices[number % len(choices)]
            due = experiment.due(sessions)
            overdue = due is not None and due < now
            roll = 0.9 if number == 0 else rng.random()  # the login has one
            if roll < (0.1 if overdue else 0.35):
                continue
            started = min(now, opened + timedelta(days=rng.randint(1, 5)))
            answers = rng.choice(samples[experiment.title])
            reflection = Reflection(
                experiment=experiment,
                author=participant,
                visibility=rng.choice(Reflection.Visibility.values),
                answers=[
                    {"prompt": prompt, "answer": answer}
                    for prompt, answer in zip(
                        experiment.prompt_list, answers, strict=False
                    )
                ],
            )
            if roll < (0.2 if overdue else 0.7):  # still a draft
                for item in reflection.answers[2:]:
                    item["answer"] = ""
            elif overdue and roll < 0.4:
                reflection.submit(min(now, due + timedelta(hours=rng.randint(3, 60))))
            elif overdue:
                reflection.submit(
                    max(started, due - timedelta(hours=rng.randint(2, 48)))
                )
            else:
                reflection.submit(started)
            if reflection.submitted_at:
                reflection.decision, reflection.usefulness = rng.choice(DEMO_OUTCOMES)
            reflection.full_clean()
            reflection.save()
            # Timestamps as if written over the weeks, not all this minute.
            Reflection.objects.filter(pk=reflection.pk).update(
                created_at=started, updated_at=reflection.submitted_at or started
            )


def answer_impact_survey(cohort, now):
    """Answers to the waves of the impact survey that have opened by
    ``now``: most people answer; ratings rise from the baseline to the end,
    and at the end people rate their start lower than they did then."""
    rng = random.Random(f"impact-{cohort.slug}")
    statements = list(cohort.impact_statements.all())
    questions = list(cohort.impact_questions.all())
    if not statements:
        return
    participants = list(
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).order_by("pk")
    )
    start = {
        (person.pk, statement.pk): rng.randint(2, 6)
        for person in participants
        for statement in statements
    }
    for opening in schedule(list(cohort.sessions.all()), cohort.zone):
        if opening.opens > now:
            continue
        gain = {Wave.BASELINE: 0, Wave.END: 2, Wave.FOLLOW_UP: 3}[opening.wave]
        for number, person in enumerate(participants):
            if rng.random() < 0.15:
                continue  # did not answer
            sent = min(now, opening.opens + timedelta(hours=rng.randint(2, 120)))
            response = Response.objects.create(
                enrollment=person,
                wave=opening.wave,
                status=Response.Status.SUBMITTED,
                submitted_at=sent,
                # Before the training nobody writes an open answer.
                open_answers=[
                    {
                        "question": question.text_fi,
                        "answer": IMPACT_ANSWERS[number % len(IMPACT_ANSWERS)],
                    }
                    for question in questions
                ]
                if gain
                else [],
            )
            Rating.objects.bulk_create(
                Rating(
                    response=response,
                    statement=statement,
                    value=min(
                        10,
                        max(
                            0,
                            start[person.pk, statement.pk] + gain + rng.randint(-1, 2),
                        ),
                    ),
                    before=max(0, start[person.pk, statement.pk] - rng.randint(0, 2))
                    if opening.wave == Wave.END
                    else None,
                )
                for statement in statements
            )


#: A trainer's feedback, one picked for each reflection that got some.
FEEDBACK = [
    "Hieno kokeilu! Erityisesti se, että pyysit palautetta osallistujilta, "
    "tekee opeista näkyviä. Mitä jos jakaisit muistilistasi koko yksikölle?",
    "Kiitos rehellisestä pohdinnasta. Yhteyksien testaaminen alussa on hyvä "
    "oppi – tuo se ensi valmennuspäivään, niin muutkin hyötyvät.",
    "Hyvä huomio siitä, että uusi tapa tarvitsee yhteisen rutiinin. Kuka "
    "tiimissänne voisi pitää rutiinista kiinni seuraavat kaksi viikkoa?",
]
#: Peers' and trainers' comments on reflections shared with the cohort.
COMMENTS = [
    "Kiitos jakamisesta! Kokeilemme samaa meidän tiimissämme.",
    "Meillä kävi samoin ensimmäisellä viikolla. Aamupalaveri auttoi meilläkin.",
    "Kysyisitkö ensi kerralla osallistujilta myös, mikä ei toiminut?",
]


def mark_attendance(cohort, trainer, now):
    """Attendance at the sessions that have started: most came."""
    rng = random.Random(f"attendance-{cohort.slug}")
    participants = cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).order_by(
        "pk"
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=session,
                enrollment=participant,
                status=rng.choices(Attendance.Status.values, weights=[8, 1, 1])[0],
                marked_by=trainer,
            )
            for session in cohort.sessions.filter(start__lte=now)
            for participant in participants
        ],
        ignore_conflicts=True,
    )


def answer_reflections(cohort, trainer, now):
    """Feedback on about half the submitted reflections, and comments on
    some of those shared with the cohort. No emails: these are not news."""
    rng = random.Random(f"feedback-{cohort.slug}")
    reflections = Reflection.objects.filter(
        experiment__cohort=cohort, status=Reflection.Status.SUBMITTED
    ).order_by("pk")
    peers = list(
        cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT).select_related(
            "user"
        )
    )
    for reflection in reflections:
        if rng.random() < 0.5:
            reflection.feedback = rng.choice(FEEDBACK)
            reflection.feedback_by = trainer
            reflection.feedback_at = min(
                now, reflection.submitted_at + timedelta(days=rng.randint(1, 3))
            )
            reflection.save(update_fields=["feedback", "feedback_by", "feedback_at"])
        others = [peer for peer in peers if peer.pk != reflection.author_id]
        shared = reflection.visibility == Reflection.Visibility.COHORT
        if shared and others and rng.random() < 0.6:
            Comment.objects.create(
                reflection=reflection,
                author=rng.choice(others).user,
                text=rng.choice(COMMENTS),
            )


def set_demo_password(user):
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def build(now=None):
    """Build the demo programme, or complete it where parts are missing."""
    now = now or timezone.now()
    User = get_user_model()
    course = demo_course(course_index())

    cohorts, created_now = [], []
    for index, spec in enumerate(COHORTS):
        cohort, created = demo_cohort(course, spec, timezone.localdate(now))
        cohorts.append(cohort)
        # In the cohort under way, with a session ahead and an experiment to
        # do; first in it, so the login gets a reflection.
        if index == PARTICIPANT_COHORT:
            enrol(cohort, *PARTICIPANT, organisation=f"{spec.title}, Tampere")
        # Numbers from 1: number 0 is the participant login's name.
        enrol_demo_people(cohort, spec, 1 + index * PARTICIPANTS_PER_COHORT)
        # Reflections only with a new cohort, so a rerun weeks later, when
        # more sessions are over, still leaves the demo as it was.
        if created:
            write_reflections(cohort, now)
            answer_impact_survey(cohort, now)
            created_now.append(index)

    for email, first_name, last_name, organisation, trained in TRAINERS:
        for index in trained:
            enrol(
                cohorts[index],
                email,
                first_name,
                last_name,
                Enrollment.Role.TRAINER,
                organisation,
            )
    # Attendance and feedback, like reflections, only with a new cohort.
    for email, *_names, trained in TRAINERS:
        trainer = User.objects.get(email=email)
        for index in set(trained) & set(created_now):
            mark_attendance(cohorts[index], trainer, now)
            answer_reflections(cohorts[index], trainer, now)
    build_library(
        course,
        [(index, cohorts[index]) for index in created_now],
        {
            index: User.objects.get(email=email)
            for email, *_names, trained in TRAINERS
            for index in trained
        },
        now,
    )
    add_statements(timezone.localdate(now))
    set_demo_password(User.objects.get(email=TRAINERS[0][0]))
    set_demo_password(User.objects.get(email=PARTICIPANT[0]))

    coordinator = set_demo_password(person_for_email(*COORDINATOR))
    coordinator.groups.add(Group.objects.get(name=COORDINATORS))

    commissioner = set_demo_password(person_for_email(*COMMISSIONER))
    commissioner.groups.add(Group.objects.get(name=COMMISSIONERS))
    if not course.commissioners.filter(pk=commissioner.pk).exists():
        # Through a published revision, as a coordinator names one: the
        # course's editor opens the latest revision.
        course = CoursePage.objects.get(pk=course.pk)
        course.commissioners.add(commissioner)
        course.save_revision().publish()

    admin = User.objects.filter(username=SUPERUSER).first() or User(
        username=SUPERUSER, email="admin@example.org"
    )
    admin.is_staff = admin.is_superuser = True
    # Wagtail's account settings ask for a name before they save anything
    # else, such as the language.
    admin.first_name = admin.first_name or "Ylläpitäjä"
    admin.last_name = admin.last_name or "Virtu"
    admin.set_password(DEMO_PASSWORD)
    admin.save()

    logins = [
        ("superuser", SUPERUSER),
        ("coordinator", coordinator.username),
        ("trainer", TRAINERS[0][0]),
        ("participant", PARTICIPANT[0]),
        ("commissioner", commissioner.username),
    ]
    return Demo(course=course, cohorts=cohorts, logins=logins)


def add_statements(today):
    """The privacy notice and the accessibility statement every page's
    footer links to, as an organisation would fill them in."""
    root = Site.objects.get(is_default_site=True).root_page
    if not PrivacyNoticePage.objects.exists():
        notice = PrivacyNoticePage(
            title="Tietosuojaseloste",
            slug="tietosuoja",
            controller="Valtion koulutuspalvelut (demo), PL 1, 00100 Helsinki",
            protection_officer="tietosuoja@example.org",
            recipients_fi="Tietoja käsittelevät ryhmän valmentajat ja koordinaattorit. "
            "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle.",
            recipients_sv="Uppgifterna behandlas av gruppens tränare och "
            "koordinatorer. De överförs inte utanför EU eller EES.",
            recipients_en="The cohort's trainers and coordinators process the data. "
            "It is not transferred outside the EU or EEA.",
        )
        root.add_child(instance=notice)
        notice.save_revision().publish()
    if not AccessibilityStatementPage.objects.exists():
        statement = AccessibilityStatementPage(
            title="Saavutettavuusseloste",
            slug="saavutettavuus",
            compliance=AccessibilityStatementPage.Compliance.PARTIAL,
            inaccessible_fi="Ylläpitäjien hallintanäkymän kaikkia osia ei ole "
            "vielä arvioitu.",
            inaccessible_sv="Alla delar av administratörernas vy har ännu inte "
            "bedömts.",
            inaccessible_en="Not every part of the administrators' view has been "
            "assessed yet.",
            assessed_on=today,
            method=AccessibilityStatementPage.Method.SELF,
            updated_on=today,
            feedback_email="saavutettavuus@example.org",
        )
        root.add_child(instance=statement)
        statement.save_revision().publish()


def generated_email(number):
    return f"osallistuja.{number:05d}@demo.example.org"


@transaction.atomic
def add_generated_participants(cohorts, count, progress=False, batch_size=500, start=0):
    """Enrol generated participants number ``start`` (0) to ``count`` - 1
    round the ``cohorts``, in bulk.

    Person ``n`` always has the same email address and cohort, so the same
    count again adds nothing and a larger one adds only the difference. Bulk
    inserts send no signals, which is fine: only trainers need access synced.
    """
    User = get_user_model()
    with tqdm(total=count - start, unit=" people", disable=not progress) as bar:
        for first in range(start, count, batch_size):
            numbers = range(first, min(first + batch_size, count))
            emails = [generated_email(number) for number in numbers]
            existing = set(
                User.objects.filter(username__in=emails).values_list(
                    "username", flat=True
                )
            )
            User.objects.bulk_create(
                User(
                    username=email,
                    email=email,
                    first_name=person(number)[0],
                    last_name=person(number * 7 + 3)[1],
                    # Like invited people: no password until they set one.
                    password=make_password(None),
                )
                for number, email in zip(numbers, emails, strict=True)
                if email not in existing
            )
            user_ids = dict(
                User.objects.filter(username__in=emails).values_list("username", "pk")
            )
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        cohort=cohorts[number % len(cohorts)],
                        user_id=user_ids[email],
                        organisation=cohorts[number % len(cohorts)].title,
                    )
                    for number, email in zip(numbers, emails, strict=True)
                ],
                ignore_conflicts=True,
            )
            bar.update(len(numbers))


def add_generated_progress(cohort, now):
    """Attendance at every session and a reflection in some state on the
    first experiment for each participant who has none yet, in bulk: the
    progress of ``add_generated_participants``' people, for benchmarks."""
    people = list(cohort_progress.participants(cohort).filter(attendances__isnull=True))
    sessions = list(cohort.sessions.all())
    experiment = cohort.experiments.first()
    statuses = Attendance.Status.values
    Attendance.objects.bulk_create(
        Attendance(session=session, enrollment=person, status=statuses[n % 3])
        for n, person in enumerate(people)
        for session in sessions
    )
    reflections = Reflection.objects.bulk_create(
        Reflection(
            experiment=experiment,
            author=person,
            answers=[{"prompt": "Mitä kokeilit?", "answer": "Etäkokouksen."}],
            status="submitted" if n % 4 else "draft",
            decision=DEMO_OUTCOMES[n % len(DEMO_OUTCOMES)][0] if n % 4 else "",
            usefulness=DEMO_OUTCOMES[n % len(DEMO_OUTCOMES)][1] if n % 4 else None,
            # Every other one shared with the cohort, for the cohort space.
            visibility="cohort" if n % 2 else "trainers",
            submitted_at=now if n % 4 else None,
            is_late=n % 3 == 0,
            feedback="Hyvä!" if n % 5 == 0 else "",
            feedback_at=now if n % 5 == 0 else None,
        )
        for n, person in enumerate(people)
    )
    Comment.objects.bulk_create(
        Comment(reflection=reflection, author_id=person.user_id, text="Kiitos!")
        for n, (reflection, person) in enumerate(zip(reflections, people, strict=True))
        if n % 7 == 1
    )


def add_generated_impact_answers(cohort, now, batch_size=2000):
    """Answers to the waves of the impact survey that have opened by ``now``
    for each participant who has none yet, in bulk: the impact survey of
    ``add_generated_participants``' people, for benchmarks. Returns how many
    responses it made.

    As ``answer_impact_survey``: about one in seven skips a wave; every
    statement rated, rising from the baseline, with the rating in retrospect
    at the end; an open answer on most responses after the baseline. Each
    person's answers follow from their enrolment alone, so a larger cohort
    adds answers for the people new to it only.
    """
    statements = list(cohort.impact_statements.all())
    if not statements:
        return 0
    questions = list(cohort.impact_questions.all())
    openings = [
        opening
        for opening in schedule(list(cohort.sessions.all()), cohort.zone)
        if opening.opens <= now
    ]
    people = list(
        cohort_progress.participants(cohort)
        .filter(impact_responses__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    gains = {Wave.BASELINE: 0, Wave.END: 2, Wave.FOLLOW_UP: 3}
    made = 0
    for first in range(0, len(people), batch_size):
        responses, ratings = [], []
        for person in people[first : first + batch_size]:
            rng = random.Random(f"impact-{cohort.slug}-{person}")
            start = [rng.randint(2, 6) for _statement in statements]
            written = IMPACT_ANSWERS[person % len(IMPACT_ANSWERS)]
            for opening in openings:
                if rng.random() < 0.15:
                    continue  # did not answer
                gain = gains[opening.wave]
                response = Response(
                    enrollment_id=person,
                    wave=opening.wave,
                    status=Response.Status.SUBMITTED,
                    submitted_at=min(
                        now, opening.opens + timedelta(hours=rng.randint(2, 120))
                    ),
                    # Nothing written before the training, nor by those with
                    # nothing to say: no open answers at all (``SurveyForm``).
                    open_answers=[
                        {"question": question.text_fi, "answer": written}
                        for question in questions
                    ]
                    if gain and written
                    else [],
                )
                responses.append(response)
                ratings += [
                    Rating(
                        response=response,
                        statement=statement,
                        value=min(10, max(0, value + gain + rng.randint(-1, 2))),
                        before=max(0, value - rng.randint(0, 2))
                        if opening.wave == Wave.END
                        else None,
                    )
                    for statement, value in zip(statements, start, strict=True)
                ]
        # The responses get their keys here, which their ratings then take.
        Response.objects.bulk_create(responses)
        Rating.objects.bulk_create(ratings, batch_size=batch_size)
        made += len(responses)
    return made
