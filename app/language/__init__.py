"""The language switch: choosing the language the site and the course are shown in."""
