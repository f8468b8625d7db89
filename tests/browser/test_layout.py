"""Every participant page at 320, 390 and 1280 px, and the progress grid,
the course overview and the outbox at 1280 px: measured in the page, the
page never scrolls sideways, nothing is pushed out of reach (a wide table
scrolls inside its own box, its first column still in view), and axe finds
no WCAG 2.1 A/AA violation. Each page is kept as a screenshot in
``artifacts_dir()/layout``."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from assignments.emails import Kind
from assignments.models import Comment, Reflection
from cohorts.enrolment import enrol
from cohorts.models import Attendance, CohortPage, Enrollment
from home.management.demo import add_generated_participants
from outbox.sending import queue_email
from signin.links import new_link
from tests.factories import (
    commission,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_course,
    make_trainer,
)
from tests.test_statements import make_statements

from .base import BrowserTestCase, artifacts_dir, running_cohort, text

WIDTHS = [320, 390, 1280]

#: Problems with the page's width, measured in the browser: the page wider
#: than the window, and elements that end beyond its right edge or are cut
#: by an ancestor's hidden overflow, unless they are in a box that scrolls
#: sideways itself. ``within`` limits the search (the admin's own menus hide
#: what they fold away).
MEASURE = """
(within) => {
  const root = document.documentElement;
  const problems = [];
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(
      `the page scrolls sideways: ${root.scrollWidth}px in ${root.clientWidth}px`
    );
  }
  const scope = document.querySelector(within) || document.body;
  const all = [scope, ...scope.querySelectorAll("*")];
  const shown = (el) => {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    return style.display !== "none" && style.visibility !== "hidden" &&
      rect.width > 1 && rect.height > 1;
  };
  const scrollers = all.filter((el) => {
    const x = getComputedStyle(el).overflowX;
    return (x === "auto" || x === "scroll");
  });
  const inScroller = (el) => scrollers.some((box) => box !== el && box.contains(el));
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "") +
      ` "${(el.textContent || "").trim().slice(0, 40)}"`;
  };
  for (const el of all) {
    if (!shown(el) || inScroller(el)) continue;
    const rect = el.getBoundingClientRect();
    if (rect.right > root.clientWidth + 1) {
      const right = Math.round(rect.right);
      problems.push(`${name(el)} ends at ${right}px, beyond ${root.clientWidth}px`);
    }
    const x = getComputedStyle(el).overflowX;
    if (x === "hidden" || x === "clip") {
      // Shown content that the box cuts off (what it hides on purpose, such
      // as a folded menu, is not shown).
      const edge = rect.right;
      const cut = [...el.querySelectorAll("*")].find(
        (child) => shown(child) && !inScroller(child) &&
          child.getBoundingClientRect().right > edge + 1
      );
      if (cut) problems.push(`${name(el)} cuts off ${name(cut)}`);
    }
  }
  return problems.slice(0, 10);
}
"""

#: Buttons and button-like links whose label is cut off: wider than the
#: button (the admin's buttons keep to one line and hide what does not
#: fit), or reaching past the edge of a box that hides its overflow; those
#: the selector given finds, if one is.
CUT_LABELS = """
(selector) => [...document.querySelectorAll(selector || "button, a.button")]
  .filter((el) => {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || getComputedStyle(el).visibility === "hidden") return false;
    if (el.scrollWidth > el.clientWidth + 1) return true;
    for (let box = el.parentElement; box; box = box.parentElement) {
      const x = getComputedStyle(box).overflowX;
      const edge = box.getBoundingClientRect();
      if ((x === "hidden" || x === "clip") &&
          (rect.right > edge.right + 1 || rect.left < edge.left - 1)) return true;
    }
    return false;
  })
  .map((el) => {
    const right = Math.round(el.getBoundingClientRect().right);
    return `${el.textContent.trim()}: ${right}px`;
  })
"""

#: Text that a person cannot read in full: cut off by a box that hides its
#: overflow (or scrolls it out of view) or by the window's edge, or covered
#: by another element (probed at the start, middle and end of each line);
#: of the elements the selector finds, each of which must show some text.
HIDDEN_TEXT = """
(selector) => {
  const name = (el) => el.tagName.toLowerCase() + ` "${
    (el.textContent.trim() || el.getAttribute("aria-label") || "")
      .replace(/\\s+/g, " ").slice(0, 40)}"`;
  const clips = (el) => {
    const style = getComputedStyle(el);
    return style.overflowX !== "visible" || style.overflowY !== "visible";
  };
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    const lines = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      lines.push(...[...range.getClientRects()].filter((rect) => rect.width > 0));
    }
    if (!lines.length) {
      problems.push(`${name(el)} shows no text`);
      continue;
    }
    const boxes = [];
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (clips(box)) boxes.push(box.getBoundingClientRect());
    }
    const width = document.documentElement.clientWidth;
    for (const line of lines) {
      const outside = (edge) => line.left < edge.left - 1 ||
        line.right > edge.right + 1 || line.top < edge.top - 1 ||
        line.bottom > edge.bottom + 1;
      if (line.left < -1 || line.right > width + 1 || boxes.some(outside)) {
        const [left, right] = [line.left, line.right].map(Math.round);
        problems.push(`${name(el)}: a line at ${left}-${right}px is cut off`);
        break;
      }
      const y = (line.top + line.bottom) / 2;
      const cover = [line.left + 1, (line.left + line.right) / 2, line.right - 1]
        .map((x) => document.elementFromPoint(x, y))
        .find((hit) => hit && !el.contains(hit));
      if (cover) {
        problems.push(`${name(cover)} covers ${name(el)} at ${Math.round(y)}px`);
        break;
      }
    }
  }
  return problems;
}
"""

#: A wide table's box scrolled to its far end: how far it scrolled, and
#: whether each row's first cell is still inside the box.
SCROLL_TO_END = """
(box) => {
  box.scrollLeft = box.scrollWidth;
  const edge = box.getBoundingClientRect();
  const cells = [...box.querySelectorAll("tbody tr > :first-child")];
  return {
    scrolled: box.scrollLeft,
    rows: cells.length,
    hidden: cells.filter((cell) => {
      const rect = cell.getBoundingClientRect();
      return rect.left < edge.left - 1 || rect.right > edge.right + 1;
    }).length,
  };
}
"""


#: Whether a table's last heading is inside its box once the box is
#: scrolled to its far end.
LAST_HEADING_AFTER_SCROLL = """
(box) => {
  box.scrollLeft = box.scrollWidth;
  const edge = box.getBoundingClientRect();
  const last = box.querySelector("thead th:last-child").getBoundingClientRect();
  return last.left >= edge.left - 1 && last.right <= edge.right + 1;
}
"""


#: Words of a table's headings and cells that the browser broke across
#: lines ("Keskeyttäne" above "et"), and cells whose figure wrapped ("9 / 9
#: (100" above "%)"): each word (or part up to a hyphen, where a line may
#: break), and each whole cell of the body but the names, takes one line.
BROKEN_TEXT = """
(table) => {
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  const broken = [];
  const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/[^\\s-]+-?/g)) {
      if (lines(node, match.index, match.index + match[0].length) > 1) {
        broken.push(match[0]);
      }
    }
  }
  // A figure stays on its line; so does the count of those not marked
  // under an attendance figure. Words in place of a figure may wrap.
  const cells = table.querySelectorAll("tbody td:not(.title):not(.virtu-words)");
  for (const cell of cells) {
    const notMarked = cell.querySelectorAll(".virtu-not-marked");
    for (const part of [cell.firstChild, ...notMarked]) {
      if (!part) continue;
      const range = document.createRange();
      range.selectNodeContents(part);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(part.textContent.trim());
    }
  }
  return broken;
}
"""


#: Where the text of the overview's note and of its table's first heading
#: start, in px from the left edge of the main content.
TEXT_STARTS = """
() => {
  const left = document.querySelector("main").getBoundingClientRect().left;
  const start = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return Math.round(range.getClientRects()[0].left - left);
  };
  return [
    start(document.querySelector("p.help:has(+ #virtu-report)")),
    start(document.querySelector("#virtu-report thead th:first-child a")),
  ];
}
"""


class LayoutTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.course = make_course()
        self.cohort = running_cohort(self.course)
        # A title as long as real ones, with a word longer than a phone is
        # wide at a heading's size.
        CohortPage.objects.filter(pk=self.cohort.pk).update(
            title="Länsi- ja Sisä-Suomen aluehallintovirasto, kevät 2038",
            draft_title="Länsi- ja Sisä-Suomen aluehallintovirasto, kevät 2038",
        )
        self.cohort.refresh_from_db()
        first, second = self.cohort.experiments.order_by("after_session")
        self.first_experiment = first
        self.anna = enrol(
            self.cohort,
            "anna@example.fi",
            "Anna-Kaarina",
            "Aaltonen-Virtanen",
            organisation="Länsi- ja Sisä-Suomen aluehallintovirasto, Jyväskylä",
        )
        bertil = enrol(self.cohort, "bertil@example.fi", "Bertil", "Berg")
        self.trainer = make_trainer(self.cohort)
        self.shared = self.reflection(bertil, first, "Meetings on Teams. " * 30)
        Comment.objects.create(
            reflection=self.shared, author=self.anna.user, text="Nice one."
        )
        self.own = self.reflection(self.anna, second, "A day online.")
        self.own.feedback, self.own.feedback_by = "Good.", self.trainer
        self.own.feedback_at = timezone.now()
        self.own.save()

    @staticmethod
    def reflection(author, experiment, answer):
        reflection = Reflection(
            experiment=experiment,
            author=author,
            answers=[{"prompt": experiment.prompt_list[0], "answer": answer}],
            visibility=Reflection.Visibility.COHORT,
        )
        reflection.submit()
        reflection.save()
        return reflection

    def check_layout(self, page, name, width, within="body"):
        with self.subTest(page=name, width=width):
            directory = artifacts_dir() / "layout"
            directory.mkdir(exist_ok=True)
            page.screenshot(path=directory / f"{name}-{width}.png", full_page=True)
            self.assertEqual(page.evaluate(MEASURE, within), [], page.url)
            self.axe_check(page)

    def open(self, page, path, width):
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(path)
        self.assertLess(response.status, 500, path)


class ParticipantLayoutTests(LayoutTestCase):
    def participant_pages(self):
        __, token = new_link(self.anna.user)
        notice, statement = make_statements()
        # A cohort Anna was withdrawn from, with as long a title.
        former = make_cohort(
            self.course, "Pohjois-Suomen aluehallintovirasto, syksy 2026"
        )
        enrol(former, self.anna.user.email).withdraw()
        return [
            ("front-page", "/"),
            ("sign-in", reverse("login")),
            ("sign-in-link", reverse("signin:link", args=[token])),
            ("privacy-notice", notice.url),
            ("accessibility-statement", statement.url),
            ("not-found", "/no-such-page/"),
        ], [
            ("front-page-signed-in", "/"),
            ("my-training", reverse("participant:my_training")),
            (
                "reflection-form",
                reverse("participant:reflection", args=[self.first_experiment.pk]),
            ),
            (
                "reflection-submitted",
                reverse("participant:reflection", args=[self.own.experiment_id]),
            ),
            ("cohort-space", reverse("participant:cohort", args=[self.cohort.pk])),
            (
                "shared-reflection",
                reverse("participant:shared_reflection", args=[self.shared.pk]),
            ),
            ("calendar-subscription", reverse("calendar:subscription")),
            ("your-data", reverse("privacy:my_data")),
            ("cohort-page", self.cohort.url),
            # An old link to an experiment no longer theirs.
            ("not-found-signed-in", reverse("participant:reflection", args=[999_999])),
            # An old link to the space of a cohort she is no longer in.
            ("former-cohort-space", reverse("participant:cohort", args=[former.pk])),
        ]

    def test_participant_pages_fit_every_width_and_meet_wcag(self):
        page = self.new_page("fi")
        signed_out, signed_in = self.participant_pages()
        for width in WIDTHS:
            for name, path in signed_out:
                self.open(page, path, width)
                self.check_layout(page, name, width)
        self.log_in(page, self.anna.user)
        for width in WIDTHS:
            for name, path in signed_in:
                self.open(page, path, width)
                self.check_layout(page, name, width)

    def test_a_middle_page_of_the_cohort_space_fits_and_leads_both_ways(self):
        add_generated_participants([self.cohort], 45)
        start = timezone.now() - timedelta(days=1)
        Reflection.objects.bulk_create(
            Reflection(
                experiment=self.first_experiment,
                author=enrollment,
                answers=[{"prompt": "?", "answer": f"Kokeilu {n}"}],
                status=Reflection.Status.SUBMITTED,
                submitted_at=start + timedelta(minutes=n),
                visibility=Reflection.Visibility.COHORT,
            )
            for n, enrollment in enumerate(
                Enrollment.objects.filter(user__username__startswith="osallistuja")
            )
        )
        page = self.new_page("fi")
        self.log_in(page, self.anna.user)
        space = reverse("participant:cohort", args=[self.cohort.pk])
        for width in WIDTHS:
            self.open(page, f"{space}?page=2", width)
            self.check_layout(page, "cohort-space-page-2", width)
            pages = page.get_by_role("navigation", name="Sivut")
            expect(pages.get_by_text("Sivu 2")).to_have_attribute(
                "aria-current", "page"
            )
        pages.get_by_role("link", name="Vanhemmat").click()
        expect(page).to_have_url(re.compile(r"\?page=3$"))
        expect(page.locator("article.reflection")).to_have_count(7)
        pages.get_by_role("link", name="Uudemmat").click()
        expect(page).to_have_url(re.compile(r"\?page=2$"))
        expect(page.locator("article.reflection")).to_have_count(20)

    def test_headings_keep_a_long_word_whole_on_a_phone_and_zoom_in_full(self):
        page = self.new_page("fi")
        self.log_in(page, self.anna.user)
        space = reverse("participant:cohort", args=[self.cohort.pk])
        # The lines the title's longest word takes.
        lines_of_word = """word => {
            const text = document.querySelector("h1").firstChild;
            const start = text.data.indexOf(word);
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + word.length);
            return new Set([...range.getClientRects()].map(r => r.top)).size;
        }"""
        size = "() => getComputedStyle(document.querySelector('h1')).fontSize"
        sizes = {}
        for width in [320, 390, 640, 1280]:
            self.open(page, space, width)
            with self.subTest(width=width):
                self.assertEqual(page.evaluate(lines_of_word, "aluehallintovirasto"), 1)
            sizes[width] = page.evaluate(size)
        # A desktop window zoomed to 200% is 640 CSS pixels wide: the
        # heading is as large there as at 1280, so zooming doubles it.
        self.assertEqual(sizes[640], sizes[1280])
        self.assertLess(float(sizes[320][:-2]), float(sizes[1280][:-2]))

    def test_the_timeline_shows_the_programme_in_order_with_its_states(self):
        page = self.new_page("en")
        self.log_in(page, self.anna.user)
        self.open(page, "/en" + reverse("participant:my_training"), 390)
        steps = page.locator(".timeline > li")
        expect(steps).to_have_count(5)
        expect(steps.nth(0)).to_contain_text("Done")
        expect(steps.nth(0)).to_contain_text("Session 1")
        expect(steps.nth(1)).to_contain_text("Experiment 1")
        expect(steps.nth(2)).to_contain_text("Next")
        expect(steps.nth(2)).to_contain_text("Session 2")
        expect(steps.nth(3)).to_contain_text("Experiment 2")
        expect(
            page.get_by_role("link", name="Add all sessions to my calendar")
        ).to_have_attribute("href", reverse("calendar:cohort", args=[self.cohort.pk]))
        page.get_by_role("link", name="Subscribe to my calendar").click()
        expect(page).to_have_url(f"{self.live_server_url}/calendar/")


class AdminLayoutTests(LayoutTestCase):
    def setUp(self):
        super().setUp()
        self.coordinator = make_coordinator()

    def check_wide_table(self, page, width):
        """The table's box scrolls, not the page, and each row's first cell
        stays in view when it is scrolled to the end."""
        box = page.locator("[role=region][tabindex='0']").first
        result = box.evaluate(SCROLL_TO_END)
        self.assertGreater(result["rows"], 0)
        self.assertEqual(result["hidden"], 0, result)
        return result

    def test_grid_overview_and_outbox_fit_at_1280_and_meet_wcag(self):
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        for name, path in [
            ("progress-grid", reverse("cohorts:progress", args=[self.cohort.pk])),
            ("course-overview", reverse("courses:overview", args=[self.course.pk])),
            ("outbox", reverse("outbox:index")),
        ]:
            self.open(page, path, 1280)
            self.check_layout(page, name, 1280, within="main")
            with self.subTest(table=name):
                self.check_wide_table(page, 1280)

    def test_the_course_overview_fits_1280_without_breaking_words(self):
        """Ten columns beside the admin menu: the overview fits without
        scrolling, no heading is cut inside a word and no figure wraps, in
        Finnish and Swedish (the longest headings): also with a session
        partly marked and a cohort with no experiment due yet."""
        first = self.cohort.sessions.order_by("sort_order").first()
        Attendance.objects.create(
            session=first, enrollment=self.anna, status=Attendance.Status.PRESENT
        )
        later = make_cohort(
            self.course,
            "Pohjois-Suomen aluehallintovirasto",
            start_date=timezone.localdate() + timedelta(days=30),
        )
        enrol(later, "cecilia@example.fi", "Cecilia", "Carlsson")
        profile = UserProfile.get_for_user(self.coordinator)
        for language in ("fi", "sv"):
            # The admin speaks the language of the person's profile.
            profile.preferred_language = language
            profile.save()
            page = self.new_page(language)
            self.log_in(page, self.coordinator)
            self.open(page, reverse("courses:overview", args=[self.course.pk]), 1280)
            table = page.locator("#virtu-report table")
            with self.subTest(language=language):
                expect(table.locator(".virtu-not-marked")).to_have_count(1)
                expect(table.locator("tbody td.virtu-words").last).to_have_text(
                    text("none due yet", language)
                )
                self.assertEqual(table.evaluate(BROKEN_TEXT), [])
                box = page.locator("#virtu-report [role=region]")
                self.assertLessEqual(
                    box.evaluate("(box) => box.scrollWidth - box.clientWidth"), 1
                )
            page.close()

    def test_the_overviews_note_on_hidden_figures_lines_up_with_its_table(self):
        """A commissioner's overview of a course with a cohort too small to
        show: the note that says why starts where the table's first column
        does, not against the edge of the phone or of the menu."""
        commissioner = make_commissioner()
        commission(self.course, commissioner)
        page = self.new_page("fi")
        self.log_in(page, commissioner)
        for width in WIDTHS:
            self.open(page, reverse("courses:overview", args=[self.course.pk]), width)
            note = page.locator("p.help:has(+ #virtu-report)")
            expect(note).to_be_visible()
            with self.subTest(width=width):
                self.assertEqual(page.evaluate(TEXT_STARTS), [20, 20])

    def test_the_attendance_form_fits_a_phone_and_scrolls_in_its_box(self):
        page = self.new_page("sv")
        self.log_in(page, self.coordinator)
        session = self.cohort.sessions.order_by("sort_order").first()
        path = reverse("cohorts:session_attendance", args=[self.cohort.pk, session.pk])
        for width in (320, 390):
            self.open(page, path, width)
            self.check_layout(page, "attendance", width, within="main")
            with self.subTest(width=width):
                self.check_wide_table(page, width)

    def test_the_review_page_fits_a_phone_in_swedish(self):
        """Swedish labels are the longest ("Spara responsen och öppna
        nästa", "Nästa reflektion som väntar på respons"): on a phone they
        wrap instead of being cut off at the button's edge."""
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "sv"
        profile.save()
        # Another reflection awaiting feedback, so the page leads to it.
        self.reflection(self.anna, self.first_experiment, "Ran a meeting.")
        page = self.new_page("sv")
        self.log_in(page, self.coordinator)
        path = reverse("reflections:review", args=[self.shared.pk])
        for width in (320, 390):
            self.open(page, path, width)
            expect(page.locator("html")).to_have_attribute("lang", "sv")
            self.check_layout(page, "review", width)
            with self.subTest(width=width):
                self.assertEqual(page.evaluate(CUT_LABELS), [])

    def test_the_courses_cohorts_and_enrolments_lists_scroll_in_their_box(self):
        """Whether someone has been withdrawn is the enrolments list's last
        column, and a course's state the courses list's: on a phone the
        lists scroll sideways in their own box instead of being cut off at
        the window's edge, and so are none of the buttons above them."""
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        for name, path in [
            ("enrolments", reverse("enrollments:index") + f"?cohort={self.cohort.pk}"),
            ("cohorts", reverse("cohorts:index")),
            ("courses", reverse("courses:index")),
        ]:
            for width in (320, 390):
                self.open(page, path, width)
                self.check_layout(page, name, width, within="#listing-results")
                with self.subTest(name=name, width=width):
                    box = page.locator("#listing-results [role=region][tabindex='0']")
                    self.assertEqual(box.evaluate(LAST_HEADING_AFTER_SCROLL), True)
                    # The header's buttons ("Tuo tiedostosta" beside "Lisää
                    # ilmoittautuminen") are all within reach.
                    self.assertEqual(page.evaluate(CUT_LABELS, "header a.button"), [])

    def test_a_long_message_is_readable_beside_the_menu_button(self):
        """Wagtail's menu button on a phone sits where a one-line message
        ends: the warning on a withdrawn person's enrolment is longer, and
        the button covered four of its lines at 320 px. It is on the
        page's header instead, and the whole message can be read."""
        bertil = Enrollment.objects.get(user__email="bertil@example.fi")
        Enrollment.objects.filter(pk=bertil.pk).update(withdrawn_at=timezone.now())
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        path = reverse("enrollments:edit", args=[bertil.pk])
        message = page.locator(".messages li")
        for width in WIDTHS:
            self.open(page, path, width)
            expect(message).to_contain_text("Bertil Berg on poistettu ryhmästä")
            # Once the messages have slid into place.
            page.wait_for_function(
                "() => getComputedStyle(document.querySelector('.messages > ul'))"
                ".top === '0px'"
            )
            with self.subTest(width=width):
                self.assertEqual(page.evaluate(HIDDEN_TEXT, ".messages li"), [])
                if width < 800:
                    header = page.locator(".w-slim-header").bounding_box()
                    button = page.locator(".sidebar-nav-toggle--mobile")
                    self.assertEqual(button.bounding_box()["y"], header["y"])

    def test_the_apps_admin_pages_show_their_titles_in_full_on_a_phone(self):
        """A page's title is the last of its breadcrumbs: on a phone it
        wraps, and the header's buttons go below it, instead of the title
        being cut to "Lä" beside the outbox's button or to nothing beside
        the enrolments list's; no button is cut off either. In Finnish and
        in Swedish, whose titles are longer."""
        bertil = Enrollment.objects.get(user__email="bertil@example.fi")
        pages = [
            reverse("courses:index"),
            reverse("cohorts:index"),
            reverse("enrollments:index"),
            reverse("enrollments:edit", args=[bertil.pk]),
            reverse("reflections:index"),
            reverse("outbox:index"),
            reverse("retention:index"),
            reverse("data_exports:index"),
            reverse("erasure_requests:index"),
            reverse("access_log:index"),
            reverse("accessibility_feedback:index"),
        ]
        title = "[data-w-breadcrumbs] li:last-child"
        profile = UserProfile.get_for_user(self.coordinator)
        for language in ("fi", "sv"):
            profile.preferred_language = language
            profile.save()
            page = self.new_page(language)
            self.log_in(page, self.coordinator)
            for path in pages:
                for width in (320, 390):
                    self.open(page, path, width)
                    with self.subTest(language=language, path=path, width=width):
                        self.assertEqual(page.evaluate(HIDDEN_TEXT, title), [])
                        self.assertEqual(
                            page.evaluate(CUT_LABELS, "header a.button, header button"),
                            [],
                        )
            page.close()

    def test_the_import_preview_fits_a_phone_and_enrols_on_its_button(self):
        """A file is first only shown: what importing it will do and the
        people it enrols, in a table that scrolls in its own box on a phone,
        with the button that enrols them (Swedish has the longest label)."""
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "sv"
        profile.save()
        lines = ["Förnamn;Efternamn;E-post;Organisation"] + [
            f"Åsa-Maria;Lindqvist-Holmström {n};person{n}@example.fi;"
            "Regionförvaltningsverket i Västra och Inre Finland"
            for n in range(30)
        ]
        page = self.new_page("sv")
        self.log_in(page, self.coordinator)
        url = reverse("enrollments:import") + f"?cohort={self.cohort.pk}"
        self.open(page, url, 390)
        page.set_input_files(
            "input[name=file]",
            files=[
                {
                    "name": "personer.csv",
                    "mimeType": "text/csv",
                    "buffer": "\n".join(lines).encode(),
                }
            ],
        )
        page.get_by_role("button", name="Förhandsgranska importen").click()
        button = page.get_by_role(
            "button", name="Lägg till 30 personer och skicka e-post"
        )
        expect(button).to_be_visible()
        people = Enrollment.objects.filter(user__email__startswith="person")
        self.assertFalse(people.exists())
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            self.check_layout(page, "import-preview", width, within="main")
            with self.subTest(width=width):
                box = page.locator("main [role=region][tabindex='0']")
                self.assertEqual(box.evaluate(LAST_HEADING_AFTER_SCROLL), True)

        button.click()

        expect(page.locator(".messages")).to_contain_text("30 personer tillagda")
        self.assertEqual(people.count(), 30)

    def test_an_email_in_the_outbox_keeps_its_lines_and_link_on_a_phone(self):
        """A coordinator reads on a phone what a participant was sent: the
        email in its lines, and its link whole, wrapped at the edge."""
        link = f"http://virtu.example.fi/sv/my/reflections/{self.shared.pk}/#comments"
        email = queue_email(
            "test:comment",
            Kind.COMMENT,
            "anna@example.fi",
            "En kommentar till din reflektion",
            f"Hej Anna,\n\nLäs och svara på sidan för din reflektion:\n{link}\n",
        )
        page = self.new_page("sv")
        self.log_in(page, self.coordinator)
        for width in (320, 390):
            self.open(page, reverse("outbox:inspect", args=[email.pk]), width)
            self.check_layout(page, "outbox-email", width, within="main")
            text = page.locator("main dd").filter(has_text="Hej Anna")
            with self.subTest(width=width):
                expect(text.locator("p")).to_have_count(2)
                self.assertLessEqual(
                    text.evaluate(
                        "(dd) => { const range = document.createRange();"
                        " range.selectNodeContents(dd);"
                        " return Math.max(...[...range.getClientRects()]"
                        ".map((rect) => rect.right)); }"
                    ),
                    width,
                )

    def test_long_lists_of_options_fit_a_phone(self):
        """The time zones and the cohorts' names are longer than a phone is
        wide: their lists stay within the window."""
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        for path in [
            f"/admin/pages/{self.cohort.pk}/edit/",
            reverse("enrollments:import"),
        ]:
            for width in (320, 390):
                self.open(page, path, width)
                with self.subTest(path=path, width=width):
                    edges = page.evaluate(
                        "() => [...document.querySelectorAll('.w-field select')]"
                        ".map((select) => select.getBoundingClientRect().right)"
                    )
                    self.assertTrue(edges)
                    self.assertLessEqual(max(edges), width)

    def test_a_narrow_window_scrolls_the_grid_in_its_box_with_names_in_view(self):
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        self.open(page, reverse("cohorts:progress", args=[self.cohort.pk]), 900)
        self.check_layout(page, "progress-grid", 900, within="main")
        result = self.check_wide_table(page, 900)
        self.assertGreater(result["scrolled"], 100)
        expect(
            page.get_by_role("row").filter(has_text="Aaltonen-Virtanen")
        ).to_be_visible()

    def test_the_grids_badges_say_their_state_and_have_a_legend(self):
        page = self.new_page("en")
        self.log_in(page, self.coordinator)
        self.open(page, f"/admin/cohorts/{self.cohort.pk}/progress/", 1280)
        legend = page.locator(".virtu-legend")
        for label in ["Present", "Absent", "Not marked", "Draft", "Submitted late"]:
            expect(legend).to_contain_text(label)
        bertil = page.get_by_role("row").filter(has_text="Bertil Berg")
        expect(
            bertil.get_by_role("link", name="Submitted: Experiment 1, Bertil Berg")
        ).to_be_visible()
