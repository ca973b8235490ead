"""Pure-Python wheels for the browser, built from source folders here.

The JupyterLite site serves nnlib and the MNIST sample as wheels
listed in its Pyodide lock file. A wheel is a zip with a ``.dist-info``
folder (METADATA, WHEEL, RECORD), so no build backend is needed. Entries
are sorted and dated 1980-01-01: the same source gives the same bytes, so
the lock file's SHA-256 changes only when the code does.
"""
import base64
import hashlib
import io
import zipfile
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold


def python_files(package_dir):
    """{path in the wheel: bytes} of every .py file under package_dir,
    its subpackages included (paths start with the package's name)."""
    package_dir = Path(package_dir)
    files = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" not in path.parts:
            rel = path.relative_to(package_dir.parent).as_posix()
            files[rel] = path.read_bytes()
    if not files:
        raise ValueError(f"{package_dir} holds no Python files")
    return files


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def reproducible_zip(data):
    """A zip's bytes (an .npz, say) rewritten with sorted, fixed-date
    entries, so that equal contents give equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist()):
            item = zipfile.ZipInfo(name, FIXED_DATE)
            item.external_attr = 0o644 << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(item, source.read(name))
    return out.getvalue()


def build_wheel(name, version, files, dest_dir, summary=""):
    """Write {name}-{version}-py3-none-any.whl holding files; its path.

    files: {path in the wheel: bytes}.
    """
    dist = f"{name.replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: {summary}\n").encode()
    entries[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: backprop-by-hand lite_wheels\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n"
                     for path, data in sorted(entries.items()))
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    dest = Path(dest_dir) / f"{dist}-py3-none-any.whl"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(entries):
            item = zipfile.ZipInfo(path, FIXED_DATE)
            item.external_attr = 0o644 << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(item, entries[path])
    return dest
