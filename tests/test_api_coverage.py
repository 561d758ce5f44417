"""The API coverage tool, its generated docs page, and the names left out on purpose."""
import importlib
import json
import subprocess
import sys

import pytest

import tensorflux as tf
from tensorflux.core.unsupported import UNSUPPORTED, UnsupportedError
from tensorflux.testing import api_coverage


def test_references_counts_every_prefix_of_a_dotted_name(tmp_path):
    source = tmp_path / "test_x.py"
    source.write_text("y = tf.nn.rnn_cell.LSTMCell(3)\nassert tf.math.add is tf.add\n"
                      "not_tf.nn.relu\nx = 'tf.image'\n")
    found = api_coverage.references([source])
    assert {("", "nn"), ("nn", "rnn_cell"), ("nn.rnn_cell", "LSTMCell"), ("", "math"),
            ("math", "add"), ("", "add"), ("", "image")} <= found
    assert ("nn", "relu") not in found


def test_measure_separates_covered_left_out_untested_and_missing(tmp_path):
    reference = tmp_path / "names.json"
    reference.write_text(json.dumps({"": ["Session", "enable_eager_execution", "Graph",
                                          "no_such_thing"],
                                     "train": ["Saver", "SyncReplicasOptimizer"],
                                     "absent_namespace": ["x"]}))
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text("tf.Session(); tf.train.Saver; tf.enable_eager_execution")
    top, train, absent = api_coverage.measure(reference, tests)
    assert top.covered == ["Session"] and top.untested == ["Graph"]
    assert top.missing == ["no_such_thing"] and list(top.left_out) == ["enable_eager_execution"]
    assert train.covered == ["Saver"] and "SyncReplicasOptimizer" in train.left_out
    assert absent.missing == ["x"] and absent.total == 1
    rows = api_coverage.summary_rows([top, train, absent])
    assert rows[-1] == ("all", 2, 2, 3, 7, "29%")


def test_docs_page_is_up_to_date():
    """docs/api-coverage.md is generated: regenerate it with
    `python -m tensorflux.testing.api_coverage --write` after changing tests or the API."""
    result = subprocess.run([sys.executable, "-m", "tensorflux.testing.api_coverage", "--check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all" in result.stdout and "namespace" in result.stdout


def test_docs_page_links_covered_names_and_lists_reasons():
    text = api_coverage.PAGE.read_text()
    assert "[`auc`](metrics.md)" in text
    assert "| `tf.enable_eager_execution` | eager execution does not exist" in text


# --- left-out names ------------------------------------------------------------------------------
def _module(namespace):
    module = tf
    for part in filter(None, namespace.split(".")):
        module = getattr(module, part)
    return module


LEFT_OUT = [(ns, name) for ns, names in UNSUPPORTED.items() for name in names]


@pytest.mark.parametrize("namespace, name", LEFT_OUT, ids=[f"{n}.{m}" for n, m in LEFT_OUT])
def test_left_out_names_raise_their_reason(namespace, name):
    module = _module(namespace)
    with pytest.raises(UnsupportedError) as info:
        getattr(module, name)
    public = f"tf.{namespace}.{name}" if namespace else f"tf.{name}"
    assert str(info.value).startswith(f"{public} is not supported by tensorflux: ")
    assert UNSUPPORTED[namespace][name] in str(info.value)
    assert isinstance(info.value, AttributeError) and not hasattr(module, name)


def test_left_out_names_read_as_tf1_code_writes_them():
    with pytest.raises(UnsupportedError, match="eager execution does not exist"):
        tf.enable_eager_execution()
    with pytest.raises(UnsupportedError, match="TensorFlow's gRPC distributed runtime"):
        tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 2)
    assert not hasattr(tf, "tpu") and not hasattr(tf, "raw_ops")


def test_unknown_names_raise_attribute_error_with_suggestions():
    with pytest.raises(AttributeError, match=r"tf\.nn\.rleu\. Did you mean tf\.nn\.relu") as info:
        tf.nn.rleu
    assert not isinstance(info.value, UnsupportedError)
    with pytest.raises(AttributeError, match="does not define tf.no_such_name"):
        tf.no_such_name
    assert not hasattr(tf.metrics, "nonsense")


def test_every_namespace_module_explains_left_out_and_unknown_names():
    """A namespace module added later must install the shared __getattr__ too."""
    names = json.loads(api_coverage.REFERENCE.read_text())
    for namespace in names:
        module = api_coverage._namespace_module(tf, namespace)
        if module is None or not namespace:
            continue
        assert getattr(module, "__getattr__", None) is not None, \
            f"{module.__name__} needs `__getattr__ = namespace_getattr(__name__)`"
        with pytest.raises(AttributeError, match="does not define"):
            getattr(module, "surely_not_a_tf_name")


def test_lazy_names_load_when_first_used():
    code = ("import sys, tensorflux as tf\n"
            "print('tensorboard' in sys.modules)\n"
            "print(tf.summary.Event.__name__, tf.Summary.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "Event", "Summary"]
    assert importlib.import_module("tensorflux.estimator") is tf.estimator
