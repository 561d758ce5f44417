"""Every ```python block in docs/ runs (blocks of a page share one namespace, in
order, on a fresh default graph), and the site builds with mkdocs --strict."""
import os
import re
import shutil
import subprocess
import sys

import pytest

import tensorflux as tf

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
PAGES = sorted(f for f in os.listdir(DOCS) if f.endswith(".md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(text):
    """Each python block, padded with blank lines so tracebacks show the page's line."""
    for match in BLOCK.finditer(text):
        offset = text[:match.start(1)].count("\n")
        yield "\n" * offset + match.group(1)


@pytest.mark.parametrize("page", PAGES)
def test_examples_in_docs_run(page):
    text = open(os.path.join(DOCS, page)).read()
    namespace = {"__name__": f"docs_{page}"}
    for block in _blocks(text):
        tf.reset_default_graph()
        exec(compile(block, f"docs/{page}", "exec"), namespace)


def test_readme_example_runs():
    text = open(os.path.join(os.path.dirname(DOCS), "README.md")).read()
    namespace = {}
    for block in BLOCK.findall(text):
        exec(compile(block, "README.md", "exec"), namespace)


def test_site_builds_without_warnings(tmp_path):
    if shutil.which("mkdocs") is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "mkdocs")):
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    root = os.path.dirname(DOCS)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                             "-d", str(tmp_path / "site")], cwd=root, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    ops_page = (tmp_path / "site" / "ops" / "index.html").read_text()
    assert "MatMul" in ops_page and "ApplyAdam" in ops_page
    published = [p.name for p in (tmp_path / "site").rglob("*.py")]
    assert not published, f"Python files published into the site: {published}"
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text()
    assert "<loc>https://" in sitemap and "/plugins/</loc>" in sitemap
