"""What every layer leans on: Settings, UserError, safe file reads and atomic writes, safe JSON/YAML, access passwords."""
