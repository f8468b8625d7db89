"""A comment on a reflection, by a peer on the cohort space or by a trainer
in the admin, emails the reflection's author (through a real SMTP server);
their own comments and repeated clicks send nothing."""

from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from assignments.comments import post_comment
from assignments.emails import Kind
from assignments.models import Comment, Reflection
from outbox.models import OutgoingEmail

from .test_outbox import SMTPServerMixin
from .test_progress import TrainingDataMixin


def comment_emails():
    return list(OutgoingEmail.objects.filter(kind=Kind.COMMENT).order_by("pk"))


class CommentEmailTest(SMTPServerMixin, TrainingDataMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Reflection.objects.filter(pk=cls.submitted.pk).update(
            visibility=Reflection.Visibility.COHORT
        )
        cls.author = cls.submitted.author.user
        cls.peer = cls.people[2].user

    def shared_page(self, language="en"):
        with translation.override(language):
            return reverse("participant:shared_reflection", args=[self.submitted.pk])

    def test_a_peers_comment_reaches_the_author_through_smtp(self):
        self.client.force_login(self.peer)

        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(self.shared_page(), {"text": "Tried it too!"})

        [message] = self.mailbox.messages
        self.assertEqual(message["To"], self.author.email)
        body = message.get_body(("plain",)).get_content()
        self.assertIn("Tried it too!", body)
        self.assertIn(self.peer.get_full_name(), body)
        self.assertIn(self.shared_page("fi") + "#comments", body)
        self.assertEqual(comment_emails()[0].state, OutgoingEmail.State.SENT)

    def test_an_author_who_no_longer_reads_the_cohort_gets_no_email(self):
        """Withdrawn from the cohort, or the cohort unpublished: an email
        would tell them what was written where they may not read it."""
        self.client.force_login(self.trainer)
        review = reverse("reflections:review", args=[self.submitted.pk])
        enrollment = self.submitted.author
        enrollment.withdraw(by=self.trainer)
        self.client.post(review, {"action": "comment", "text": "After leaving"})
        self.assertEqual(comment_emails(), [])
        enrollment.withdrawn_at = enrollment.withdrawn_by = None
        enrollment.save()
        self.cohort.unpublish()
        self.client.post(review, {"action": "comment", "text": "Unpublished"})
        self.assertEqual(Comment.objects.filter(reflection=self.submitted).count(), 2)
        self.assertEqual(comment_emails(), [])

    def test_a_trainers_comment_in_the_admin_reaches_the_author(self):
        self.client.force_login(self.trainer)

        self.client.post(
            reverse("reflections:review", args=[self.submitted.pk]),
            {"action": "comment", "text": "What did your team say?"},
        )

        [email] = comment_emails()
        self.assertEqual(email.to, self.author.email)
        self.assertIn("What did your team say?", email.text)

    def test_the_email_is_in_the_authors_language(self):
        profile = UserProfile.get_for_user(self.author)
        profile.preferred_language = "sv"
        profile.save()

        post_comment(self.submitted, self.peer, "Bra!")

        [email] = comment_emails()
        self.assertIn("kommentar", email.subject.lower())

    def test_the_authors_own_comment_sends_nothing(self):
        post_comment(self.submitted, self.author, "Thanks, all.")

        self.assertEqual(Comment.objects.count(), 1)
        self.assertEqual(comment_emails(), [])

    def test_a_double_click_makes_one_comment_and_one_email(self):
        first = post_comment(self.submitted, self.peer, "Nice.")
        second = post_comment(self.submitted, self.peer, "Nice.")

        self.assertIsNotNone(first)
        self.assertIsNone(second)
        self.assertEqual(Comment.objects.count(), 1)
        self.assertEqual(len(comment_emails()), 1)

    def test_a_repeated_comment_is_said_to_be_posted_already(self):
        """Posted again within a minute, the page says so, and tells the
        comment box that the server has it (reflection.js then does not put
        it back as "not posted")."""
        self.client.force_login(self.peer)
        self.client.post(self.shared_page(), {"text": "Nice."}, follow=True)

        response = self.client.post(self.shared_page(), {"text": "Nice."}, follow=True)

        self.assertContains(
            response, "You had already posted this comment; it is shown once."
        )
        self.assertNotContains(response, "Your comment was posted.")
        self.assertContains(response, "data-server-took")
        self.assertEqual(Comment.objects.count(), 1)

    def test_only_the_page_after_posting_says_the_server_took_the_comment(self):
        self.client.force_login(self.peer)

        posted = self.client.post(self.shared_page(), {"text": "Nice."}, follow=True)
        later = self.client.get(self.shared_page())

        self.assertContains(posted, "data-server-took")
        self.assertNotContains(later, "data-server-took")

    def test_another_reflections_page_does_not_say_the_server_took_its_comment(self):
        # The page after a post never loaded (the connection dropped); the
        # next page opened is another reflection, where a comment is kept.
        other, __ = Reflection.objects.get_or_create(
            experiment=self.submitted.experiment,
            author=self.people[3],
            defaults={"answers": [{"prompt": "?", "answer": "Tried it."}]},
        )
        other.visibility = Reflection.Visibility.COHORT
        other.submit()
        other.save()
        self.client.force_login(self.peer)
        self.client.post(self.shared_page(), {"text": "Nice."})

        response = self.client.get(
            reverse("participant:shared_reflection", args=[other.pk])
        )

        self.assertContains(response, "Your comment was posted.")
        self.assertNotContains(response, "data-server-took")

    def test_a_commenter_without_a_name_is_not_shown_by_address(self):
        self.peer.first_name = self.peer.last_name = ""
        self.peer.save()

        post_comment(self.submitted, self.peer, "Good.")

        [email] = comment_emails()
        self.assertNotIn(self.peer.email, email.text)
        self.assertNotIn(self.peer.email, email.html)
        # Named in the author's language, Finnish by default.
        self.assertIn("Osallistuja kommentoi", email.text)

    def test_comment_text_is_escaped_in_the_html_email(self):
        post_comment(self.submitted, self.peer, "<script>alert(1)</script>")

        [email] = comment_emails()
        self.assertNotIn("<script>", email.html)
        self.assertIn("&lt;script&gt;", email.html)

    def test_a_reflection_erased_at_its_authors_request_takes_no_comments(self):
        """Nobody is left to read them: the page says so instead of offering
        the comment box, and a comment sent anyway is not saved."""
        Comment.objects.create(reflection=self.submitted, author=self.peer, text="Hi")
        # As erasure leaves a shared reflection (assignments.personal_data).
        Reflection.objects.filter(pk=self.submitted.pk).update(
            author=None, answers=[], feedback="", feedback_by=None
        )
        self.client.force_login(self.peer)
        closed = "Comments are closed: this reflection was removed at its author’s"

        page = self.client.get(self.shared_page())
        self.assertContains(page, "This reflection was removed at its author’s")
        self.assertContains(page, closed)
        self.assertNotContains(page, 'id="comment-form"')

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.shared_page(), {"text": "Anyone?"})
        self.assertContains(
            response,
            "Your comment was not posted: this reflection was removed at its "
            "author’s request.",
            status_code=409,
        )
        self.assertNotContains(response, 'id="comment-form"', status_code=409)
        self.assertEqual(list(Comment.objects.values_list("text", flat=True)), ["Hi"])
        self.assertEqual(comment_emails(), [])

        # Nor in the admin, where an erased author's reflection is not found.
        self.client.force_login(self.trainer)
        response = self.client.post(
            reverse("reflections:review", args=[self.submitted.pk]),
            {"action": "comment", "text": "Anyone?"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Comment.objects.count(), 1)
