"""The quiz area of Mentor Ready."""
