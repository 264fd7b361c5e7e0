"""``nnkata nbgrader init DIR``: an nbgrader course with the kata as assignment ``nn_kata``."""

from pathlib import Path

from grader.errors import HarnessError
from grader.kata.notebook import KATA
from grader.paths import notebook_file

CONFIG = Path(__file__).resolve().parent / "templates" / "nbgrader" / "nbgrader_config.py"


def init(directory):
    """Write the course; returns the paths written. Refuses to overwrite a course."""
    root = Path(directory)
    config = root / "nbgrader_config.py"
    source = root / "source" / KATA / f"{KATA}.ipynb"
    existing = [p for p in (config, source) if p.exists()]
    if existing:
        raise HarnessError(f"{existing[0]} already exists: nbgrader init writes a new course")
    source.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG.read_text())
    source.write_text(notebook_file().read_text())
    return [config, source]
