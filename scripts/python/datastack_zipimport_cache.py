"""A bytecode cache for modules imported from zip files, for the development virtualenv.

Ansible runs each module as an AnsiballZ payload: a zip of the module and its module_utils that Python
imports with zipimport, which compiles every source file on every run (zip files hold no bytecode).
On this project's test machines that compilation was a quarter to a third of the CPU of a playbook run
(render.yml: 20.7 s -> 14.8 s of CPU with the cache). scripts/install/python.sh installs this file into
the virtualenv with a .pth line, and it acts only when DATASTACK_ZIPIMPORT_CACHE names a directory
(scripts/env.sh sets it under the cache; an empty value turns it off).

The code objects are keyed by the SHA-256 of the source, the interpreter's cache tag and optimisation
level, so a changed source is compiled again; each use gets the file name of the module it was imported
for. The directory is the user's own, like the virtualenv whose code it runs.
"""

import os
import sys
import types
import zipimport

# A private function of zipimport (CPython 3.8 to 3.14): without it the hook does nothing.
_compile_source = getattr(zipimport, "_compile_source", None)


def _with_filename(code, filename):
    consts = tuple(_with_filename(const, filename) if isinstance(const, types.CodeType) else const
                   for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def caching_compiler(directory, compile_source=_compile_source):
    """A replacement for zipimport's compile step that keeps each compiled source under ``directory``."""
    tag = "%s-O%d" % (sys.implementation.cache_tag, sys.flags.optimize)

    def compile_cached(pathname, source):
        import hashlib
        import marshal

        data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogateescape")
        key = hashlib.sha256(data).hexdigest()
        path = os.path.join(directory, tag, key[:2], key)
        try:
            with open(path, "rb") as handle:
                code = marshal.loads(handle.read())
            if isinstance(code, types.CodeType):
                return _with_filename(code, pathname)
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = compile_source(pathname, source)
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            partial = "%s.%d.tmp" % (path, os.getpid())
            with open(partial, "wb") as handle:
                handle.write(marshal.dumps(code))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only or full cache only costs the compilation
        return code

    return compile_cached


def install():
    directory = os.environ.get("DATASTACK_ZIPIMPORT_CACHE")
    if directory and _compile_source is not None:
        zipimport._compile_source = caching_compiler(directory)


install()
