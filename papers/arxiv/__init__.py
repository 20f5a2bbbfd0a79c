"""arXiv identifiers, the metadata parser and the records it yields.

Nothing here touches the database or the network: the ingest service stores what the
parser yields, and the clients of the live jobs fetch what the parser reads.
"""
