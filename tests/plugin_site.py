"""Installing plugin packages with pip into a folder of their own, and running Python
with that folder on its path (entry points are read from there)."""
import os
import shutil
import subprocess
import sys

PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins")


def pip_install(sources, target):
    """Install the package folders ``sources`` (no dependencies, no index) into ``target``."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target),
                    *map(str, sources)], check=True, capture_output=True)


def install_test_plugins(tmp_path_factory, names=("tfx_demo", "tfx_broken", "tfx_halfway")):
    """The test plugins of tests/plugins, installed; returns the folder to put on the path."""
    target = tmp_path_factory.mktemp("site")
    sources = tmp_path_factory.mktemp("src")  # builds leave files beside the sources
    for name in names:
        shutil.copytree(os.path.join(PLUGINS, name), sources / name)
    pip_install([sources / name for name in names], target)
    return str(target)


def run_python(site, args, cwd=None, **env):
    """``python ARGS`` with ``site`` on the path and ``env`` added to the environment."""
    environ = dict(os.environ, PYTHONPATH=site + os.pathsep + os.environ.get("PYTHONPATH", ""))
    environ.update(env)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environ,
                          cwd=cwd)


def run_with_plugins(site, code, **env):
    return run_python(site, ["-c", code], **env)
