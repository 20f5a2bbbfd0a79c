"""The admin site: staff as before, plus the Moderators group, who see only moderation.

Django loads this module while it is still registering apps (for the AppConfig below), so
nothing here imports models at module level: the login form and the moderation check are
imported when first used.
"""

from functools import cache

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

# Password guesses against the admin log-in, per client address.
ADMIN_LOGIN_RATE = "10/m"


@cache
def moderator_login_form():
    """Django's admin log-in form, letting moderators in as well as staff."""
    from django.contrib.admin.forms import AdminAuthenticationForm
    from django.contrib.auth.forms import AuthenticationForm
    from django.core.exceptions import ValidationError

    from reviews.moderation.services import can_moderate

    class ModeratorAuthenticationForm(AdminAuthenticationForm):
        error_messages = {
            **AdminAuthenticationForm.error_messages,
            "invalid_login": (
                "Please enter the correct %(username)s and password of a staff or moderator "
                "account. Note that both fields may be case-sensitive."
            ),
        }

        def confirm_login_allowed(self, user):
            # AuthenticationForm's check (active accounts only), not the admin's staff-only one.
            AuthenticationForm.confirm_login_allowed(self, user)
            if not can_moderate(user):
                raise ValidationError(
                    self.error_messages["invalid_login"],
                    code="invalid_login",
                    params={"username": self.username_field.verbose_name},
                )

    return ModeratorAuthenticationForm


class BzpeerAdminSite(AdminSite):
    site_header = "BZPEER administration"
    site_title = "BZPEER admin"
    index_title = "Moderation and site administration"

    @property
    def login_form(self):
        return moderator_login_form()

    def has_permission(self, request) -> bool:
        """Active staff, superusers and members of the Moderators group get in; what each
        sees inside is up to the model admins' permissions."""
        # Asked several times a request; remembered per user, as the log-in view changes it.
        user = request.user
        cached = getattr(request, "_bzpeer_can_moderate", None)
        if cached is None or cached[0] != user.pk:
            from reviews.moderation.services import can_moderate

            cached = request._bzpeer_can_moderate = (user.pk, can_moderate(user))
        return cached[1]

    @method_decorator(
        ratelimit(group="admin-login", key="ip", rate=ADMIN_LOGIN_RATE, method="POST", block=True)
    )
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)


class BzpeerAdminConfig(AdminConfig):
    default_site = "bzpeer.admin_site.BzpeerAdminSite"
