"""Sign-in: staff land on their workbench, citizens and enterprise agents on the portal (unless the
login page was reached with a `next` to go back to)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        user = self.request.user
        if getattr(user, "is_authenticated", False) and not user.can_workbench:
            return resolve_url("portal:home")
        return super().get_default_redirect_url()
