"""The mark each status is shown with, the same in every view: the terminal table, ``nnkata
list`` and ``nnkata watch``, a platform's text (``grader/views/formats.py``) and a notebook's
grade cell (``grader/views/cell.py``)."""

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "pending": "·", "skipped": "-"}
