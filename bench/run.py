"""`make bench`: every benchmark with its default size; each prints JSON lines."""

from __future__ import annotations

import subprocess
import sys

BENCHES = [
    ["bench.dedup_bench", "--customers", "20000"],
    ["bench.import_bench", "--customers", "1000000", "--lines", "10000000"],
]

if __name__ == "__main__":
    for args in BENCHES:
        subprocess.run([sys.executable, "-m", *args], check=True)
