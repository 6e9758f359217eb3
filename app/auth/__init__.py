"""The auth area of Mentor Ready."""
