"""Small real data sets shipped with tensorflux (nothing is ever downloaded)."""
from __future__ import annotations

import csv
import gzip
import os
from types import SimpleNamespace

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))

HOUSING_FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population",
                    "AveOccup", "Latitude", "Longitude"]


def load_california_housing(path=None):
    """California housing in scikit-learn's ``fetch_california_housing`` layout.

    Returns an object with ``data`` (20640 x 8 float64, columns ``feature_names``) and
    ``target`` (median house value in units of $100,000), computed from the bundled
    census CSV (``path`` to read another copy). Missing bedroom counts are filled with
    the median bedrooms-per-household ratio.
    """
    path = path or os.path.join(_HERE, "housing.csv.gz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"California housing data not found at {path!r}")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    col = {k: np.array([float(r[k]) if r[k] else np.nan for r in rows])
           for k in rows[0] if k != "ocean_proximity"}
    households = col["households"]
    bedrooms_ratio = col["total_bedrooms"] / households
    bedrooms_ratio[np.isnan(bedrooms_ratio)] = np.nanmedian(bedrooms_ratio)
    data = np.column_stack([
        col["median_income"], col["housing_median_age"], col["total_rooms"] / households,
        bedrooms_ratio, col["population"], col["population"] / households,
        col["latitude"], col["longitude"],
    ])
    return SimpleNamespace(data=data, target=col["median_house_value"] / 100000.0,
                           feature_names=list(HOUSING_FEATURES))
