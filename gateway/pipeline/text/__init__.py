"""Text extraction: every document format becomes a ``DocText`` (lines with layout + full text)."""
