# SPDX-License-Identifier: GPL-3.0-or-later
"""A short load run in the suite (issue 8): 10 clients x 5 mixed jobs with random cancels and
disconnects through bench/load.py, the driver of the full run (`./dev load`: 100 x 20). Every
accepted job ends in exactly one terminal message to its connected owner, /metrics accounts
for all of them, and the service is left with an empty temp dir, no ffmpeg and its RSS back
near where it started."""

import asyncio
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("MEDIAFORGE_BENCH_DIR", tempfile.mkdtemp(prefix="mediaforge-load-"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench"))

from harness import Service, main  # noqa: E402
import load  # noqa: E402


class ShortLoad(unittest.TestCase):
    def test_fifty_jobs_with_cancels_and_disconnects_lose_nothing(self):
        async def run():
            with Service("--jobs-per-minute", "0", "--max-concurrent-jobs", "2", "--retention", "5") as service:
                return await load.load(service, clients=10, jobs=5, seed=8, cancel_rate=0.2, disconnect_rate=0.1,
                                       time_limit=400)

        tally, figures = asyncio.run(run())
        print(json.dumps(figures), file=sys.stderr)
        self.assertEqual(tally.problems, [])
        self.assertEqual(figures["lost"], 0)
        self.assertEqual(figures["started"], 50)
        # The run really exercised cancels and disconnects, not only the happy path.
        self.assertGreater(figures["cancels_sent"], 0)
        self.assertGreater(figures["abandoned"], 0)
        self.assertGreater(figures["outcomes"].get("completed", 0), 0)


if __name__ == "__main__":
    main()
