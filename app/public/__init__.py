"""The public area of Mentor Ready."""
