#!/usr/bin/env python3
"""Fails when a core header (outside native/) reaches for I/O, threads, the wall clock or globals."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
forbidden = [
    (re.compile(r"#\s*include\s*<(thread|mutex|shared_mutex|atomic|condition_variable|future|"
                r"fstream|iostream|cstdio|stdio\.h|chrono|ctime|time\.h|random|filesystem|"
                r"sys/.*|unistd\.h|fcntl\.h|netinet/.*|arpa/.*|curl/.*|emscripten.*)>"),
     "I/O, thread or clock header"),
    (re.compile(r"\bstd::(chrono|this_thread|random_device|thread|mutex|cout|cerr|fopen)\b"),
     "I/O, thread or clock facility"),
    (re.compile(r"\b(getenv|fopen|time\s*\(\s*(nullptr|NULL|0)\s*\)|rand\s*\(\s*\))"),
     "process-global state"),
    # A mutable static is a global; constants (constexpr/const) are fine.
    (re.compile(r"^\s*(inline\s+)?static\s+(?!constexpr\b|const\b|inline\b|_assert|_cast)"
                r"[\w:<>,\s]+\s+\w+\s*(=|\{|;)", re.M),
     "mutable static (a global)"),
    (re.compile(r"^\s*(inline\s+)?(?!constexpr\b|const\b)(thread_local)\b", re.M), "thread_local"),
]
problems = []
for header in sorted(root.rglob("*.hpp")):
    rel = header.relative_to(root)
    if rel.parts[0] == "native":
        continue
    text = header.read_text(encoding="utf-8")
    for pattern, what in forbidden:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{rel}:{line}: {what}: {match.group(0).strip()}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"sans-I/O check: {sum(1 for _ in root.rglob('*.hpp'))} headers, core clean")
