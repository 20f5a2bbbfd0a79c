"""Writes to papers go through these functions; views, tasks, commands and admin call them."""
