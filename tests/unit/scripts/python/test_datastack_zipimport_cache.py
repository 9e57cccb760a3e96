"""scripts/python/datastack_zipimport_cache.py: the bytecode cache for Ansible's module payloads (zips)."""

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "python" / "datastack_zipimport_cache.py"
_spec = importlib.util.spec_from_file_location("zipimport_cache_under_test", SCRIPT)
zipimport_cache = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zipimport_cache)

SOURCE = "def outer():\n    def inner():\n        return 42\n    return inner\n"


class CountingCompiler:
    def __init__(self):
        self.calls = 0

    def __call__(self, pathname, source):
        self.calls += 1
        return compile(source, pathname, "exec", dont_inherit=True)


def run(code):
    namespace = {}
    exec(code, namespace)  # noqa: S102 - the code under test is compiled from SOURCE above
    return namespace["outer"]()


def cached_files(directory):
    return [path for path in Path(directory).rglob("*") if path.is_file()]


def test_a_source_is_compiled_once_and_keeps_the_name_of_each_import(tmp_path):
    compiler = CountingCompiler()
    compile_cached = zipimport_cache.caching_compiler(str(tmp_path), compiler)
    first = compile_cached("/tmp/ansible-tmp-1/AnsiballZ.zip/x.py", SOURCE)
    again = compile_cached("/tmp/ansible-tmp-2/AnsiballZ.zip/x.py", SOURCE)
    assert compiler.calls == 1
    assert len(cached_files(tmp_path)) == 1
    assert first.co_filename == "/tmp/ansible-tmp-1/AnsiballZ.zip/x.py"
    assert again.co_filename == "/tmp/ansible-tmp-2/AnsiballZ.zip/x.py"
    inner = run(again)
    assert inner.__code__.co_filename == "/tmp/ansible-tmp-2/AnsiballZ.zip/x.py"
    assert inner() == 42


def test_a_changed_source_is_compiled_again(tmp_path):
    compiler = CountingCompiler()
    compile_cached = zipimport_cache.caching_compiler(str(tmp_path), compiler)
    compile_cached("x.py", SOURCE)
    changed = compile_cached("x.py", SOURCE.replace("42", "43"))
    assert compiler.calls == 2
    assert run(changed)() == 43
    assert len(cached_files(tmp_path)) == 2


@pytest.mark.parametrize("damage", [b"", b"not marshal data", b"\xe9\x00\x00\x00"])
def test_a_damaged_cache_file_is_compiled_again(tmp_path, damage):
    compiler = CountingCompiler()
    compile_cached = zipimport_cache.caching_compiler(str(tmp_path), compiler)
    compile_cached("x.py", SOURCE)
    (path,) = cached_files(tmp_path)
    path.write_bytes(damage)
    assert run(compile_cached("x.py", SOURCE))() == 42
    assert compiler.calls == 2


def test_an_unusable_cache_directory_only_costs_the_compilation(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    compile_cached = zipimport_cache.caching_compiler(str(blocked / "cache"), CountingCompiler())
    assert run(compile_cached("x.py", SOURCE))() == 42


def _import_from_zip(tmp_path, cache, answer, cwd=None):
    payload = tmp_path / ("payload-%d.zip" % answer)
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("payload_module.py", "ANSWER = %d\n" % answer)
    env = dict(os.environ, PYTHONPATH=str(payload), DATASTACK_ZIPIMPORT_CACHE=cache)
    out = subprocess.run([sys.executable, "-c", "import payload_module; print(payload_module.ANSWER, "
                          "payload_module.__file__)"], env=env, capture_output=True, text=True, check=True, cwd=cwd)
    return out.stdout.split()


def test_the_virtualenv_caches_zip_imports_when_asked(tmp_path):
    """scripts/install/python.sh installed the hook into the virtualenv that runs the tests and modules."""
    cache = tmp_path / "cache"
    assert _import_from_zip(tmp_path, str(cache), 1) == ["1", str(tmp_path / "payload-1.zip" / "payload_module.py")]
    assert len(cached_files(cache)) == 1
    assert _import_from_zip(tmp_path, str(cache), 2)[0] == "2"
    assert len(cached_files(cache)) == 2


def test_an_empty_variable_turns_the_cache_off(tmp_path):
    assert _import_from_zip(tmp_path, "", 3, cwd=tmp_path)[0] == "3"
    assert list(tmp_path.iterdir()) == [tmp_path / "payload-3.zip"]
