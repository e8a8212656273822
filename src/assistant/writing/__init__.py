"""Writing: a plan becomes a Draft through a Writer (the LLM pipeline or the offline composer); Revisers revise it."""
