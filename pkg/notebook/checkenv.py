"""Checks that this interpreter is the project's pinned Python environment.

Usage: python checkenv.py REQUIREMENTS.txt

Exits 0 and prints one line (prefix and versions) when the interpreter runs
inside a virtual environment (sys.prefix != sys.base_prefix), and each of the
notebook toolchain's packages is installed there at the version pinned in
REQUIREMENTS.txt. Otherwise prints the reason and exits 1. scripts/setup runs
it after creating .tools/pyenv; bgdlab's notebook runner (pkg/notebook) runs
it before it executes a notebook. One check, two callers.
"""
import importlib.metadata as md
import importlib.util
import os
import re
import sys

PACKAGES = ("jupyterlab", "notebook", "nbclient", "nbconvert", "nbgrader")


def pins(path):
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
            if m:
                out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: checkenv.py REQUIREMENTS.txt")
        return 2
    req = sys.argv[1]
    if sys.prefix == sys.base_prefix:
        print(f"{sys.executable} is not a virtual environment's interpreter "
              f"(sys.prefix = {sys.prefix}): it would run Jupyter from the system, "
              "not the pinned .tools/pyenv; run scripts/setup")
        return 1
    want = pins(req)
    prefix = os.path.realpath(sys.prefix)
    got = []
    for name in PACKAGES:
        if name not in want:
            print(f"{req} pins no version of {name}")
            return 1
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            print(f"{name} is not installed in {sys.prefix}; run scripts/setup")
            return 1
        if have != want[name]:
            print(f"{name} {have} in {sys.prefix} is not the pinned {want[name]} "
                  f"({req}); run scripts/setup")
            return 1
        spec = importlib.util.find_spec(name)
        origin = os.path.realpath(spec.origin) if spec and spec.origin else ""
        if not origin.startswith(prefix + os.sep):
            print(f"{name} imports from {origin or 'nowhere'}, outside {sys.prefix}; run scripts/setup")
            return 1
        got.append(f"{name} {have}")
    print(f"ok {sys.prefix}: " + " ".join(got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
