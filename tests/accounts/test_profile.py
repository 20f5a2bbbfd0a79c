"""Public profiles, editing one's own profile, ORCID iDs and the Moderators role."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.forms import ProfileForm
from accounts.services import MODERATORS_GROUP
from accounts.validators import normalize_orcid, validate_orcid
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from reviews.moderation.services import can_moderate
from tests.support.factories import make_paper

EDIT_URL = "/accounts/profile/edit/"


def make_user(username="ada", **fields):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="a password 123", **fields
    )


def profile_data(**overrides):
    return {"display_name": "", "affiliation": "", "orcid": "", "bio": "", **overrides}


# --- ORCID iDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]
)
def test_valid_orcid_ids_pass(orcid):
    validate_orcid(orcid)


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_orcid("0000-0002-1825-0098")
    assert error.value.code == "orcid_checksum"


@pytest.mark.parametrize(
    "orcid",
    ["0000-0002-1825-009", "0000000218250097", "0000-0002-1825-00977", "abcd-0002-1825-0097"],
)
def test_a_badly_formed_orcid_id_is_refused(orcid):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == "orcid_form"


@pytest.mark.parametrize(
    "typed",
    [
        "https://orcid.org/0000-0002-1825-0097",
        "http://orcid.org/0000-0002-1825-0097/",
        "orcid.org/0000-0002-1825-0097",
        "  0000-0002-1825-0097 ",
    ],
)
def test_the_link_form_is_stored_as_the_bare_id(typed):
    assert normalize_orcid(typed) == "0000-0002-1825-0097"


def test_a_lower_case_check_x_is_accepted():
    assert normalize_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"


@pytest.mark.django_db
def test_the_profile_form_stores_the_bare_id_from_a_link():
    form = ProfileForm(
        profile_data(orcid="https://orcid.org/0000-0002-1825-0097"), instance=make_user()
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["orcid"] == "0000-0002-1825-0097"


@pytest.mark.django_db
def test_an_orcid_id_belongs_to_one_account_only():
    make_user("grace", orcid="0000-0002-1825-0097")
    form = ProfileForm(profile_data(orcid="0000-0002-1825-0097"), instance=make_user())
    assert not form.is_valid()
    assert "Another BZPEER account already has this ORCID iD." in str(form.errors)


@pytest.mark.django_db
def test_many_accounts_may_have_no_orcid_id():
    make_user("grace")
    form = ProfileForm(profile_data(display_name="Ada"), instance=make_user())
    assert form.is_valid(), form.errors


# --- Public profile page -------------------------------------------------------------------------


@pytest.fixture
def ada(db):
    return make_user(
        display_name="Ada Lovelace",
        affiliation="Analytical Engine Society",
        orcid="0000-0002-1825-0097",
        bio="Notes on <script>alert(1)</script> the engine.",
    )


def test_anyone_sees_a_public_profile(client, ada, django_assert_max_num_queries):
    # The profile, its public reviews, comments and collections.
    with django_assert_max_num_queries(4):
        response = client.get("/accounts/profile/ada/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Ada Lovelace · BZPEER</title>" in html
    assert "Analytical Engine Society" in html
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    # The bio is the user's own text: escaped, never markup.
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Public activity" in html
    assert "Joined" in html
    assert EDIT_URL not in html
    assert "csrfmiddlewaretoken" not in html


def test_a_stranger_sees_the_profile_without_edit_link(client, ada, django_assert_max_num_queries):
    client.force_login(make_user("grace"))
    # The session, the signed-in user, the unread notifications, the profile, its public
    # reviews, comments and collections.
    with django_assert_max_num_queries(7):
        response = client.get("/accounts/profile/ada/")
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert "Edit profile</a>" not in html


def test_the_owner_sees_an_edit_link(client, ada, django_assert_max_num_queries):
    client.force_login(ada)
    with django_assert_max_num_queries(7):
        html = client.get("/accounts/profile/ada/").content.decode()
    assert f'href="{EDIT_URL}">Edit profile</a>' in html


def test_unknown_and_deactivated_users_have_no_profile(client, ada):
    assert client.get("/accounts/profile/nobody/").status_code == 404
    ada.is_active = False
    ada.save()
    assert client.get("/accounts/profile/ada/").status_code == 404


# --- Editing ---------------------------------------------------------------------------------


def test_editing_needs_logging_in(client, db):
    response = client.get(EDIT_URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={EDIT_URL}"
    assert client.post(EDIT_URL, profile_data(display_name="X")).status_code == 302


def test_editing_changes_only_ones_own_profile(client, ada):
    grace = make_user("grace", display_name="Grace Hopper")
    client.force_login(grace)

    page = client.get(EDIT_URL).content.decode()
    assert 'value="Grace Hopper"' in page
    assert "Ada Lovelace" not in page

    response = client.post(
        EDIT_URL,
        profile_data(
            display_name="Rear Admiral Hopper",
            affiliation="US Navy",
            orcid="https://orcid.org/0000-0001-5109-3700",
            bio="Compilers.",
            # Fields outside the form are ignored, whatever is posted.
            username="ada",
            is_staff="on",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/grace/"
    grace.refresh_from_db()
    ada.refresh_from_db()
    assert grace.display_name == "Rear Admiral Hopper"
    assert grace.orcid == "0000-0001-5109-3700"
    assert grace.username == "grace" and not grace.is_staff
    assert ada.display_name == "Ada Lovelace"


def test_invalid_edits_are_shown_and_nothing_is_saved(client, ada):
    client.force_login(ada)
    response = client.post(
        EDIT_URL,
        profile_data(display_name="Changed", orcid="0000-0002-1825-0098", bio="x" * 1001),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "its last character does not match the check digit" in html
    assert "Ensure this value has at most 1000 characters" in html
    assert 'aria-invalid="true"' in html
    # The header still shows the stored name, not the rejected one.
    assert 'title="Your profile">Ada Lovelace</a>' in html
    ada.refresh_from_db()
    assert ada.display_name == "Ada Lovelace"


def test_editing_requires_the_csrf_token(ada):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(EDIT_URL, profile_data(display_name="Forged")).status_code == 403
    ada.refresh_from_db()
    assert ada.display_name == "Ada Lovelace"


# --- Roles -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_moderators_group_exists():
    assert Group.objects.filter(name=MODERATORS_GROUP).count() == 1


@pytest.mark.django_db
def test_the_moderators_migration_can_run_twice():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0003_moderators_group")
    migration.create_moderators(apps, None)
    assert Group.objects.filter(name=MODERATORS_GROUP).count() == 1


@pytest.mark.django_db
def test_who_is_a_moderator():
    from django.contrib.auth.models import AnonymousUser

    curator = make_user("curator")
    moderator = make_user("moderator")
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw 123456")
    inactive = make_user("gone", is_active=False)
    inactive.groups.add(Group.objects.get(name=MODERATORS_GROUP))

    assert not can_moderate(AnonymousUser())
    assert not can_moderate(curator)
    assert can_moderate(moderator)
    assert can_moderate(admin)
    assert not can_moderate(inactive)


@pytest.mark.django_db
def test_an_account_made_outside_sign_up_can_log_in_once_its_email_is_verified(client):
    from accounts.services import add_verified_email

    user = make_user("demo")
    add_verified_email(user, "Demo@Example.ORG")
    add_verified_email(user, "Demo@Example.ORG")
    assert user.emailaddress_set.get().verified
    response = client.post("/accounts/login/", {"login": "demo", "password": "a password 123"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_profile_lists_public_collections_only(client, ada, django_assert_max_num_queries):
    public = collection_create(owner=ada, name="Engines <b>& looms</b>", is_public=True)
    collection_create(owner=ada, name="Private drafts")
    for _ in range(3):
        paper_save(user=ada, paper=make_paper(), collection=public)
    with django_assert_max_num_queries(4):
        html = client.get("/accounts/profile/ada/").content.decode()
    assert f'href="/collections/{public.pk}/">Engines &lt;b&gt;&amp; looms&lt;/b&gt;</a>' in html
    assert "3 papers" in html
    assert "Private drafts" not in html
    assert "No public activity yet." not in html


def test_names_lose_control_and_bidi_override_characters(client, ada):
    client.force_login(ada)
    response = client.post(
        EDIT_URL,
        profile_data(
            display_name="Ada\u202e ecalevoL\u0007\tLovelace\u2066", affiliation="Lab\u202d\nX"
        ),
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.display_name == "Ada ecalevoL Lovelace"
    assert ada.affiliation == "Lab X"


def test_profile_edits_count_against_the_write_limit(client, ada, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    client.force_login(ada)
    codes = [
        client.post(EDIT_URL, profile_data(display_name=f"Ada {n}")).status_code for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert client.get(EDIT_URL).status_code == 200  # reading the form is not a write
