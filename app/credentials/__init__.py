"""Open Badges 3.0 credentials: the holder's download, the issuer profile, status lists, checking."""
