"""The api area of Mentor Ready."""
