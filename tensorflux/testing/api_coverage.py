"""How much of TensorFlow 1.x's public API tensorflux covers, namespace by namespace.

The reference is the list of TF1 public names per namespace in
``tests/data/tf1_api_names.json`` (``""`` is ``tf.``, ``"nn"`` is ``tf.nn``, ...).
A name ``tf.<ns>.<name>`` counts as **covered** when both hold:

- it resolves: ``getattr`` on the tensorflux namespace module returns a value (a name
  listed in ``tensorflux.core.unsupported.UNSUPPORTED`` raises instead and is counted as
  *left out*, never as covered);
- the test suite exercises it: some file under ``tests/`` spells ``tf.<ns>.<name>``
  (``tf.<name>`` for the top level), as a call, an attribute or an alias-identity check
  such as ``assert tf.math.add is tf.add``. The check is textual and cheap; a name the
  tests reach only through a variable or a string does not count.

Run ``python -m tensorflux.testing.api_coverage`` to print the numbers, ``--write`` to
regenerate ``docs/api-coverage.md`` and ``--check`` to fail when that page is stale.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "data" / "tf1_api_names.json"
PAGE = ROOT / "docs" / "api-coverage.md"
_REFERENCE_CHAIN = re.compile(r"(?<![\w.])tf((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


@dataclasses.dataclass
class Namespace:
    """The verdict on every reference name of one namespace."""

    name: str
    covered: list = dataclasses.field(default_factory=list)
    left_out: dict = dataclasses.field(default_factory=dict)
    untested: list = dataclasses.field(default_factory=list)
    missing: list = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.left_out) + len(self.untested) + len(self.missing)

    @property
    def title(self) -> str:
        return f"tf.{self.name}" if self.name else "tf (top level)"


def references(paths) -> set:
    """Every ``(namespace, name)`` pair spelled ``tf.<namespace>.<name>`` in the files."""
    found = set()
    for path in paths:
        for match in _REFERENCE_CHAIN.finditer(Path(path).read_text(errors="replace")):
            parts = match.group(1)[1:].split(".")
            for i, name in enumerate(parts):
                found.add((".".join(parts[:i]), name))
    return found


def _namespace_module(tf, namespace):
    module = tf
    for part in filter(None, namespace.split(".")):
        try:
            module = getattr(module, part)
        except AttributeError:
            return None
    return module


def measure(reference=None, tests_dir=None) -> list:
    """A ``Namespace`` per namespace of the reference list, in its order."""
    import tensorflux as tf
    from tensorflux.core.unsupported import unsupported_reason
    names = json.loads(Path(reference or REFERENCE).read_text())
    tested = references(sorted(Path(tests_dir or ROOT / "tests").rglob("*.py")))
    result = []
    for namespace, members in names.items():
        ns = Namespace(namespace)
        module = _namespace_module(tf, namespace)
        for name in members:
            reason = unsupported_reason(namespace, name)
            if reason is not None:
                ns.left_out[name] = reason
                continue
            try:
                getattr(module, name) if module is not None else None
                resolved = module is not None
            except Exception:  # noqa: BLE001 - anything that fails to resolve is missing
                resolved = False
            if not resolved:
                ns.missing.append(name)
            elif (namespace, name) in tested:
                ns.covered.append(name)
            else:
                ns.untested.append(name)
        result.append(ns)
    return result


def _percent(part, whole):
    return f"{100.0 * part / whole:.0f}%" if whole else "-"


def summary_rows(result):
    """(title, covered, left out, not yet, total, percent) per namespace, then 'all'."""
    rows = []
    for ns in result:
        rows.append((ns.title, len(ns.covered), len(ns.left_out),
                     len(ns.untested) + len(ns.missing), ns.total,
                     _percent(len(ns.covered), ns.total)))
    totals = [sum(r[i] for r in rows) for i in (1, 2, 3, 4)]
    rows.append(("all", *totals, _percent(totals[0], totals[3])))
    return rows


def _doc_pages(docs_dir):
    """(namespace, name) -> the docs page that mentions it most (ties: first by name)."""
    counts = {}
    for page in sorted(Path(docs_dir).glob("*.md")):
        if page.name == PAGE.name:
            continue
        text = page.read_text()
        for match in _REFERENCE_CHAIN.finditer(text):
            parts = match.group(1)[1:].split(".")
            key = (".".join(parts[:-1]), parts[-1])
            per_page = counts.setdefault(key, {})
            per_page[page.name] = per_page.get(page.name, 0) + 1
    return {key: max(sorted(pages), key=lambda p: pages[p]) for key, pages in counts.items()}


def render(result, docs_dir=None) -> str:
    """The Markdown of ``docs/api-coverage.md``."""
    pages = _doc_pages(docs_dir or PAGE.parent)
    lines = [
        "# API coverage",
        "",
        "How much of TensorFlow 1.x's public API tensorflux covers, measured name by name",
        "against `tests/data/tf1_api_names.json` (the names of `tf.compat.v1` in TensorFlow",
        "2.21, per namespace). Generated by `python -m tensorflux.testing.api_coverage",
        "--write`; a test fails when this page is out of date.",
        "",
        "A name is **covered** when it resolves in tensorflux to an implementation and a",
        "test under `tests/` uses it by its full name (`tf.metrics.auc`, or `tf.math.add is",
        "tf.add` for an alias). Names **left out** make no sense for a graph-mode framework",
        "on NumPy and CuPy; using one raises `tensorflux.core.unsupported.UnsupportedError`",
        "(an `AttributeError`) that gives the reason below. They count as not covered.",
        "Covered names link to the page that documents them where there is one.",
        "",
        "| namespace | covered | left out | not yet | total | covered |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for title, covered, left_out, not_yet, total, percent in summary_rows(result):
        lines.append(f"| {title} | {covered} | {left_out} | {not_yet} | {total} | {percent} |")
    for ns in result:
        lines += ["", f"## {ns.title}", ""]
        prefix = f"tf.{ns.name}." if ns.name else "tf."

        def link(name):
            page = pages.get((ns.name, name))
            return f"[`{name}`]({page})" if page else f"`{name}`"

        lines.append(f"**Covered ({len(ns.covered)}):** "
                     + (", ".join(link(n) for n in ns.covered) or "none") + "")
        if ns.left_out:
            lines += ["", f"**Left out ({len(ns.left_out)}):**", "", "| name | reason |",
                      "| --- | --- |"]
            lines += [f"| `{prefix}{n}` | {r} |" for n, r in ns.left_out.items()]
        if ns.untested:
            lines += ["", f"**Defined but not used by a test ({len(ns.untested)}):** "
                      + ", ".join(f"`{n}`" for n in ns.untested)]
        if ns.missing:
            lines += ["", f"**Not yet ({len(ns.missing)}):** "
                      + ", ".join(f"`{n}`" for n in ns.missing)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tensorflux.testing.api_coverage",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"regenerate {PAGE.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help="exit 1 if that page is stale")
    args = parser.parse_args(argv)
    result = measure()
    width = max(len(r[0]) for r in summary_rows(result))
    print(f"{'namespace':<{width}}  covered  left out  not yet  total  covered")
    for title, covered, left_out, not_yet, total, percent in summary_rows(result):
        print(f"{title:<{width}}  {covered:>7}  {left_out:>8}  {not_yet:>7}  {total:>5}  {percent:>7}")
    text = render(result)
    if args.write:
        PAGE.write_text(text)
        print(f"wrote {PAGE}")
    if args.check and (not PAGE.exists() or PAGE.read_text() != text):
        print(f"{PAGE} is out of date: run python -m tensorflux.testing.api_coverage --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
