"""The instructor's view of a batch as it runs: a bar with an ETA on a terminal, else a line per
submission."""

import sys
import time

from grader.views import formats


class ProgressBar:
    """A progress bar with an ETA on a terminal; one line per submission elsewhere."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()

    def start(self, total, reused):
        self.total, self.finished, self.reused = total, reused, reused
        self.graded, self.failed, self.began = 0, 0, time.monotonic()
        if reused:
            self.say(f"{reused} of {total} already graded and unchanged: kept")
        self._draw()

    def done(self, outcome):
        self.finished += 1
        self.graded += 1
        self.failed += outcome.report is None
        if not self.live:
            what = (f"{formats.points(outcome.report.score, outcome.report.max_score):g}/"
                    f"{outcome.report.max_score:g}" if outcome.report else f"NOT GRADED: {outcome.error}")
            self.say(f"[{self.finished}/{self.total}] {outcome.name}: {what} ({outcome.seconds:.1f} s)")
        self._draw()

    def finish(self):
        if self.live:
            self.stream.write("\n")
        spent = time.monotonic() - self.began
        self.say(f"graded {self.graded}, kept {self.reused}, not graded {self.failed}, in {spent:.1f} s")

    def eta(self):
        left = self.total - self.finished
        if not self.graded or not left:
            return None
        return (time.monotonic() - self.began) / self.graded * left

    def _draw(self):
        if not self.live:
            return
        width = 24
        full = int(width * self.finished / self.total) if self.total else width
        eta = self.eta()
        when = f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" if eta is not None else ""
        self.stream.write(f"\r{'█' * full}{'░' * (width - full)} {self.finished}/{self.total} "
                          f"{when}\033[K")
        self.stream.flush()

    def say(self, text):
        if self.live:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()
