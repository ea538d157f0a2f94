"""The plant's directory (LDAP / Active Directory): is this a directory user's password, and which groups
are they in (docs/adr/0016-directory-login.md).

Read-only and one connection per login: the service account finds the user's entry, a second
connection binds as that entry with the password, the service account then reads the groups. Every
value a user types reaches a filter only through ldap3's escaping. A directory that cannot be reached
(or is misconfigured) answers 503, never 500, and never a local account's concern.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from ..api.errors import ApiError
from ..core.models import ROLES

log = logging.getLogger(__name__)

# Fits OpenLDAP (uid) and Active Directory (sAMAccountName): a directory ignores the one it lacks.
DEFAULT_USER_FILTER = "(|(uid={username})(sAMAccountName={username}))"
DEFAULT_GROUP_FILTER = "(|(member={user_dn})(uniqueMember={user_dn}))"
EVERY_SITE = "*"  # in SHOPDB_LDAP_SITE_GROUPS: the group's members are limited to no site
_NAME_ATTRIBUTES = ("uid", "sAMAccountName")
_SIZE_LIMIT_EXCEEDED = 4
_SERVER_TROUBLE = {51, 52, 80}  # busy, unavailable, other: the directory's fault, not a wrong password


class DirectoryUnavailable(ApiError):
    """The directory did not answer (or cannot be used as configured): the login may be retried later."""

    status, code = 503, "directory_unavailable"


class DirectoryMisconfigured(ValueError):
    """A ``SHOPDB_LDAP_*`` setting cannot be understood; the message names it."""


@dataclass(frozen=True)
class DirectoryAccount:
    """A directory entry whose password was just verified, with the groups it belongs to (normalised DNs)."""

    dn: str
    username: str
    groups: frozenset[str]


@dataclass(frozen=True)
class Access:
    """What the directory's groups grant: a role and the sites (``None``: every site)."""

    role: str
    site_codes: frozenset[str] | None


def normal_dn(dn: str) -> str:
    """One spelling per DN, so ``CN=Editors, OU=Groups`` from AD matches ``cn=editors,ou=groups`` as configured."""
    try:
        parts = parse_dn(dn, strip=True)
    except LDAPException:
        return dn.strip().lower()
    return "".join(f"{attr.lower()}={value.lower()}{separator}" for attr, value, separator in parts)


def _group_map(setting: str, value: Any) -> dict[str, list[str]]:
    """``{"<group DN>": "editor"}`` (JSON or mapping) or ``editor=<group DN>;admin=<group DN>`` → DN → values.

    Values may be lists (JSON) or comma-separated (``P1,P2=<group DN>``).
    """
    if not value:
        return {}
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise DirectoryMisconfigured(f"{setting} is not valid JSON: {error}") from None
    pairs: Iterable[tuple[str, Any]]
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, str):
        pairs = []
        for item in filter(None, (part.strip() for part in value.split(";"))):
            granted, sep, dn = item.partition("=")
            if not sep or not dn.strip() or not granted.strip():
                raise DirectoryMisconfigured(f"{setting}: {item!r} is not 'value=<group DN>'")
            pairs.append((dn, granted))
    else:
        raise DirectoryMisconfigured(f"{setting} must be JSON or 'value=<group DN>;...'")
    mapping: dict[str, list[str]] = {}
    for dn, granted in pairs:
        values = granted.split(",") if isinstance(granted, str) else list(granted)
        mapping.setdefault(normal_dn(str(dn)), []).extend(str(v).strip() for v in values if str(v).strip())
    return mapping


@dataclass(frozen=True)
class DirectorySettings:
    """The ``SHOPDB_LDAP_*`` settings (config.py reads them from the environment), checked once per login."""

    url: str
    start_tls: bool
    ca_file: str | None
    bind_dn: str | None
    bind_password: str | None
    user_base: str
    user_filter: str
    group_base: str | None
    group_filter: str
    member_attribute: str
    role_groups: dict[str, str]
    site_groups: dict[str, frozenset[str]]
    timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DirectorySettings | None:
        """``None`` when ``SHOPDB_LDAP_URL`` is unset: there is no directory and nothing changes."""
        url = config.get("SHOPDB_LDAP_URL")
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.netloc or parts.path.strip("/"):
            raise DirectoryMisconfigured("SHOPDB_LDAP_URL must be ldap://host[:port] or ldaps://host[:port]")
        url = f"{parts.scheme}://{parts.netloc}"  # ldap3 takes no trailing slash
        if not config.get("SHOPDB_LDAP_USER_BASE"):
            raise DirectoryMisconfigured("SHOPDB_LDAP_USER_BASE is required with SHOPDB_LDAP_URL")
        roles: dict[str, str] = {}
        for dn, granted in _group_map("SHOPDB_LDAP_ROLE_GROUPS", config.get("SHOPDB_LDAP_ROLE_GROUPS")).items():
            unknown = [r for r in granted if r not in ROLES]
            if unknown or len(granted) != 1:
                raise DirectoryMisconfigured(
                    f"SHOPDB_LDAP_ROLE_GROUPS: group {dn!r} must map to one of {', '.join(ROLES)}")
            roles[dn] = granted[0]
        if not roles:
            raise DirectoryMisconfigured("SHOPDB_LDAP_ROLE_GROUPS maps no group to a role: nobody could log in")
        sites = {dn: frozenset(codes) for dn, codes in
                 _group_map("SHOPDB_LDAP_SITE_GROUPS", config.get("SHOPDB_LDAP_SITE_GROUPS")).items()}
        try:
            timeout = int(config.get("SHOPDB_LDAP_TIMEOUT") or 5)
        except (TypeError, ValueError):
            timeout = 0
        if timeout < 1:  # whole seconds: ldap3 sets the socket's receive timeout from an integer
            raise DirectoryMisconfigured("SHOPDB_LDAP_TIMEOUT must be a whole number of seconds, 1 or more")
        return cls(
            url=url, start_tls=bool(config.get("SHOPDB_LDAP_STARTTLS")),
            ca_file=config.get("SHOPDB_LDAP_CA_FILE") or None,
            bind_dn=config.get("SHOPDB_LDAP_BIND_DN") or None,
            bind_password=config.get("SHOPDB_LDAP_BIND_PASSWORD") or None,
            user_base=config["SHOPDB_LDAP_USER_BASE"],
            user_filter=config.get("SHOPDB_LDAP_USER_FILTER") or DEFAULT_USER_FILTER,
            group_base=config.get("SHOPDB_LDAP_GROUP_BASE") or None,
            group_filter=config.get("SHOPDB_LDAP_GROUP_FILTER") or DEFAULT_GROUP_FILTER,
            member_attribute=config.get("SHOPDB_LDAP_MEMBER_ATTRIBUTE") or "memberOf",
            role_groups=roles, site_groups=sites, timeout=timeout,
        )

    def server(self) -> Server:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca_file)
        if not self.start_tls and urlsplit(self.url).scheme == "ldap":
            _warn_plaintext(self.url)
        return Server(self.url, tls=tls, connect_timeout=self.timeout, get_info=NONE)


@lru_cache(maxsize=8)
def _warn_plaintext(url: str) -> None:
    """Once per URL: passwords cross the network readable unless ldaps:// or STARTTLS is used."""
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("SHOPDB_LDAP_URL %s is plain ldap:// without SHOPDB_LDAP_STARTTLS: directory passwords "
                    "cross the network in the clear; use ldaps:// or STARTTLS", url)


def check_password(settings: DirectorySettings, username: str, password: str) -> DirectoryAccount | None:
    """The user's entry and groups when the directory accepts this password; ``None`` when it does not
    (no such user, several entries, a wrong or empty password).

    Raises ``DirectoryUnavailable`` when the directory cannot be asked.
    """
    # An empty password is an LDAP "unauthenticated bind", which succeeds for any DN (RFC 4513 §5.1.2).
    if not username or not password:
        return None
    server = settings.server()
    try:
        service = _bound_connection(settings, server, settings.bind_dn, settings.bind_password)
        if not service.bound:
            log.error("the directory refused the service account's bind (%s): %s",
                      settings.bind_dn or "anonymous", service.result.get("description"))
            service.unbind()
            raise DirectoryUnavailable("The directory refused ShopDB's own account; tell the administrator.")
        try:
            entry = _find_user(service, settings, username)
            if entry is None or not _password_accepted(settings, server, entry["dn"], password):
                return None
            groups = _groups_of(service, settings, entry)
        finally:
            service.unbind()
    except (LDAPException, OSError) as error:
        log.warning("directory %s unavailable: %s", settings.url, error)
        raise DirectoryUnavailable("The directory cannot be reached; try again later. "
                                   "Local accounts can still log in.") from None
    return DirectoryAccount(dn=entry["dn"], username=_directory_username(entry, username), groups=groups)


def _bound_connection(settings: DirectorySettings, server: Server, user: str | None,
                      password: str | None) -> Connection:
    """An open connection, TLS started when configured, bind attempted (see ``.bound``)."""
    connection = Connection(server, user=user, password=password, receive_timeout=settings.timeout,
                            auto_referrals=False, read_only=True, raise_exceptions=False)
    connection.open()
    if settings.start_tls and not connection.start_tls():
        connection.unbind()
        raise LDAPException(f"STARTTLS failed: {connection.result}")
    connection.bind()
    return connection


def _search(connection: Connection, base: str, search_filter: str, attributes: list[str],
            size_limit: int, timeout: int) -> list[dict]:
    connection.search(base, search_filter, SUBTREE, attributes=attributes, size_limit=size_limit,
                      time_limit=timeout)
    code = connection.result.get("result")
    if code not in (0, _SIZE_LIMIT_EXCEEDED):
        raise LDAPException(f"search in {base!r} failed: {connection.result.get('description')} "
                            f"{connection.result.get('message') or ''}".strip())
    return [r for r in connection.response or [] if r.get("type") == "searchResEntry"]


def _find_user(connection: Connection, settings: DirectorySettings, username: str) -> dict | None:
    """The one entry the filter names; none or several (an ambiguous filter) find nobody."""
    search_filter = settings.user_filter.replace("{username}", escape_filter_chars(username))
    attributes = [*_NAME_ATTRIBUTES] + ([] if settings.group_base else [settings.member_attribute])
    entries = _search(connection, settings.user_base, search_filter, attributes, 2, settings.timeout)
    if len(entries) != 1:
        if entries:
            log.warning("directory filter finds %s entries for one username; refusing", len(entries))
        return None
    return entries[0]


def _password_accepted(settings: DirectorySettings, server: Server, dn: str, password: str) -> bool:
    connection = _bound_connection(settings, server, dn, password)
    try:
        if not connection.bound:
            if connection.result.get("result") in _SERVER_TROUBLE:
                raise LDAPException(f"bind of {dn!r} failed: {connection.result.get('description')}")
            log.info("directory refused the bind of %s: %s", dn, connection.result.get("description"))
        return connection.bound
    finally:
        connection.unbind()


def _values(entry: dict, attribute: str) -> list[str]:
    found = {k.lower(): v for k, v in (entry.get("attributes") or {}).items()}.get(attribute.lower())
    if found is None:
        return []
    return [str(v) for v in found] if isinstance(found, list | tuple) else [str(found)]


def _groups_of(connection: Connection, settings: DirectorySettings, entry: dict) -> frozenset[str]:
    """Direct groups only: ``memberOf`` of the entry, or a group search when SHOPDB_LDAP_GROUP_BASE is set."""
    if not settings.group_base:
        return frozenset(normal_dn(dn) for dn in _values(entry, settings.member_attribute))
    names = _values(entry, "uid") + _values(entry, "sAMAccountName")
    search_filter = (settings.group_filter.replace("{user_dn}", escape_filter_chars(entry["dn"]))
                     .replace("{username}", escape_filter_chars(names[0] if names else "")))
    groups = _search(connection, settings.group_base, search_filter, [], 0, settings.timeout)
    return frozenset(normal_dn(group["dn"]) for group in groups)


def _directory_username(entry: dict, typed: str) -> str:
    """The directory's own spelling of the name typed (``Anna`` typed, ``anna`` stored), else as typed."""
    for attribute in _NAME_ATTRIBUTES:
        for value in _values(entry, attribute):
            if value.casefold() == typed.casefold() and len(value) <= 64:
                return value
    return typed


def access_for(settings: DirectorySettings, account: DirectoryAccount) -> Access | None:
    """The highest role the account's groups map to and the union of their sites; ``None`` when no group
    maps to a role, or when sites are mapped and none of the account's groups has any.
    """
    roles = [settings.role_groups[g] for g in account.groups if g in settings.role_groups]
    if not roles:
        return None
    role = max(roles, key=ROLES.index)
    if not settings.site_groups:
        return Access(role, None)
    codes: set[str] = set()
    for group in account.groups & settings.site_groups.keys():
        codes |= settings.site_groups[group]
    if not codes:
        return None  # site mapping in use, and this account is in none of it: fail closed, not "every site"
    return Access(role, None if EVERY_SITE in codes else frozenset(codes))
