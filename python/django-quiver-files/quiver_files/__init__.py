"""Quiver's file store as a Django app (see README.md, "The Django app")."""
