"""Links worth lifting out of free text (comments and abstracts)."""

import re

_CODE_HOST_URL = re.compile(
    r"https?://(?:www\.)?(?P<host>github\.com|gitlab\.com|bitbucket\.org)/"
    r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)",
    re.IGNORECASE,
)
# Paths on the code hosts that are not repositories.
_NOT_OWNERS = {"about", "features", "pricing", "orgs", "topics", "sponsors", "marketplace"}


def find_code_url(*texts: str) -> str:
    """The first GitHub/GitLab/Bitbucket repository URL in the texts, normalised, or ""."""
    for text in texts:
        for match in _CODE_HOST_URL.finditer(text or ""):
            owner, repo = match["owner"], match["repo"].rstrip(".")
            repo = repo.removesuffix(".git")
            if owner.lower() in _NOT_OWNERS or not repo:
                continue
            return f"https://{match['host'].lower()}/{owner}/{repo}"
    return ""
