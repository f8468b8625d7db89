"""The Procfile and the systemd units start what README "Production"
describes, with the scripts the other tests run."""

import configparser
import os
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)
#: Where the units expect the checkout.
INSTALLED_AT = "/srv/virtu/"


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


class DeployFileTests(SimpleTestCase):
    def test_the_procfile_runs_the_release_step_the_web_server_and_a_worker(self):
        lines = (ROOT / "Procfile").read_text().splitlines()
        processes = dict(line.split(": ", 1) for line in lines if line.strip())

        self.assertEqual(
            processes,
            {
                "release": "scripts/release.sh",
                "web": "scripts/serve.sh",
                "worker": "scripts/worker.sh",
            },
        )
        for command in processes.values():
            self.assertTrue(os.access(ROOT / command, os.X_OK), command)

    def test_the_systemd_units_run_the_same_scripts(self):
        starts = {
            name: unit(name)["Service"]["ExecStart"]
            for name in [
                "virtu-release.service",
                "virtu-web.service",
                "virtu-worker@.service",
            ]
        }

        self.assertEqual(
            starts,
            {
                "virtu-release.service": INSTALLED_AT + "scripts/release.sh",
                "virtu-web.service": INSTALLED_AT + "scripts/serve.sh",
                "virtu-worker@.service": INSTALLED_AT + "scripts/worker.sh",
            },
        )
        for command in starts.values():
            script = ROOT / command.removeprefix(INSTALLED_AT)
            self.assertTrue(os.access(script, os.X_OK), script)
        self.assertEqual(unit("virtu-web.service")["Service"]["Type"], "notify")
        self.assertEqual(
            unit("virtu.target")["Unit"]["Wants"].split(),
            ["virtu-web.service", "virtu-worker@1.service", "virtu-worker@2.service"],
        )

    def test_the_scripts_start_the_production_settings(self):
        for script in ["release.sh", "serve.sh", "worker.sh"]:
            with self.subTest(script):
                text = (ROOT / "scripts" / script).read_text()
                self.assertIn(
                    "DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-"
                    "virtu.settings.production}",
                    text,
                )
        self.assertIn("-c virtu/gunicorn_conf.py virtu.wsgi", self.read("serve.sh"))
        release = self.read("release.sh")
        steps = ["migrate", "createcachetable", "collectstatic"]
        self.assertEqual(
            sorted(steps, key=release.index), steps, "the release step's order"
        )

    @staticmethod
    def read(script):
        return (ROOT / "scripts" / script).read_text()
