"""tf.gfile and tf.io.gfile on the local file system, compared with os / pathlib."""
import os

import pytest

import tensorflux as tf


def test_gfile_text_and_binary(tmp_path):
    path = tmp_path / "a.txt"
    with tf.gfile.GFile(str(path), "w") as f:
        f.write("héllo\n")
        f.write(b"second\n")
    assert path.read_text(encoding="utf-8") == "héllo\nsecond\n"
    with tf.gfile.Open(str(path)) as f:
        assert f.readline() == "héllo\n"
        assert f.read() == "second\n"
    with tf.gfile.FastGFile(str(path), "rb") as f:
        assert f.size() == len("héllo\nsecond\n".encode())
        assert f.read(2) == b"h\xc3"
        f.seek(0)
        assert list(f) == [b"h\xc3\xa9llo\n", b"second\n"]
    with tf.gfile.GFile(str(path), "a") as f:
        f.write("third")
    assert tf.gfile.GFile(str(path)).readlines()[-1] == "third"


def test_missing_file_raises_not_found_naming_it(tmp_path):
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        tf.gfile.GFile(str(tmp_path / "missing.txt")).read()
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        tf.gfile.Remove(str(tmp_path / "missing.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.ListDirectory(str(tmp_path / "nodir"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.Stat(str(tmp_path / "missing.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.DeleteRecursively(str(tmp_path / "nodir"))


def test_directories(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    tf.gfile.MakeDirs(str(deep))
    tf.gfile.MakeDirs(str(deep))  # no error when it exists
    assert tf.gfile.IsDirectory(str(deep)) and tf.gfile.Exists(str(deep))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.MkDir(str(deep))
    tf.gfile.MkDir(str(tmp_path / "a" / "d"))
    (deep / "x.txt").write_text("x")
    (tmp_path / "a" / "y.txt").write_text("y")
    assert tf.gfile.ListDirectory(str(tmp_path / "a")) == sorted(os.listdir(tmp_path / "a"))
    walked = {os.path.relpath(d, tmp_path): (sorted(s), sorted(f))
              for d, s, f in tf.gfile.Walk(str(tmp_path / "a"))}
    assert walked == {"a": (["b", "d"], ["y.txt"]), os.path.join("a", "b"): (["c"], []),
                      os.path.join("a", "b", "c"): ([], ["x.txt"]), os.path.join("a", "d"): ([], [])}
    order = [os.path.relpath(d, tmp_path) for d, _, _ in tf.gfile.Walk(str(tmp_path / "a"), in_order=False)]
    assert order.index(os.path.join("a", "b", "c")) < order.index("a")
    assert list(tf.gfile.Walk(str(tmp_path / "nowhere"))) == []
    assert tf.gfile.Glob(str(tmp_path / "a" / "*.txt")) == [str(tmp_path / "a" / "y.txt")]
    assert tf.gfile.Glob([str(tmp_path / "a" / "b" / "c" / "*"), str(tmp_path / "a" / "y*")]) == [
        str(deep / "x.txt"), str(tmp_path / "a" / "y.txt")]
    stat = tf.gfile.Stat(str(deep / "x.txt"))
    assert (stat.length, stat.is_directory) == (1, False)
    assert stat.mtime_nsec == os.stat(deep / "x.txt").st_mtime_ns
    assert tf.gfile.Stat(str(deep)).is_directory
    tf.gfile.DeleteRecursively(str(tmp_path / "a"))
    assert not (tmp_path / "a").exists()


def test_copy_and_rename_respect_overwrite(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"A")
    b.write_bytes(b"B")
    with pytest.raises(tf.errors.AlreadyExistsError, match="File already exists"):
        tf.gfile.Copy(str(a), str(b))
    tf.gfile.Copy(str(a), str(b), overwrite=True)
    assert b.read_bytes() == b"A"
    c = tmp_path / "c"
    tf.gfile.Rename(str(a), str(c))
    assert not a.exists() and c.read_bytes() == b"A"
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.Rename(str(c), str(b))
    tf.gfile.Rename(str(c), str(b), overwrite=True)
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.Copy(str(c), str(tmp_path / "d"))


def test_io_gfile_aliases(tmp_path):
    g = tf.io.gfile
    g.makedirs(str(tmp_path / "x" / "y"))
    with g.GFile(str(tmp_path / "x" / "f"), "w") as f:
        f.write("1")
    assert g.exists(str(tmp_path / "x" / "f")) and g.isdir(str(tmp_path / "x"))
    assert g.listdir(str(tmp_path / "x")) == ["f", "y"]
    g.copy(str(tmp_path / "x" / "f"), str(tmp_path / "x" / "g"))
    g.rename(str(tmp_path / "x" / "g"), str(tmp_path / "x" / "h"))
    assert g.glob(str(tmp_path / "x" / "[gh]")) == [str(tmp_path / "x" / "h")]
    assert g.stat(str(tmp_path / "x" / "h")).length == 1
    g.remove(str(tmp_path / "x" / "h"))
    g.mkdir(str(tmp_path / "z"))
    assert [d for d, _, _ in g.walk(str(tmp_path / "z"))] == [str(tmp_path / "z")]
    g.rmtree(str(tmp_path / "x"))
    assert not g.exists(str(tmp_path / "x"))
