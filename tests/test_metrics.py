"""tf.metrics over several update batches, against scikit-learn and NumPy references of
TF1's documented formulas."""
import numpy as np
import pytest
from sklearn import metrics as skm

import tensorflux as tf

RNG = np.random.default_rng(7)
BATCHES = 3


def stream(metric_fn, batches, feeds):
    """Run ``update`` once per batch; return (update results, final value, initial value)."""
    value, update = metric_fn
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        initial = sess.run(value)
        updates = [sess.run(update, {p: b[i] for i, p in enumerate(feeds)}) for b in batches]
        return updates, sess.run(value), initial


def binary_batches(n=20, weighted=True):
    out = []
    for _ in range(BATCHES):
        labels = RNG.integers(0, 2, n)
        scores = np.clip(labels * 0.3 + RNG.uniform(0, 0.7, n), 0, 1).astype(np.float32)
        weights = RNG.uniform(0, 2, n).astype(np.float32) if weighted else np.ones(n, np.float32)
        out.append((labels, scores, weights))
    return out


def concat(batches, i, upto=None):
    return np.concatenate([b[i] for b in batches[:upto]])


def placeholders(*dtypes):
    return [tf.placeholder(d, [None]) for d in dtypes]


# --- means -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, fn, ref", [
    ("mean_absolute_error", tf.metrics.mean_absolute_error, lambda y, p: np.abs(p - y)),
    ("mean_squared_error", tf.metrics.mean_squared_error, lambda y, p: (p - y) ** 2),
])
def test_error_means_match_weighted_numpy(name, fn, ref):
    labels, preds, weights = placeholders(tf.float32, tf.float32, tf.float32)
    batches = [(RNG.normal(size=8).astype(np.float32), RNG.normal(size=8).astype(np.float32),
                RNG.uniform(0, 1, 8).astype(np.float32)) for _ in range(BATCHES)]
    metric = fn(labels, preds, weights=weights)
    updates, final, initial = stream(metric, batches, [labels, preds, weights])
    assert initial == 0.0
    for i, got in enumerate(updates):
        y, p, w = (concat(batches, j, i + 1) for j in range(3))
        np.testing.assert_allclose(got, np.average(ref(y, p), weights=w), rtol=1e-5)
    assert final == updates[-1]
    assert [v.op.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)] == \
        [f"{name}/total", f"{name}/count"]


def test_rmse_mean_relative_error_and_percentage_below():
    labels, preds, norm = placeholders(tf.float32, tf.float32, tf.float32)
    batches = [(RNG.normal(size=6).astype(np.float32), RNG.normal(size=6).astype(np.float32),
                np.where(RNG.uniform(size=6) < 0.3, 0, RNG.uniform(0.5, 2, 6)).astype(np.float32))
               for _ in range(BATCHES)]
    rmse = tf.metrics.root_mean_squared_error(labels, preds)
    mre = tf.metrics.mean_relative_error(labels, preds, norm)
    below = tf.metrics.percentage_below(preds, 0.25)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for b in batches:
            sess.run([rmse[1], mre[1], below[1]], dict(zip([labels, preds, norm], b)))
        got = sess.run([rmse[0], mre[0], below[0]])
    y, p, n = (concat(batches, j) for j in range(3))
    relative = np.where(n == 0, 0, np.abs(y - p) / np.where(n == 0, 1, n))
    np.testing.assert_allclose(got, [np.sqrt(skm.mean_squared_error(y, p)), relative.mean(),
                                     np.mean(p < 0.25)], rtol=1e-5)
    assert [v.op.name for v in tf.local_variables()][:2] == \
        ["root_mean_squared_error/total", "root_mean_squared_error/count"]


def test_mean_with_broadcast_weights_and_collections():
    values = tf.placeholder(tf.float32, [None, 3])
    weights = tf.placeholder(tf.float32, [None, 1])
    value, update = tf.metrics.mean(values, weights, metrics_collections=["m"],
                                    updates_collections=["u"])
    assert tf.get_collection("m") == [value] and tf.get_collection("u") == [update]
    assert value.name == "mean/value:0" and update.name == "mean/update_op:0"
    batches = [(RNG.normal(size=(4, 3)).astype(np.float32),
                RNG.uniform(0, 1, (4, 1)).astype(np.float32)) for _ in range(BATCHES)]
    _, final, _ = stream((value, update), batches, [values, weights])
    v, w = concat(batches, 0), np.broadcast_to(concat(batches, 1), (12, 3))
    np.testing.assert_allclose(final, np.average(v, weights=w), rtol=1e-5)
    with pytest.raises(ValueError, match="weights can not be broadcast to values"):
        tf.metrics.mean(tf.zeros([4, 3]), tf.zeros([4, 2]))


def test_mean_tensor_and_cosine_distance():
    values = tf.placeholder(tf.float32, [2, 3])
    value, update = tf.metrics.mean_tensor(values)
    batches = [(RNG.normal(size=(2, 3)).astype(np.float32),) for _ in range(BATCHES)]
    _, final, _ = stream((value, update), batches, [values])
    np.testing.assert_allclose(final, np.mean([b[0] for b in batches], axis=0), rtol=1e-5)
    assert tf.local_variables()[0].op.name == "mean/total_tensor"

    tf.reset_default_graph()
    labels, preds = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32, [None, 3])
    dist = tf.metrics.mean_cosine_distance(labels, preds, dim=1)

    def unit(x):
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    batches = [(unit(RNG.normal(size=(4, 3))), unit(RNG.normal(size=(4, 3))))
               for _ in range(BATCHES)]
    _, final, _ = stream(dist, batches, [labels, preds])
    y, p = concat(batches, 0), concat(batches, 1)
    np.testing.assert_allclose(final, 1 - np.mean(np.sum(y * p, axis=1)), rtol=1e-5)


def test_accuracy_squeezes_and_weights():
    labels = tf.placeholder(tf.int64, [None, 1])
    preds = tf.placeholder(tf.int64, [None])
    weights = tf.placeholder(tf.float32, [None])
    value, update = tf.metrics.accuracy(labels, preds, weights)
    batches = [(RNG.integers(0, 3, (10, 1)), RNG.integers(0, 3, 10),
                RNG.uniform(0, 1, 10).astype(np.float32)) for _ in range(BATCHES)]
    updates, final, _ = stream((value, update), batches, [labels, preds, weights])
    for i, got in enumerate(updates):
        y, p, w = concat(batches, 0, i + 1).ravel(), concat(batches, 1, i + 1), concat(batches, 2, i + 1)
        np.testing.assert_allclose(got, skm.accuracy_score(y, p, sample_weight=w), rtol=1e-5)
    assert value.name == "accuracy/value:0"


def test_local_variables_initializer_resets_a_metric():
    x = tf.placeholder(tf.float32, [None])
    value, update = tf.metrics.mean(x)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        sess.run(update, {x: [1.0, 3.0]})
        assert sess.run(value) == 2.0
        sess.run(tf.local_variables_initializer())
        assert sess.run(value) == 0.0
        assert sess.run(update, {x: [5.0]}) == 5.0


# --- counts, precision, recall ----------------------------------------------------------------
def test_confusion_counts_precision_and_recall_match_sklearn():
    labels, scores, weights = placeholders(tf.int64, tf.float32, tf.float32)
    preds = scores > 0.5
    fns = {"tp": tf.metrics.true_positives, "fp": tf.metrics.false_positives,
           "tn": tf.metrics.true_negatives, "fn": tf.metrics.false_negatives,
           "precision": tf.metrics.precision, "recall": tf.metrics.recall}
    metrics = {k: f(labels, preds, weights) for k, f in fns.items()}
    batches = binary_batches()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for i, b in enumerate(batches):
            got = sess.run({k: m[1] for k, m in metrics.items()}, dict(zip([labels, scores, weights], b)))
            y, s, w = (concat(batches, j, i + 1) for j in range(3))
            (tn, fp), (fn, tp) = skm.confusion_matrix(y, s > 0.5, sample_weight=w)
            np.testing.assert_allclose([got[k] for k in ("tp", "fp", "tn", "fn")], [tp, fp, tn, fn],
                                       rtol=1e-5)
            np.testing.assert_allclose(got["precision"], skm.precision_score(y, s > 0.5, sample_weight=w), rtol=1e-5)
            np.testing.assert_allclose(got["recall"], skm.recall_score(y, s > 0.5, sample_weight=w), rtol=1e-5)
    names = [v.op.name for v in tf.local_variables()]
    assert names[:4] == ["true_positives/count", "false_positives/count",
                         "true_negatives/count", "false_negatives/count"]
    assert "precision/true_positives/count" in names and "recall/false_negatives/count" in names


def test_precision_is_zero_when_nothing_is_predicted():
    value, update = tf.metrics.precision(tf.constant([1, 0]), tf.constant([False, False]))
    updates, final, initial = stream((value, update), [()], [])
    assert updates == [0.0] and final == 0.0 and initial == 0.0


def test_counts_at_thresholds_and_precision_recall_at_thresholds():
    labels, scores, weights = placeholders(tf.int64, tf.float32, tf.float32)
    thresholds = [0.15, 0.5, 0.85]
    fns = {"tp": tf.metrics.true_positives_at_thresholds,
           "fp": tf.metrics.false_positives_at_thresholds,
           "tn": tf.metrics.true_negatives_at_thresholds,
           "fn": tf.metrics.false_negatives_at_thresholds,
           "p": tf.metrics.precision_at_thresholds, "r": tf.metrics.recall_at_thresholds}
    metrics = {k: f(labels, scores, thresholds, weights) for k, f in fns.items()}
    batches = binary_batches()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for b in batches:
            sess.run({k: m[1] for k, m in metrics.items()}, dict(zip([labels, scores, weights], b)))
        got = sess.run({k: m[0] for k, m in metrics.items()})
    y, s, w = (concat(batches, j) for j in range(3))
    pos = s[None, :] > np.array(thresholds, np.float32)[:, None]
    ref = {"tp": ((y == 1) & pos), "fp": ((y == 0) & pos), "tn": ((y == 0) & ~pos),
           "fn": ((y == 1) & ~pos)}
    ref = {k: (v * w).sum(1) for k, v in ref.items()}
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-5)
    np.testing.assert_allclose(got["p"], ref["tp"] / (1e-7 + ref["tp"] + ref["fp"]), rtol=1e-5)
    np.testing.assert_allclose(got["r"], ref["tp"] / (1e-7 + ref["tp"] + ref["fn"]), rtol=1e-5)
    assert tf.local_variables()[0].op.name == "true_positives/true_positives"


# --- auc and rates at thresholds ---------------------------------------------------------------
def tf1_auc(y, s, w, num_thresholds=200, curve="ROC", method="trapezoidal"):
    """TF1's metrics_impl.auc in NumPy: counts at num_thresholds thresholds, then a
    Riemann sum of the curve (written from TF1's documentation and source)."""
    eps = 1e-7
    t = np.array([-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
                 + [1 + eps], np.float32)
    pos = s[None, :] > t[:, None]
    tp, fp = ((y == 1) & pos) @ w, ((y == 0) & pos) @ w
    fn, tn = ((y == 1) & ~pos) @ w, ((y == 0) & ~pos) @ w
    rec = (tp + 1e-6) / (tp + fn + 1e-6)
    x, h = (fp / (fp + tn + 1e-6), rec) if curve == "ROC" else (rec, (tp + 1e-6) / (tp + fp + 1e-6))
    heights = {"trapezoidal": (h[:-1] + h[1:]) / 2, "minoring": np.minimum(h[:-1], h[1:]),
               "majoring": np.maximum(h[:-1], h[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * heights)


@pytest.mark.parametrize("curve, method", [("ROC", "trapezoidal"), ("ROC", "minoring"),
                                           ("ROC", "majoring"), ("PR", "trapezoidal")])
def test_auc_follows_tf1_and_approaches_sklearn(curve, method):
    labels, scores, weights = placeholders(tf.int64, tf.float32, tf.float32)
    value, update = tf.metrics.auc(labels, scores, weights, curve=curve, summation_method=method)
    batches = binary_batches()
    updates, final, _ = stream((value, update), batches, [labels, scores, weights])
    for i, got in enumerate(updates):
        y, s, w = (concat(batches, j, i + 1) for j in range(3))
        np.testing.assert_allclose(got, tf1_auc(y, s, w, curve=curve, method=method), rtol=1e-4)
    y, s, w = (concat(batches, j) for j in range(3))
    if curve == "ROC" and method == "trapezoidal":
        assert abs(final - skm.roc_auc_score(y, s, sample_weight=w)) < 0.01
    assert [v.op.name for v in tf.local_variables()] == [
        "auc/true_positives", "auc/false_negatives", "auc/true_negatives", "auc/false_positives"]


def test_auc_careful_interpolation_and_given_thresholds():
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.7, 0.6], np.float32)
    updates, _, _ = stream(tf.metrics.auc(y, s, curve="PR", summation_method="careful_interpolation",
                                          num_thresholds=1000, name="pr"), [()], [])
    assert abs(updates[0] - skm.average_precision_score(y, s)) < 0.05
    updates, _, _ = stream(tf.metrics.auc(y, s, thresholds=[0.3, 0.5, 0.75], name="given"), [()], [])
    t = np.array([-1e-7, 0.3, 0.5, 0.75, 1 + 1e-7], np.float32)
    pos = s[None, :] > t[:, None]
    tp, fp = ((y == 1) & pos).sum(1), ((y == 0) & pos).sum(1)
    fn, tn = ((y == 1) & ~pos).sum(1), ((y == 0) & ~pos).sum(1)
    x, h = fp / (fp + tn + 1e-6), (tp + 1e-6) / (tp + fn + 1e-6)
    np.testing.assert_allclose(updates[0], np.sum((x[:-1] - x[1:]) * (h[:-1] + h[1:]) / 2), rtol=1e-5)


def test_auc_rejects_bad_arguments_and_predictions_outside_0_1():
    with pytest.raises(ValueError, match="curve must be either ROC or PR"):
        tf.metrics.auc([1], [0.5], curve="XY")
    with pytest.raises(ValueError, match="Invalid summation_method"):
        tf.metrics.auc([1], [0.5], summation_method="simpson")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"predictions must be in \[0, 1\]"):
        tf.metrics.auc([1, 0], [0.5, 1.5])
    p = tf.placeholder(tf.float32, [None])
    _, update = tf.metrics.auc(tf.constant([1, 0]), p)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"predictions must be in \[0, 1\]"):
            sess.run(update, {p: [0.5, -0.1]})


def test_sensitivity_and_specificity_at_the_other():
    labels, scores, weights = placeholders(tf.int64, tf.float32, tf.float32)
    sens = tf.metrics.sensitivity_at_specificity(labels, scores, specificity=0.7, weights=weights)
    spec = tf.metrics.specificity_at_sensitivity(labels, scores, sensitivity=0.6, weights=weights,
                                                 num_thresholds=50)
    batches = binary_batches()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for b in batches:
            sess.run([sens[1], spec[1]], dict(zip([labels, scores, weights], b)))
        got = sess.run([sens[0], spec[0]])
    y, s, w = (concat(batches, j) for j in range(3))

    def counts(n):
        t = np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7], np.float32)
        pos = s[None, :] > t[:, None]
        return (((y == 1) & pos) @ w, ((y == 0) & ~pos) @ w, ((y == 0) & pos) @ w,
                ((y == 1) & ~pos) @ w)
    tp, tn, fp, fn = counts(200)
    i = np.argmin(np.abs(tn / (tn + fp + 1e-7) - 0.7))          # first closest
    tp2, tn2, fp2, fn2 = counts(50)
    gap = np.abs(tp2 / (tp2 + fn2 + 1e-7) - 0.6)
    j = np.flatnonzero(gap == gap.min())[-1]                    # last closest
    np.testing.assert_allclose(got, [tp[i] / (tp[i] + fn[i] + 1e-7),
                                     tn2[j] / (tn2[j] + fp2[j] + 1e-7)], rtol=1e-5)
    with pytest.raises(ValueError, match="`specificity` must be in the range"):
        tf.metrics.sensitivity_at_specificity(labels, scores, 1.5)


# --- classes ------------------------------------------------------------------------------------
def test_mean_iou_matches_confusion_matrix_reference():
    labels, preds, weights = placeholders(tf.int32, tf.int32, tf.float32)
    value, update = tf.metrics.mean_iou(labels, preds, num_classes=4, weights=weights)
    batches = [(RNG.integers(0, 3, 12), RNG.integers(0, 3, 12),  # class 3 never occurs
                RNG.uniform(0, 1, 12).astype(np.float32)) for _ in range(BATCHES)]
    updates, final, _ = stream((value, update), batches, [labels, preds, weights])
    y, p, w = (concat(batches, j) for j in range(3))
    cm = skm.confusion_matrix(y, p, labels=range(4), sample_weight=w)
    np.testing.assert_allclose(updates[-1], cm, rtol=1e-6)        # update_op: the matrix
    denominator = cm.sum(0) + cm.sum(1) - np.diag(cm)
    valid = denominator > 0
    np.testing.assert_allclose(final, np.mean(np.diag(cm)[valid] / denominator[valid]), rtol=1e-5)
    unweighted = skm.jaccard_score(y, p, average="macro")
    assert abs(final - unweighted) < 0.2                            # sanity: same metric family
    assert tf.local_variables()[0].op.name == "mean_iou/total_confusion_matrix"
    assert tf.local_variables()[0].dtype == tf.float64


def test_mean_iou_checks_class_ids():
    labels = tf.placeholder(tf.int64, [None])
    _, update = tf.metrics.mean_iou(labels, tf.constant([0, 1]), num_classes=2)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="`labels` out of bound"):
            sess.run(update, {labels: [0, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="`labels` contains negative"):
            sess.run(update, {labels: [-1, 0]})


def test_mean_per_class_accuracy():
    labels, preds, weights = placeholders(tf.int64, tf.int64, tf.float32)
    value, update = tf.metrics.mean_per_class_accuracy(labels, preds, 3, weights=weights)
    batches = [(RNG.integers(0, 3, 15), RNG.integers(0, 3, 15),
                RNG.uniform(0, 1, 15).astype(np.float32)) for _ in range(BATCHES)]
    updates, final, _ = stream((value, update), batches, [labels, preds, weights])
    y, p, w = (concat(batches, j) for j in range(3))
    np.testing.assert_allclose(final, skm.balanced_accuracy_score(y, p, sample_weight=w), rtol=1e-5)
    per_class = [np.sum(w[(y == c) & (p == c)]) / np.sum(w[y == c]) for c in range(3)]
    np.testing.assert_allclose(updates[-1], per_class, rtol=1e-5)   # TF1: per-class update
    assert [v.op.name for v in tf.local_variables()] == ["mean_accuracy/total", "mean_accuracy/count"]

    tf.reset_default_graph()   # a class that never occurs counts as accuracy 0, as in TF1
    updates, final, _ = stream(tf.metrics.mean_per_class_accuracy([0, 0, 1], [0, 1, 1], 4,
                                                                  name="m"), [()], [])
    np.testing.assert_allclose(updates[0], [0.5, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(final, (0.5 + 1.0) / 4)


# --- top k -----------------------------------------------------------------------------------------
def topk_reference(labels, scores, k, class_id=None):
    """Per row (tp, fp, fn) with set semantics, and the average precision, in NumPy."""
    rows = []
    for y, s in zip(labels, scores):
        top = list(np.argsort(-s, kind="stable")[:k])
        labelled = set(np.atleast_1d(y).tolist())
        if class_id is not None:
            top_set = {class_id} & set(top)
            labelled = {class_id} & labelled
        else:
            top_set = set(top)
        tp = len(top_set & labelled)
        hits = [t in labelled for t in top]
        precisions = [np.mean(hits[:i + 1]) for i in range(k)]
        ap = sum(p for p, h in zip(precisions, hits) if h) / min(k, len(np.atleast_1d(y)))
        rows.append((tp, len(top_set - labelled), len(labelled - top_set), ap))
    return np.array(rows, np.float64)


@pytest.mark.parametrize("class_id", [None, 2])
def test_precision_recall_at_k(class_id):
    labels = tf.placeholder(tf.int64, [None, 2])
    scores = tf.placeholder(tf.float32, [None, 5])
    weights = tf.placeholder(tf.float32, [None])
    k = 3
    p_at_k = tf.metrics.precision_at_k(labels, scores, k, class_id=class_id, weights=weights)
    r_at_k = tf.metrics.recall_at_k(labels, scores, k, class_id=class_id, weights=weights)
    batches = [(RNG.integers(0, 5, (6, 2)), RNG.permutation(30).reshape(6, 5).astype(np.float32),
                RNG.uniform(0.5, 1, 6).astype(np.float32)) for _ in range(BATCHES)]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for i, b in enumerate(batches):
            got = sess.run([p_at_k[1], r_at_k[1]], dict(zip([labels, scores, weights], b)))
            ref = np.concatenate([topk_reference(bb[0], bb[1], k, class_id) * bb[2][:, None]
                                  for bb in batches[:i + 1]]).sum(0)
            np.testing.assert_allclose(got, [ref[0] / (ref[0] + ref[1]), ref[0] / (ref[0] + ref[2])],
                                       rtol=1e-6)
    suffix = "" if class_id is None else f"_class{class_id}"
    assert [v.op.name for v in tf.local_variables()] == [
        f"precision_at_3{suffix}/true_positive_at_3{suffix}",
        f"precision_at_3{suffix}/false_positive_at_3{suffix}",
        f"recall_at_3{suffix}/true_positive_at_3{suffix}",
        f"recall_at_3{suffix}/false_negative_at_3{suffix}"]


def test_recall_at_k_with_one_label_is_top_k_accuracy():
    labels = tf.placeholder(tf.int64, [None])
    scores = tf.placeholder(tf.float32, [None, 6])
    value, update = tf.metrics.recall_at_k(labels, scores, 2)
    sparse = tf.metrics.sparse_precision_at_k(labels, scores, 2)
    y = RNG.integers(0, 6, 40)
    s = RNG.normal(size=(40, 6)).astype(np.float32)
    updates, _, _ = stream((value, update), [(y, s)], [labels, scores])
    np.testing.assert_allclose(updates[0], skm.top_k_accuracy_score(y, s, k=2, labels=range(6)))
    assert tf.metrics.sparse_precision_at_k is tf.metrics.precision_at_k
    assert sparse[0].name.startswith("precision_at_2")


def test_precision_and_recall_at_top_k_take_indices():
    labels = tf.constant([[1, 3], [0, 0]], tf.int64)
    idx = tf.constant([[3, 2], [0, 4]], tf.int32)
    p = tf.metrics.precision_at_top_k(labels, idx, k=2)
    r = tf.metrics.recall_at_top_k(labels, idx, k=2)
    updates, _, _ = stream((tf.group(p[0], r[0]), [p[1], r[1]]), [()], [])
    np.testing.assert_allclose(updates[0], [2 / 4, 2 / 3])   # repeated label 0 counts once


def test_average_precision_at_k():
    labels = tf.placeholder(tf.int64, [None, 2])
    scores = tf.placeholder(tf.float32, [None, 5])
    weights = tf.placeholder(tf.float32, [None])
    value, update = tf.metrics.average_precision_at_k(labels, scores, 3, weights=weights)
    batches = [(RNG.integers(0, 5, (4, 2)), RNG.permutation(20).reshape(4, 5).astype(np.float32),
                RNG.uniform(0.5, 1, 4).astype(np.float32)) for _ in range(BATCHES)]
    updates, final, initial = stream((value, update), batches, [labels, scores, weights])
    ap = np.concatenate([topk_reference(b[0], b[1], 3)[:, 3] for b in batches])
    w = concat(batches, 2)
    np.testing.assert_allclose(final, np.sum(ap * w) / np.sum(w), rtol=1e-6)
    assert initial == 0.0
    assert tf.metrics.sparse_average_precision_at_k is tf.metrics.average_precision_at_k
    assert [v.op.name for v in tf.local_variables()] == [
        "average_precision_at_3/max", "average_precision_at_3/total"]
    with pytest.raises(ValueError, match="Invalid k=0"):
        tf.metrics.average_precision_at_k(labels, scores, 0)
