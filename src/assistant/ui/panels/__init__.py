"""The drafting page's parts: the brief form, generation, the document with its part tools, review and export."""
