"""The rules of Mentor Ready as plain functions over a database session.

Services never touch the request, the session cookie, flash messages or aborts: they take plain
values, raise the domain errors below, and own the commit.
"""
