"""Nightly fuzzing: the test command's Schemathesis run, about twenty times larger and with a
new seed each day, against the real app on 127.0.0.1 (scripted model server, fake NuGet).

Run: .venv/bin/python -m benchmarks.fuzz_nightly [--examples N] [--seed S]
Prints the cases run, the failed cases and each distinct failure with a curl line that
reproduces it; exits 1 when anything failed. `--seed` repeats a night's cases.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.fixtures.fuzzing import fuzz, fuzz_target

# 16 operation/mode pairs take input: 1,250 each is about 20,000 cases.
DEFAULT_EXAMPLES = 1250


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, help="per operation")
    parser.add_argument("--seed", type=int, help="default: today's date as YYYYMMDD")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(datetime.now(UTC).strftime("%Y%m%d"))
    with tempfile.TemporaryDirectory() as data, fuzz_target(Path(data)) as url:
        started = time.perf_counter()
        report = fuzz(url, args.examples, seed)
        elapsed = time.perf_counter() - started
    print(f"seed {seed}, {args.examples} examples per operation and mode, {elapsed:.0f} s")
    print(report.summary())
    print(f"cases run: {report.cases}  failures: {report.failed_cases}")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
