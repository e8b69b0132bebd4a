"""The Django admin app, with the policy-governed site as `admin.site` (Django's documented way)."""

from django.contrib.admin.apps import AdminConfig


class PolicyAdminConfig(AdminConfig):
    """`django.contrib.admin`, whose default site is entered by role: see accounts/admin_site.py."""

    default_site = "accounts.admin_site.PolicyAdminSite"
