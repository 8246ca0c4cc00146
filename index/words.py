"""What a word is: the one pattern that splits text into words for passages, query terms and copy detection.

A word is a run of Unicode letters, digits or underscores (`\\w+`); keeping one definition means a
query term, a highlighted span and a passage's word set always agree on where words start and end.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)
