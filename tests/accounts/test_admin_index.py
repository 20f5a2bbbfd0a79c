"""The admin's index names each app's section once, in words."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_each_section_of_the_admin_index_has_its_own_name(admin_client):
    html = admin_client.get("/admin/").content.decode()
    captions = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', html)
    assert captions, "no app sections on the admin index"
    assert len(captions) == len(set(captions)), captions
    assert "People and notifications" in captions


def test_the_admin_and_favicon_ico_show_bzpeers_icon(admin_client, client):
    html = admin_client.get("/admin/").content.decode()
    assert 'rel="icon" href="/static/img/favicon' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and "/static/img/favicon" in response["Location"]
