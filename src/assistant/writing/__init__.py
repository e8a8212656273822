"""Writing: chat model access (llm), prompts, drafting and the offline composer."""
