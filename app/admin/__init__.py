"""Administration: staff accounts and roles."""
