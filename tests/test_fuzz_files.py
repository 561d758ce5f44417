"""Hypothesis fuzzing of every file loader (``fuzz_files.FORMATS``): byte flips and
truncations in every region of the file, and structural edits that make well-formed
files with wrong contents. Only the documented error classes may come out, each naming
the file; corruption the format can detect never loads as different content; and each
case is bounded in time (``fuzz_files.HANG_SECONDS``) and memory (the clean load's peak
plus ``fuzz_files.EXPANSION`` times the file's size and ``SLACK``)."""
import dataclasses
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_files import EXPANSION, FORMATS, SLACK, Outcome, Worker

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 40))  # more for a long hunt


@dataclasses.dataclass
class Sample:
    path: str
    regions: list
    clean: Outcome


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


@pytest.fixture(scope="module")
def samples(tmp_path_factory, worker):
    """Each format's sample files with their regions and what a clean load gives (the
    second load: the first also pays for imports and caches)."""
    found = {}
    for name, fmt in FORMATS.items():
        if not fmt.fuzzed:
            continue
        directory = str(tmp_path_factory.mktemp(name.replace(".", "_")))
        for path in fmt.write_samples(directory):
            worker.run(fmt, path)
            clean = worker.run(fmt, path)
            assert clean.error is None, f"{name} sample does not load: {clean.message}"
            found.setdefault(name, []).append(Sample(path, fmt.regions(path), clean))
    return found


def mutate(data, fmt, sample, path):
    """Copy the sample to ``path`` and damage it; returns the kind of damage."""
    kind = data.draw(st.sampled_from(["flip", "flip", "truncate"] + (["edit"] if fmt.edits else [])))
    shutil.copy(sample.path, path)
    if kind == "edit":
        data.draw(st.sampled_from(fmt.edits))(data.draw, path)
        return kind
    content = bytearray(open(path, "rb").read())

    def position():
        regions = sample.regions[data.draw(st.sampled_from(sorted(sample.regions)))]
        start, end = data.draw(st.sampled_from(regions))
        return data.draw(st.integers(start, end - 1))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 3))):
            content[position()] ^= data.draw(st.integers(1, 255))
    else:
        del content[position():]
    with open(path, "wb") as f:
        f.write(content)
    return kind


@pytest.mark.parametrize("name", sorted(n for n, f in FORMATS.items() if f.fuzzed))
def test_damaged_files_fail_only_with_documented_errors_within_bounds(name, samples, worker,
                                                                      tmp_path_factory):
    fmt = FORMATS[name]
    workdir = str(tmp_path_factory.mktemp("fuzz"))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def case(data):
        sample = data.draw(st.sampled_from(samples[name]))
        path = os.path.join(workdir, os.path.basename(sample.path))
        kind = mutate(data, fmt, sample, path)
        outcome = worker.run(fmt, path)
        assert outcome.documented, f"{kind}: undocumented {outcome.error}: {outcome.message}"
        if outcome.error:
            assert path in outcome.message, f"{kind}: the error does not name the file: {outcome.message}"
        allowance = sample.clean.peak + EXPANSION * os.path.getsize(path) + SLACK
        assert outcome.peak <= allowance, f"{kind}: allocated {outcome.peak} bytes (allowed {allowance})"
        if kind in ("flip", "truncate") and kind not in fmt.silent and outcome.error is None:
            assert outcome.digest == sample.clean.digest, f"{kind}: damage loaded as other content"

    case()
