"""Where the time goes: py-spy samples the gunicorn workers while wrk drives one scenario.

`python -m bench.run --profile list` records the API target of that scenario and prints
the functions that hold the most samples (inclusive) and the leaves that burn them (self).
The raw collapsed stacks are kept for a flame graph (e.g. `inferno-flamegraph`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_SITE = re.compile(r".*/site-packages/")
_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_HANDLER = "WSGIHandler.__call__"


def start(pid: int, duration: float, out: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "250",
            "--format",
            "raw",
            "--duration",
            str(max(1, round(duration))),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    where = _SITE.sub("", match["file"]).replace(_ROOT, "")
    return f"{match['func']} ({where})"


def summarize(raw: Path, top: int = 25) -> str:
    """Top frames below Django's WSGI handler (what a request costs once gunicorn hands it over)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = in_django = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        start = next((i for i, frame in enumerate(frames) if frame.startswith(_HANDLER)), None)
        if start is None:
            continue
        in_django += count
        for frame in set(frames[start + 1 :]):
            inclusive[frame] += count
    if not total:
        return "py-spy recorded no sample."
    lines = [
        f"{total} samples; {100 * in_django / total:.1f}% inside Django's handler, the rest in gunicorn "
        "(accept, parse, write, close). Inclusive, below the handler:"
    ]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("Self (the function itself was running):")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)
