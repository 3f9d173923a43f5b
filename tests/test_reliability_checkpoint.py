"""Checkpoint faults: killed saves leave nothing behind, and restore reports each failure truly."""

from __future__ import annotations

import builtins
import io
import os
import signal
import struct
import subprocess
import sys
import threading
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import checkpoint

# A child process that saves ``{"w": [0, 1, 2]}`` to argv[1], says "writing" from inside the
# write (after part of the file is on disk), then waits for a line on stdin before finishing.
CHILD = """
import sys
import numpy as np
import tapegrad as tg
from tapegrad import checkpoint

def stalled(file, arrays):
    file.write(b"PK\\x03\\x04 the first part of a zip")
    file.flush()
    print("writing", flush=True)
    sys.stdin.readline()
    np.savez(file, **arrays)

checkpoint._write_npz = stalled
checkpoint.save(sys.argv[1], {"w": tg.Variable(np.arange(3.0))})
print("saved", flush=True)
"""


def start_writer(path):
    """A child process stopped inside its save of ``path``."""
    src = os.path.dirname(os.path.dirname(tg.__file__))
    env = {**os.environ, "PYTHONPATH": src}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout.readline() == "writing\n"
    return child


def temps(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def model(value=5.0):
    return {"w": tg.Variable(np.full(3, value))}


def test_item13_a_killed_save_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "net.npz"
    checkpoint.save(path, model(1.0))
    seen = []
    for _ in range(3):
        child = start_writer(path)  # its save first removes what the previous kill left
        seen.append(temps(tmp_path))
        child.kill()
        child.wait()
        child.stdout.close()
        child.stdin.close()
        assert child.returncode == -signal.SIGKILL
    assert [len(names) for names in seen] == [1, 1, 1] and len({n[0] for n in seen}) == 3
    assert temps(tmp_path) == seen[-1]  # the last kill's file, and the old checkpoint is whole
    restored = model(0.0)
    checkpoint.restore(path, restored)
    assert restored["w"].numpy().tolist() == [1.0, 1.0, 1.0]

    checkpoint.save(path, model(2.0))
    assert os.listdir(tmp_path) == ["net.npz"]
    checkpoint.restore(path, restored)
    assert restored["w"].numpy().tolist() == [2.0, 2.0, 2.0]


def test_item13_a_live_writers_temp_file_is_kept_and_its_save_completes(tmp_path):
    path = tmp_path / "net.npz"
    child = start_writer(path)
    try:
        (live,) = temps(tmp_path)
        checkpoint.save(path, model(2.0))  # another process saves the same path meanwhile
        assert temps(tmp_path) == [live]
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline() == "saved\n"
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stdin.close()
    assert os.listdir(tmp_path) == ["net.npz"]
    restored = model(0.0)
    checkpoint.restore(path, restored)
    assert restored["w"].numpy().tolist() == [0.0, 1.0, 2.0]  # the child's save came last


def test_item13_a_concurrent_save_in_another_thread_is_not_disturbed(tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    inside, go_on = threading.Event(), threading.Event()
    write = checkpoint._write_npz

    def stalled(file, arrays):
        if threading.current_thread().name == "saver":
            inside.set()
            go_on.wait(30)
        write(file, arrays)

    monkeypatch.setattr(checkpoint, "_write_npz", stalled)
    errors = []

    def save_in_thread():
        try:
            checkpoint.save(path, model(3.0))
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    saver = threading.Thread(target=save_in_thread, name="saver")
    saver.start()
    assert inside.wait(30)
    (live,) = temps(tmp_path)
    checkpoint.save(path, model(4.0))
    assert temps(tmp_path) == [live]
    go_on.set()
    saver.join(30)
    assert not errors
    assert os.listdir(tmp_path) == ["net.npz"]


def test_item13_a_leftover_with_this_processes_pid_is_stale_and_others_are_kept(tmp_path):
    # A process killed earlier may have had the pid this one has now (containers reuse pids):
    # no live writer holds its file, so it goes. Files of other targets and other names stay.
    pid = os.getpid()
    stale = tmp_path / f".net.npz.{pid}.0123456789abcdef.tmp"
    stale.write_bytes(b"PK\x03\x04 part")
    kept = [
        f".net.npz.x.npz.{pid}.0123456789abcdef.tmp",  # a temporary file of "net.npz.x.npz"
        f".other.npz.{pid}.0123456789abcdef.tmp",
        ".net.npz.notes.tmp",
        "net.npz.bak",
    ]
    for name in kept:
        (tmp_path / name).write_bytes(b"keep")
    checkpoint.save(tmp_path / "net.npz", model())
    assert sorted(os.listdir(tmp_path)) == sorted([*kept, "net.npz"])


def test_item14_a_directory_is_an_is_a_directory_error_naming_it(tmp_path):
    folder = tmp_path / "ckpt.npz"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="checkpoint.restore: cannot open") as err:
        checkpoint.restore(folder, model())
    assert err.value.filename == str(folder) and str(folder) in str(err.value)
    with pytest.raises(IsADirectoryError, match="checkpoint.list_variables"):
        checkpoint.list_variables(folder)


def test_item14_a_path_under_a_file_is_a_not_a_directory_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError) as err:
        checkpoint.restore(tmp_path / "file" / "ckpt.npz", model())
    assert str(tmp_path / "file" / "ckpt.npz") in str(err.value)


def test_item14_a_permission_problem_is_a_permission_error_naming_the_path(tmp_path, monkeypatch):
    path = checkpoint.save(tmp_path / "net.npz", model())
    if os.geteuid() != 0:  # the real thing, where the tests do not run as root
        os.chmod(path, 0)
        with pytest.raises(PermissionError, match="net.npz"):
            checkpoint.restore(path, model())
        os.chmod(path, 0o644)
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if os.fspath(file) == path:
            raise PermissionError(13, "Permission denied", path)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    with pytest.raises(PermissionError, match="Permission denied") as err:
        checkpoint.restore(path, model())
    assert err.value.filename == path and path in str(err.value)


def npy_bytes(header, data=b""):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def forged_checkpoint(path, w, file_size=None):
    """A checkpoint whose member ``variables/w.npy`` is the bytes ``w``, its zip central
    directory claiming ``file_size`` bytes for it when given."""
    marker = npy_bytes(
        {"descr": "<U21", "fortran_order": False, "shape": ()},
        np.array(checkpoint.FORMAT).tobytes(),
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(checkpoint.FORMAT_KEY + ".npy", marker)
        archive.writestr("variables/w.npy", w)
    if file_size is not None:
        data = bytearray(path.read_bytes())
        at = data.rindex(b"PK\x01\x02", 0, data.rindex(b"variables/w.npy"))
        data[at + 24 : at + 28] = struct.pack("<I", file_size)
        path.write_bytes(bytes(data))


def peak_bytes(f):
    """Most bytes Python and NumPy had allocated at once while ``f`` ran."""
    tracemalloc.start()
    try:
        f()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_item14_a_header_claiming_terabytes_is_a_damaged_file_error_before_allocating(tmp_path):
    huge = {"descr": "<f8", "fortran_order": False, "shape": (2**39,)}  # 4 TiB
    path = tmp_path / "huge.npz"
    forged_checkpoint(path, npy_bytes(huge, np.zeros(3).tobytes()))
    target = model(7.0)

    def restore():
        with pytest.raises(ValueError, match=r"damaged.*'variables/w.npy' declares shape \(5497"):
            checkpoint.restore(path, target)

    assert peak_bytes(restore) < 2**24
    assert target["w"].numpy().tolist() == [7.0, 7.0, 7.0]

    # The zip's central directory claims the size too (4 GB, as the header declares): the
    # archive's real size still bounds what its stored member can hold.
    w = npy_bytes({"descr": "|u1", "fortran_order": False, "shape": (2**32 - 256,)})
    forged = tmp_path / "forged.npz"
    forged_checkpoint(forged, w, file_size=len(w) + 2**32 - 256)
    with zipfile.ZipFile(forged) as archive:
        assert archive.getinfo("variables/w.npy").file_size == len(w) + 2**32 - 256

    def restore_forged():
        with pytest.raises(ValueError, match="damaged.*declares shape"):
            checkpoint.restore(forged, model())

    assert peak_bytes(restore_forged) < 2**24


def open_files():
    """This process's open file descriptors (Linux), or None where /proc has no list."""
    return sorted(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def test_item14_a_damaged_file_is_closed_before_the_error_is_raised(tmp_path):
    data = open(checkpoint.save(tmp_path / "net.npz", model()), "rb").read()
    for cut in (len(data) // 2, len(data) - 30, 10):
        broken = tmp_path / f"cut{cut}.npz"
        broken.write_bytes(data[:cut])
        open_before = open_files()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", ResourceWarning)
            with pytest.raises(ValueError, match="truncated, damaged") as err:
                checkpoint.restore(broken, model())
            # While the error (and its traceback) is alive, the file must be closed already.
            assert open_files() == open_before
            del err
        assert not [w for w in seen if issubclass(w.category, ResourceWarning)]
