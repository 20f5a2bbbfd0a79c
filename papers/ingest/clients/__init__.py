"""HTTP clients for the far side of the network: the arXiv API, arXiv OAI-PMH and OpenAlex.

``http`` holds the shared retry policy and error types, ``ratelimit`` the request spacing
shared by every process that talks to the same service. The clients fetch bytes and hand
them to ``papers.arxiv.parser``; they never touch the database.
"""
