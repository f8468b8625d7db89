"""What an operator sets in the environment reaches the apps, as README
"Configuration" says: "everything an operator may change is an environment
variable"."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)

#: A variable, a value other than its default, and what the apps read.
READ_BY_THE_APPS = {
    "VIRTU_SMALLEST_GROUP": ("3", "cohorts.conf.smallest_group()", 3),
    "VIRTU_RETENTION_MONTHS": ("6", "cohorts.conf.retention_months()", 6),
    "VIRTU_EXPORT_DAYS": ("2", "privacy.conf.export_lifetime().days", 2),
    "VIRTU_ERASURE_COOL_OFF_DAYS": (
        "30",
        "privacy.conf.erasure_cool_off().days",
        30,
    ),
    "VIRTU_ACCESS_LOG_DAYS": ("365", "privacy.conf.access_log_lifetime().days", 365),
}


def configuration_table():
    """The variables README "Configuration" lists."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)`", section, flags=re.MULTILINE))


def last_line_of_shell(script, env):
    """What ``manage.py shell -c script`` prints last, in ``env``."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class EnvironmentTests(SimpleTestCase):
    def test_the_readme_lists_each_variable(self):
        self.assertLessEqual(set(READ_BY_THE_APPS), configuration_table())

    def test_each_variable_set_in_the_environment_reaches_the_apps(self):
        script = (
            "import json, cohorts.conf, privacy.conf; print(json.dumps({"
            + ", ".join(
                f"{name!r}: {expression}"
                for name, (__, expression, __) in READ_BY_THE_APPS.items()
            )
            + "}))"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "virtu.settings.production",
            "SECRET_KEY": "virtu-settings-test",
            **{name: value for name, (value, __, __) in READ_BY_THE_APPS.items()},
        }
        self.assertEqual(
            json.loads(last_line_of_shell(script, env)),
            {name: read for name, (__, __, read) in READ_BY_THE_APPS.items()},
        )

    def test_a_site_that_set_the_former_name_of_the_smallest_group_keeps_it(self):
        # A site's own settings, written before VIRTU_SMALLEST_GROUP had its
        # name, hide figures of fewer than 10 people; they must not fall to 5.
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "site_settings.py").write_text(
                "from virtu.settings.production import *  # noqa: F403\n"
                "VIRTU_IMPACT_SMALLEST_GROUP = 10\n"
            )
            env = {
                **{
                    name: value
                    for name, value in os.environ.items()
                    if name not in READ_BY_THE_APPS
                },
                "DJANGO_SETTINGS_MODULE": "site_settings",
                "PYTHONPATH": folder,
                "SECRET_KEY": "virtu-settings-test",
            }
            smallest = last_line_of_shell(
                "import cohorts.conf; print(cohorts.conf.smallest_group())", env
            )
        self.assertEqual(smallest, "10")
