"""The dashboard's chart library is the npm package the lock pins, copied byte for byte with its
license (no CDN): `make setup` installs node_modules/uplot, the package ships the copy."""

import json
import re
from pathlib import Path

STATIC = Path("python/ltsdk/dashboard/static")
UPLOT = Path("node_modules/uplot")


def test_vendored_uplot__equals_the_pinned_npm_package():
    pinned = json.loads(Path("package.json").read_text())["devDependencies"]["uplot"]
    assert json.loads((UPLOT / "package.json").read_text())["version"] == pinned
    for shipped, source in [
        ("uPlot.iife.min.js", "dist/uPlot.iife.min.js"),
        ("uPlot.min.css", "dist/uPlot.min.css"),
        ("uPlot.LICENSE", "LICENSE"),
    ]:
        assert (STATIC / shipped).read_bytes() == (UPLOT / source).read_bytes(), f"copy {source} to {STATIC}"


def test_pages__load_scripts_and_styles_only_from_the_package():
    remote = re.compile(r"""(src|href)=["'](https?:)?//""")
    templates = list(Path("python/ltsdk/dashboard/templates").glob("*.html"))
    assert templates
    for template in templates:
        assert not remote.search(template.read_text()), template.name
