"""Reading and answering reflections in the admin: the review view, feedback
that emails the participant (through a real SMTP server), comments, and
moving on to the next reflection awaiting feedback."""

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from assignments.emails import Kind
from assignments.feedback import awaiting_feedback, feedback_key, next_awaiting
from assignments.models import Comment, Reflection
from outbox.models import OutgoingEmail
from privacy.erasure import approve, request, run

from .factories import make_participants
from .test_outbox import SMTPServerMixin
from .test_progress import TrainingDataMixin, in_english, reflect


def review_url(reflection):
    return reverse("reflections:review", args=[reflection.pk])


class ReviewViewTest(TrainingDataMixin, TestCase):
    def test_review_shows_the_prompts_and_answers_escaped(self):
        self.submitted.answers = [
            {"prompt": "What did you try?", "answer": "<script>alert(1)</script>\nA"}
        ]
        self.submitted.save()
        self.client.force_login(self.trainer)
        response = self.client.get(review_url(self.submitted))
        self.assertContains(response, "What did you try?")
        self.assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;<br>A")
        self.assertNotContains(response, "<script>alert(1)")

    def test_review_says_who_may_read_it_in_the_trainers_words(self):
        Reflection.objects.filter(pk=self.submitted.pk).update(
            visibility=Reflection.Visibility.COHORT
        )
        self.client.force_login(self.trainer)
        response = self.client.get(review_url(self.submitted))
        self.assertContains(response, "Shared with the cohort")
        self.assertNotContains(response, "my cohort")

    def test_review_lists_the_participants_earlier_reflections(self):
        later = reflect(self.people[1], self.experiments[1])
        Reflection.objects.filter(pk=later.pk).update(submitted_at=timezone.now())
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(review_url(later)).content)
        earlier = soup.select_one('section[aria-labelledby="earlier-heading"]')
        self.assertIn(self.experiments[0].title, earlier.get_text())
        self.assertIsNotNone(
            earlier.select_one(f'a[href="{review_url(self.submitted)}"]')
        )

    def test_drafts_and_other_cohorts_are_not_found(self):
        self.client.force_login(self.trainer)
        for reflection in (self.draft, self.other_reflection):
            with self.subTest(reflection=reflection.pk):
                self.assertEqual(
                    self.client.get(review_url(reflection)).status_code, 404
                )
                response = self.client.post(
                    review_url(reflection), {"action": "feedback", "feedback": "Hi"}
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.client.get(reverse("reflections:review", args=[999999])).status_code,
            404,
        )
        self.other_reflection.refresh_from_db()
        self.assertEqual(self.other_reflection.feedback, "")

    def test_coordinator_reads_every_cohorts_reflections(self):
        self.client.force_login(self.coordinator)
        for reflection in (self.submitted, self.other_reflection):
            self.assertEqual(self.client.get(review_url(reflection)).status_code, 200)

    def test_participant_cannot_reach_the_review(self):
        self.client.force_login(self.participant_user)
        response = self.client.get(review_url(self.submitted))
        self.assertEqual(response.status_code, 302)

    def test_reflection_listing_links_to_the_review(self):
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("reflections:index"))
        self.assertContains(response, review_url(self.submitted))
        self.assertNotContains(response, review_url(self.other_reflection))

    def test_listings_scroll_sideways_in_a_labelled_box_the_keyboard_reaches(self):
        # The admin clips its content at the window's edge: on a phone the
        # columns past it could not be reached at all.
        self.client.force_login(self.trainer)
        for name in ("reflections:index", "enrollments:index"):
            with self.subTest(name):
                soup = self.get_soup(self.client.get(reverse(name)).content)
                table = soup.select_one("table.listing")
                box = table.find_parent(class_="virtu-scroll")
                self.assertIsNotNone(box)
                self.assertEqual(box["role"], "region")
                self.assertEqual(box["tabindex"], "0")
                self.assertIn("scroll sideways", box["aria-label"])


class FeedbackTest(TrainingDataMixin, TestCase):
    def give(self, reflection, text, action="feedback"):
        self.client.force_login(self.trainer)
        with self.captureOnCommitCallbacks(execute=False):
            return self.client.post(
                review_url(reflection), {"action": action, "feedback": text}
            )

    def test_saving_feedback_records_who_and_when_and_queues_one_email(self):
        response = self.give(self.submitted, "  Great experiment!  ")
        self.assertRedirects(response, review_url(self.submitted))
        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.feedback, "Great experiment!")
        self.assertEqual(self.submitted.feedback_by, self.trainer)
        self.assertIsNotNone(self.submitted.feedback_at)
        self.assertEqual(self.submitted.progress, Reflection.Progress.FEEDBACK)
        [email] = OutgoingEmail.objects.filter(kind=Kind.FEEDBACK)
        self.assertEqual(email.key, feedback_key(self.submitted))
        self.assertEqual(email.to, self.people[1].user.email)
        self.assertIn("Great experiment!", email.text)
        self.assertIn(f"/my/experiments/{self.submitted.experiment_id}/", email.text)

    def test_saving_the_same_feedback_again_sends_nothing_more(self):
        self.give(self.submitted, "Great")
        self.give(self.submitted, "Great")
        self.assertEqual(OutgoingEmail.objects.filter(kind=Kind.FEEDBACK).count(), 1)

    def test_changed_feedback_is_a_new_email(self):
        self.give(self.submitted, "Great")
        Reflection.objects.filter(pk=self.submitted.pk).update(
            feedback_at=timezone.now() - timedelta(minutes=5)
        )
        self.give(self.submitted, "Great, and one more thought")
        self.assertEqual(OutgoingEmail.objects.filter(kind=Kind.FEEDBACK).count(), 2)

    def test_empty_feedback_sends_no_email(self):
        response = self.give(self.submitted, "   ")
        self.assertEqual(response.status_code, 302)
        self.submitted.refresh_from_db()
        self.assertIsNone(self.submitted.feedback_at)
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.FEEDBACK).exists())

    def test_emptying_feedback_takes_it_back_without_email(self):
        response = self.give(self.answered, "")
        self.assertEqual(response.status_code, 302)
        self.answered.refresh_from_db()
        self.assertEqual(self.answered.feedback, "")
        self.assertIsNone(self.answered.feedback_at)
        self.assertEqual(self.answered.progress, Reflection.Progress.SUBMITTED)
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.FEEDBACK).exists())

    def test_email_is_in_the_participants_language(self):
        in_english(self.people[1].user)
        self.give(self.submitted, "Hyvä")
        email = OutgoingEmail.objects.get(kind=Kind.FEEDBACK)
        self.assertIn("Feedback on your reflection", email.subject)
        self.assertIn(f"/en/my/experiments/{self.submitted.experiment_id}/", email.text)

    def test_feedback_text_is_escaped_in_the_html_email(self):
        self.give(self.submitted, "<b>bold</b>")
        email = OutgoingEmail.objects.get(kind=Kind.FEEDBACK)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", email.html)

    def test_too_long_feedback_is_refused_with_a_message_and_kept_in_the_box(self):
        text = "x" * 20_001
        response = self.give(self.submitted, text)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The feedback could not be saved.")
        self.assertContains(response, text)
        soup = self.get_soup(response.content)
        field = soup.find("textarea", attrs={"name": "feedback"})
        error_id = field["aria-describedby"].split()[-1]
        self.assertIn(
            "This text is 20,001 characters long; the limit is 20,000.",
            soup.find(id=error_id).get_text(),
        )
        self.assertFalse(field.has_attr("maxlength"))
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.FEEDBACK).exists())

    def test_nul_characters_are_dropped_from_feedback(self):
        response = self.give(self.submitted, "Great\x00 work.")
        self.assertEqual(response.status_code, 302)
        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.feedback, "Great work.")

    def test_save_and_open_the_next_goes_to_the_next_awaiting_feedback(self):
        response = self.give(self.submitted, "Thanks", action="feedback-next")
        self.assertRedirects(response, review_url(self.late))

    def test_save_and_open_the_next_goes_to_the_longest_waiting_one(self):
        # Three wait: the oldest, the one answered now, and a newer one.
        Reflection.objects.filter(pk=self.late.pk).update(
            submitted_at=self.submitted.submitted_at + timedelta(hours=1)
        )
        newest = reflect(
            self.people[3], self.cohort.experiments.order_by("after_session")[1]
        )
        Reflection.objects.filter(pk=newest.pk).update(submitted_at=timezone.now())
        self.late.refresh_from_db()
        self.assertEqual(next_awaiting(self.trainer, after=self.late), newest)

        response = self.give(self.late, "Thanks", action="feedback-next")

        self.assertRedirects(response, review_url(self.submitted))

    def test_form_has_stable_labels_for_the_browser_test(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(review_url(self.submitted)).content)
        label = soup.find("label", attrs={"for": "id_feedback"})
        self.assertEqual(label.get_text(strip=True), "Feedback")
        buttons = [b.get_text(strip=True) for b in soup.select("form button")]
        self.assertIn("Save feedback", buttons)
        self.assertIn("Add comment", buttons)
        self.assertIn(
            "Next reflection awaiting feedback",
            [a.get_text(strip=True) for a in soup.select("a")],
        )


class FeedbackEmailDeliveryTest(SMTPServerMixin, TrainingDataMixin, TestCase):
    def test_feedback_reaches_the_participant_through_smtp(self):
        self.client.force_login(self.trainer)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                review_url(self.submitted),
                {"action": "feedback", "feedback": "Well tried!"},
            )
        [message] = self.mailbox.messages
        self.assertEqual(message["To"], self.people[1].user.email)
        body = message.get_body(("plain",)).get_content()
        self.assertIn("Well tried!", body)
        self.assertIn(f"/my/experiments/{self.submitted.experiment_id}/", body)
        email = OutgoingEmail.objects.get(kind=Kind.FEEDBACK)
        self.assertEqual(email.state, OutgoingEmail.State.SENT)


class NextAwaitingTest(TrainingDataMixin, TestCase):
    def test_awaiting_feedback_is_the_users_submitted_ones_without_feedback(self):
        self.assertEqual(
            list(awaiting_feedback(self.trainer)), [self.submitted, self.late]
        )
        self.assertEqual(
            list(awaiting_feedback(self.other_trainer)), [self.other_reflection]
        )
        self.assertEqual(
            set(awaiting_feedback(self.coordinator)),
            {self.submitted, self.late, self.other_reflection},
        )

    def test_next_goes_round_in_a_stable_order(self):
        Reflection.objects.filter(pk=self.late.pk).update(
            submitted_at=self.submitted.submitted_at + timedelta(hours=1)
        )
        self.late.refresh_from_db()
        self.assertEqual(next_awaiting(self.trainer), self.submitted)
        self.assertEqual(next_awaiting(self.trainer, after=self.submitted), self.late)
        self.assertEqual(next_awaiting(self.trainer, after=self.late), self.submitted)
        # From one that is not waiting, on from where it stands in the order.
        self.assertEqual(next_awaiting(self.trainer, after=self.answered), self.late)

    def test_next_goes_round_reflections_submitted_together_by_their_order(self):
        Reflection.objects.filter(pk=self.late.pk).update(
            submitted_at=self.submitted.submitted_at
        )
        first, second = Reflection.objects.filter(
            pk__in=[self.submitted.pk, self.late.pk]
        ).order_by("pk")
        self.assertEqual(next_awaiting(self.trainer, after=first), second)
        self.assertEqual(next_awaiting(self.trainer, after=second), first)

    def test_next_view_opens_the_longest_waiting(self):
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("reflections:next"))
        self.assertRedirects(response, review_url(next_awaiting(self.trainer)))

    def test_next_view_says_when_nothing_awaits(self):
        Reflection.objects.update(feedback_at=timezone.now())
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("reflections:next"), follow=True)
        self.assertContains(response, "No reflections are awaiting your feedback.")


class CommentTest(TrainingDataMixin, TestCase):
    def test_trainer_comments_on_a_reflection(self):
        self.client.force_login(self.trainer)
        response = self.client.post(
            review_url(self.submitted), {"action": "comment", "text": "=1+1 <i>x</i>"}
        )
        self.assertRedirects(response, review_url(self.submitted) + "#comments")
        comment = Comment.objects.get()
        self.assertEqual(
            (comment.author, comment.reflection), (self.trainer, self.submitted)
        )
        response = self.client.get(review_url(self.submitted))
        self.assertContains(response, "=1+1 &lt;i&gt;x&lt;/i&gt;")

    def test_a_comment_whose_author_was_erased_shows_neither_name_nor_text(self):
        """The review page of a reflection someone commented on before being
        erased: it answered 500 (no author to name)."""
        commenter = self.people[2].user
        Comment.objects.create(
            reflection=self.submitted, author=commenter, text="Secret opinion"
        )
        Comment.objects.create(
            reflection=self.submitted, author=self.trainer, text="Thanks!"
        )
        erasure = request(commenter, by=self.coordinator)
        approve(erasure, self.coordinator, cool_off=timedelta(0))
        run(erasure.pk)  # Waits for the running cohort for some data, not this.
        self.assertFalse(Comment.objects.filter(author=commenter).exists())

        self.client.force_login(self.trainer)
        response = self.client.get(review_url(self.submitted))
        self.assertEqual(response.status_code, 200)
        comments = self.get_soup(response.content).select_one("#comments")
        self.assertIn("Deleted user", comments.get_text())
        self.assertIn("removed at its author’s request", comments.get_text())
        self.assertIn("Thanks!", comments.get_text())
        self.assertNotIn("Secret opinion", comments.get_text())

    def test_empty_comment_is_refused_with_a_message(self):
        self.client.force_login(self.trainer)
        response = self.client.post(
            review_url(self.submitted), {"action": "comment", "text": "  "}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The comment could not be saved.")
        self.assertFalse(Comment.objects.exists())

    def test_comment_box_does_not_cut_pasted_text_and_too_long_gets_a_message(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(review_url(self.submitted)).content)
        box = soup.find("textarea", attrs={"name": "text"})
        self.assertFalse(box.has_attr("maxlength"))
        text = "c" * 5_001
        response = self.client.post(
            review_url(self.submitted), {"action": "comment", "text": text}
        )
        self.assertContains(response, "The comment could not be saved.")
        self.assertContains(response, text)
        soup = self.get_soup(response.content)
        box = soup.find("textarea", attrs={"name": "text"})
        error_id = box["aria-describedby"].split()[-1]
        self.assertIn(
            "This text is 5,001 characters long; the limit is 5,000.",
            soup.find(id=error_id).get_text(),
        )
        self.assertFalse(Comment.objects.exists())

    def test_feedback_and_comment_boxes_say_their_limit_before_it_is_passed(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(review_url(self.submitted)).content)
        for name, limit in [("feedback", "20,000"), ("text", "5,000")]:
            with self.subTest(name=name):
                box = soup.find("textarea", attrs={"name": name})
                help_text = soup.find(id=box["aria-describedby"]).get_text()
                self.assertIn(f"At most {limit} characters.", help_text)
                # virtu/limit.js counts down to it, without cutting pasted text.
                self.assertEqual(box["data-limit"], limit.replace(",", ""))
                self.assertEqual(
                    box["data-characters-left"], "Characters left: %(count)s"
                )
                self.assertFalse(box.has_attr("maxlength"))

    def test_nul_characters_are_dropped_from_a_comment(self):
        self.client.force_login(self.trainer)
        response = self.client.post(
            review_url(self.submitted), {"action": "comment", "text": "Good\x00 one."}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Comment.objects.get().text, "Good one.")

    def test_trainer_cannot_comment_in_another_cohort(self):
        self.client.force_login(self.trainer)
        response = self.client.post(
            review_url(self.other_reflection), {"action": "comment", "text": "Hi"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Comment.objects.exists())

    def test_review_shows_the_thread(self):
        make_participants(self.cohort, 1, prefix="peer")
        Comment.objects.create(
            reflection=self.submitted, author=self.people[2].user, text="Nice one"
        )
        self.client.force_login(self.trainer)
        self.assertContains(self.client.get(review_url(self.submitted)), "Nice one")
