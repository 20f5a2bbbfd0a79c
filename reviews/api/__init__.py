"""Reviews, discussion comments and reports over the REST API (mounted by papers/api/urls.py)."""
