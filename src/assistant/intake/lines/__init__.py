"""Where broken lines end and paragraphs go on (joining.py), below the cleaner and the PDF reader."""
