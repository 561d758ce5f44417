import subprocess
import sys

from tensorflux.examples import housing


def test_housing_example_trains_towards_least_squares(capsys):
    final = housing.main(["--epochs", "2"])
    out = capsys.readouterr().out
    assert "epoch   1/2" in out and "examples/s" in out
    assert final < 0.7


def test_housing_example_runs_as_a_module():
    r = subprocess.run([sys.executable, "-m", "tensorflux.examples.housing", "--epochs", "1"],
                       capture_output=True, text=True, check=True)
    assert "final MSE" in r.stdout
