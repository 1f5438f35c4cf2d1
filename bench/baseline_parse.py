"""The work `porter convert TREE -o OUT` cannot avoid, as a process of its own: read every file of TREE,
parse and regenerate each Python file with libcst, write it to OUT, copy the rest (bench/performance.py).

    python bench/baseline_parse.py TREE OUT
"""

import os
import shutil
import sys

import libcst


def main(root: str, out: str) -> None:
    for directory, subdirectories, names in os.walk(root, followlinks=True):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        target = os.path.join(out, os.path.relpath(directory, root))
        os.makedirs(target, exist_ok=True)
        for name in sorted(names):
            source, destination = os.path.join(directory, name), os.path.join(target, name)
            if not name.endswith(".py"):
                shutil.copyfile(source, destination)
                continue
            with open(source, encoding="utf-8") as handle:
                code = libcst.parse_module(handle.read()).code
            with open(destination, "w", encoding="utf-8") as handle:
                handle.write(code)


if __name__ == "__main__":
    main(*sys.argv[1:])
