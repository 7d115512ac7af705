"""
Event loop lag probe: a task in the server's event loop sleeps for a short
interval again and again and records by how much each sleep overshoots. A
loop blocked by I/O (or anything else) shows up as overshoot.
"""

import asyncio
import statistics
from collections import deque

INTERVAL = 0.002


class LagProbe:
    def __init__(self):
        self.samples = deque(maxlen=200_000)
        self.task = None

    async def _run(self):
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(INTERVAL)
            self.samples.append(loop.time() - start - INTERVAL)

    def reset(self):
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        self.samples.clear()

    def stats(self):
        samples = sorted(self.samples)
        if not samples:
            return {"samples": 0}

        def ms(value):
            return round(value * 1000, 3)

        return {
            "samples": len(samples),
            "mean_ms": ms(statistics.fmean(samples)),
            "p50_ms": ms(samples[len(samples) // 2]),
            "p99_ms": ms(samples[min(len(samples) - 1, int(len(samples) * 0.99))]),
            "max_ms": ms(samples[-1]),
        }


probe = LagProbe()
