"""The Django admin with an audited site (audit.admin_site): listed in INSTALLED_APPS instead of
``django.contrib.admin``. Kept apart from audit/apps.py so the audit app keeps exactly one AppConfig."""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    default_site = "audit.admin_site.AuditedAdminSite"
