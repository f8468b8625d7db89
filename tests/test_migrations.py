"""Migrations keep the data of a site built before the plugin set was
layered: the outbox and the sign-in links, which moved out of ``cohorts``
and the demo's ``home`` into apps of their own, keep their rows."""

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

#: A database made by `migrate` with the code before the move (a course, a
#: cohort, a participant and a trainer, their welcome and invite emails and
#: sign-in links, and a reflection).
BEFORE_THE_MOVE = Path(__file__).parent / "data" / "pre_layers.sqlite3.gz"


class MigratingASiteFromBeforeTheMoveTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.directory = tempfile.TemporaryDirectory()
        cls.database = Path(cls.directory.name) / "site.sqlite3"
        with gzip.open(BEFORE_THE_MOVE) as packed:
            cls.database.write_bytes(packed.read())
        cls.migrate = cls.manage("migrate", "--noinput")

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()
        super().tearDownClass()

    @classmethod
    def manage(cls, *args):
        return subprocess.run(
            [sys.executable, "manage.py", *args, "--settings=virtu.settings.test"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{cls.database}"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def query(self, sql):
        connection = sqlite3.connect(self.database)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def tables(self):
        return {
            name
            for (name,) in self.query(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }

    def test_migrate_succeeds(self):
        self.assertEqual(self.migrate.returncode, 0, self.migrate.stderr)

    def test_the_outbox_keeps_its_emails(self):
        self.assertNotIn("cohorts_outgoingemail", self.tables())
        kinds = sorted(
            kind for (kind,) in self.query("SELECT kind FROM outbox_outgoingemail")
        )
        self.assertEqual(kinds, ["invite"] * 6 + ["welcome"] * 2)

    def test_sign_in_links_are_kept(self):
        self.assertNotIn("home_signinlink", self.tables())
        [(count,)] = self.query("SELECT count(*) FROM signin_signinlink")
        self.assertEqual(count, 2)

    def test_coordinators_still_read_the_outbox(self):
        rows = self.query(
            "SELECT ct.app_label FROM auth_group g "
            "JOIN auth_group_permissions gp ON gp.group_id = g.id "
            "JOIN auth_permission p ON p.id = gp.permission_id "
            "JOIN django_content_type ct ON ct.id = p.content_type_id "
            "WHERE g.name = 'Coordinators' AND p.codename = 'view_outgoingemail'"
        )
        self.assertEqual(rows, [("outbox",)])

    def test_nothing_else_is_left_to_migrate(self):
        check = self.manage("migrate", "--check")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        changes = self.manage("makemigrations", "--check", "--dry-run")
        self.assertEqual(changes.returncode, 0, changes.stdout + changes.stderr)

    def test_reflections_and_cohorts_are_untouched(self):
        [(answers,)] = self.query("SELECT answers FROM assignments_reflection")
        self.assertEqual(json.loads(answers)[0]["answer"], "Kokeilin etäkokousta.")
        [(title,)] = self.query(
            "SELECT title FROM wagtailcore_page p JOIN cohorts_cohortpage c "
            "ON c.page_ptr_id = p.id"
        )
        self.assertEqual(title, "Ryhmä A")

    def test_sessions_planned_without_a_number_are_numbered_by_their_start(self):
        # The old code planned a cohort's sessions with no sort_order, and
        # PostgreSQL may return such rows in any order.
        rows = self.query("SELECT sort_order FROM cohorts_session ORDER BY start")
        self.assertEqual(rows, [(0,), (1,), (2,)])

    def test_the_course_index_is_approved_by_the_coordinators(self):
        # Its cohorts' changes by trainers no longer wait for the Moderators.
        rows = self.query(
            "SELECT g.name FROM courses_courseindexpage i "
            "JOIN wagtailcore_workflowpage wp ON wp.page_id = i.page_ptr_id "
            "JOIN wagtailcore_workflowtask wt ON wt.workflow_id = wp.workflow_id "
            "JOIN wagtailcore_groupapprovaltask_groups tg "
            "ON tg.groupapprovaltask_id = wt.task_id "
            "JOIN auth_group g ON g.id = tg.group_id"
        )
        self.assertEqual(rows, [("Coordinators",)])
