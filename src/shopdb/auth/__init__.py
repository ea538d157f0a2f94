"""Authentication and authorisation: users, roles, tokens, sessions with CSRF, throttling."""

from .current import current_user, require_role, require_site_access

__all__ = ["current_user", "require_role", "require_site_access"]
