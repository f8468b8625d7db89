"""The package's build compiles its translations: the ``.mo`` files Django
reads are build output, not kept in the repository, so a package built from
a checkout (``pip install git+…`` or ``pip install /path/to/virtu``) would
otherwise speak only English. Needs gettext's ``msgfmt``."""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTranslations(build_py):
    def run(self):
        super().run()
        catalogues = sorted(Path(self.build_lib).glob("*/locale/*/LC_MESSAGES/*.po"))
        msgfmt = shutil.which("msgfmt")
        if catalogues and msgfmt is None:
            raise SystemExit(
                "virtu: gettext's msgfmt is needed to compile the translations"
            )
        for catalogue in catalogues:
            subprocess.run(
                [msgfmt, "--check", "-o", catalogue.with_suffix(".mo"), catalogue],
                check=True,
            )


setup(cmdclass={"build_py": BuildWithTranslations})
