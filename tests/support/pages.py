"""Fetching pages as one viewer after another, in the same client."""


def page_as(client, paper, user=None) -> str:
    """The paper's page as ``user`` sees it (anonymous when None): 200, its HTML."""
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()
