"""Text a submission controls, made safe to show and to write anywhere.

A student's exception message, printed output or file name can hold anything a ``str`` can:
lone surrogates (which no UTF-8 writer accepts, so a JSON or CSV file would fail to be
written), control characters and terminal escape sequences (which would clear or rewrite the
instructor's terminal, or break an XML file). ``clean`` is for messages: surrogate pairs are
joined, lone surrogates become U+FFFD, and every control character but newline and tab is
shown as an escape (``"\\x1b"`` prints as the four characters ``\\x1b``). ``name`` is for
one-line names: newlines and tabs are escaped too, and a lone surrogate (a byte of a file name
that is not UTF-8) is shown as its escape. Both leave their own output unchanged, so a text
may go through them more than once on its way to a view.
"""

import re

# C0 controls, DEL and C1 controls; the Unicode line and paragraph separators; the
# bidirectional overrides and isolates, which reorder what a terminal shows.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_IN_MESSAGE = re.compile(f"(?![\n\t])[{_CONTROL}]")
_IN_NAME = re.compile(f"[{_CONTROL}\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match):
    ch = match.group()
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _joined(text):
    """Surrogate pairs joined into their character, lone surrogates replaced by U+FFFD."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean(text):
    """``text`` (any object: a ``str`` is expected) safe for every renderer; newlines and tabs
    are kept."""
    text = text if isinstance(text, str) else str(text)
    return _IN_MESSAGE.sub(_escape, _joined(text))


def name(text):
    """A name (a file, a submission) on one line, each control character and lone surrogate
    shown as an escape."""
    text = text if isinstance(text, str) else str(text)
    return _IN_NAME.sub(_escape, text)
