"""Certificates: the holder's page and PDF, and public verification."""
