#!/usr/bin/env python3
"""Dump BuildKit's parse of Dockerfiles as one JSON document.

Used by `tests/it/parser_diff.rs` to compare drydock's Dockerfile parser with
BuildKit's. The `dockerfile` package (PyPI, 3.4.0) wraps BuildKit's
`frontend/dockerfile/parser`; `.ci/setup-python.sh` installs it.

Usage: buildkit_dump.py [PATH ...]   (no arguments: one path per stdin line)

Output (stdout), one object keyed by each path as given:
  {"ok": true, "instructions": [{"cmd", "sub_cmd", "json", "start_line",
   "end_line", "flags", "value", "heredocs": [{"name", "content"}], "original"}]}
  {"ok": false, "kind": "parse" | "io", "error": "..."}
and, when the wrapper could not report the file faithfully, a "lossy" string
saying why (see below).

Bytes: `parse_file` hands the path to Go, which reads the raw bytes exactly as
`docker build` does (BOM, CRLF and all). Two wrapper limits remain:
* strings go back to Python through C strings decoded as UTF-8, so a file with
  invalid UTF-8 raises UnicodeDecodeError; such a file is parsed again from
  `bytes.decode("utf-8", "replace")` (what Rust's `String::from_utf8_lossy`
  gives) and marked `"lossy": "invalid-utf8"`;
* C strings stop at NUL, so a file with a NUL byte has truncated values; it is
  marked `"lossy": "nul"` and its values must not be compared.
"""

import json
import sys

try:
    import dockerfile
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"buildkit_dump: cannot import `dockerfile` ({exc}); "
        "run .ci/setup-python.sh and use its python\n"
    )
    sys.exit(2)


def command_to_dict(cmd):
    return {
        "cmd": cmd.cmd,
        "sub_cmd": cmd.sub_cmd,
        "json": bool(cmd.json),
        "start_line": cmd.start_line,
        "end_line": cmd.end_line,
        "flags": list(cmd.flags),
        "value": list(cmd.value),
        "heredocs": [{"name": h.name, "content": h.content} for h in cmd.heredocs],
        "original": cmd.original,
    }


def dump_one(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return {"ok": False, "kind": "io", "error": str(exc)}
    lossy = None
    try:
        commands = dockerfile.parse_file(path)
    except dockerfile.GoParseError as exc:
        return {"ok": False, "kind": "parse", "error": str(exc)}
    except dockerfile.GoIOError as exc:
        return {"ok": False, "kind": "io", "error": str(exc)}
    except UnicodeDecodeError:
        lossy = "invalid-utf8"
        try:
            commands = dockerfile.parse_string(data.decode("utf-8", "replace"))
        except dockerfile.GoParseError as exc:
            return {"ok": False, "kind": "parse", "error": str(exc), "lossy": lossy}
    if b"\0" in data:
        lossy = "nul"
    out = {"ok": True, "instructions": [command_to_dict(c) for c in commands]}
    if lossy is not None:
        out["lossy"] = lossy
    return out


def main(argv):
    paths = argv[1:]
    if not paths:
        paths = [line.rstrip("\r\n") for line in sys.stdin]
        paths = [p for p in paths if p]
    result = {path: dump_one(path) for path in paths}
    json.dump(result, sys.stdout, indent=None, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
