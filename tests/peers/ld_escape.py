# SPDX-License-Identifier: GPL-3.0-or-later
"""What Logdeck's CSV and text exports do to text by default, written from
their documentation, for the peers that check those exports:

- control characters a terminal acts on (C0 but TAB, LF and a CR before an
  LF; DEL; C1, U+0080 to U+009F) become \\xXX;
- in CSV, a text cell that starts with "=", "+", "-", "@", a tab or a CR gets
  a "'" in front (OWASP's advice against CSV injection).
"""

import re

CONTROLS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)')
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def escape_controls(text):
    return CONTROLS.sub(lambda match: '\\x%02x' % ord(match.group()), text)


def protect_cell(text, escape=True, protect=True):
    """A text cell as the CSV export writes it (before CSV quoting)."""
    prefix = "'" if protect and text.startswith(FORMULA_STARTS) else ''
    return prefix + (escape_controls(text) if escape else text)
