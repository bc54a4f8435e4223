"""``python -m bench.readme``: the README's figures table, from bench/results.json.

So the numbers quoted in the README are the numbers of a run, not retyped ones.
"""

from __future__ import annotations

import json
import sys

from bench.report import _fmt
from bench.settings import RESULTS


def markdown(doc: dict) -> str:  # type: ignore[type-arg]
    m = doc["machine"]
    scaled = any(f["section"] == "scale" for f in doc["figures"])
    rows = f", {doc['settings']['rows']:,} rows" if scaled else " (no scale section)"
    lines = [f"Run {doc['ran_at']} at commit `{m['commit']}` on {m['cores']} cores "
             f"({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; "
             f"{doc['settings']['server']}{rows}; load average "
             f"{doc['details'].get('loadavg_at_start', ['?'])[0]} at the start, "
             f"{m.get('loadavg_at_end', ['?'])[0]} at the end.", "",
             "| section | figure | value | unit | target | |", "|---|---|--:|---|---|---|"]
    for f in doc["figures"]:
        target = f"{f['op']} {_fmt(f['target'])}" if f["target"] is not None else ""
        lines.append(f"| {f['section']} | {f['name']} | {_fmt(f['value'])} | {f['unit']} "
                     f"| {target} | {f['status']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown(json.loads(RESULTS.read_text())) + "\n")
