"""The staff console: mentors, screening, certificates, matches, reports and the audit log."""
