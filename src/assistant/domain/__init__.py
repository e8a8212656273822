"""Types and rules without I/O: speeches and drafts (models), the brief and its plan, meeting kinds, numbering, titles, facts, jieba's dictionary."""
