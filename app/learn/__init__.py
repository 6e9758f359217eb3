"""The learn area of Mentor Ready."""
