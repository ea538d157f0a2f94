"""The network plugin's tables: network_devices (asset extension), subnets, ip_addresses, interfaces."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.plugins.toolkit import (
    CASE_FOLDED,
    TimestampMixin,
    VersionedMixin,
    all_of,
    asset_site_column,
    asset_site_constraints,
    by_asset,
    db,
    key_column,
    key_length,
)

# An open vocabulary (docs/adr/0013): the bundled roles; an admin adds more (`shopdb choices add network_role`).
DEVICE_ROLE_CHOICES = (("switch", "Switch"), ("router", "Router"), ("ap", "Access point"), ("firewall", "Firewall"))
DEVICE_ROLES = tuple(slug for slug, _label in DEVICE_ROLE_CHOICES)
IP_STATUSES = ("active", "reserved", "dhcp", "deprecated")
VLAN_CHECK = "vlan IS NULL OR (vlan >= 1 AND vlan <= 4094)"


class NetworkDevice(db.Model):
    """Extension of an asset: a switch, router, access point or firewall.

    ``mgmt_ip`` is unique per site: ``site_id`` is the asset's, copied here and kept equal by the
    database (``shopdb.core.models.keys``), so ``UNIQUE (site_id, mgmt_ip)`` holds on every path.
    """

    __tablename__ = "network_devices"
    __table_args__ = (
        UniqueConstraint("site_id", "mgmt_ip", name="uq_network_devices_site_id_mgmt_ip"),
        *asset_site_constraints("network_devices"),
    )

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = asset_site_column()
    # A slug of the choice set network_role: open, so no CHECK (docs/adr/0013).
    role: Mapped[str] = mapped_column(String(64), nullable=False, default="switch", index=True)
    mgmt_ip: Mapped[str | None] = mapped_column(String(45), index=True)
    firmware: Mapped[str | None] = mapped_column(String(120))


class Subnet(TimestampMixin, VersionedMixin, db.Model):
    """An IP network of one site. ``cidr`` is stored normalised (the network, IPv6 compressed).

    ``start_key``/``end_key`` are the fixed-width hex of its first and last address (see
    ``addressing.key_of``): overlap checks and ordering are plain string comparisons on every dialect.
    """

    __tablename__ = "subnets"
    __table_args__ = (
        UniqueConstraint("site_id", "cidr"),
        CheckConstraint(VLAN_CHECK, name="vlan"),
        CheckConstraint("ip_version IN (4, 6)", name="ip_version"),
        Index("ix_subnets_site_id_ip_version_start_key", "site_id", "ip_version", "start_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cidr: Mapped[str] = mapped_column(String(43), nullable=False)
    ip_version: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    prefix_length: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    start_key: Mapped[str] = mapped_column(String(32), nullable=False)
    end_key: Mapped[str] = mapped_column(String(32), nullable=False)
    vlan: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))


class IPAddress(TimestampMixin, VersionedMixin, db.Model):
    """One address in a subnet, optionally held by an asset.

    ``site_id`` is copied from the subnet so the database itself enforces one address per site.
    """

    __tablename__ = "ip_addresses"
    __table_args__ = (
        UniqueConstraint("site_id", "address"),
        CheckConstraint(f"status IN {IP_STATUSES!r}", name="status"),
        Index("ix_ip_addresses_subnet_id_sort_key", "subnet_id", "sort_key"),
        # the list's order (site, version, address, id): pages read it instead of sorting (revision 0004)
        Index("ix_ip_addresses_site_id_ip_version_sort_key_id", "site_id", "ip_version", "sort_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(45), nullable=False, index=True)
    ip_version: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    # fixed-width lower-case hex (addressing.key_of): sorted as stored, so its index serves the order
    sort_key: Mapped[str] = mapped_column(String(32), nullable=False, info={CASE_FOLDED: True})
    subnet_id: Mapped[int] = mapped_column(ForeignKey("subnets.id", ondelete="RESTRICT"), nullable=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False)
    assetid: Mapped[int | None] = mapped_column(ForeignKey("assets.assetid", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active", index=True)
    hostname: Mapped[str | None] = mapped_column(String(253), index=True)
    description: Mapped[str | None] = mapped_column(String(500))


class Interface(TimestampMixin, VersionedMixin, db.Model):
    """A port of a network device (``Gi1/0/12``) and the asset plugged into it.

    A port name is unique per device whatever its case (``gi1/0/12`` is the same port), through the
    folded ``name_key`` (``shopdb.core.models.keys``).
    """

    __tablename__ = "interfaces"
    # The device's site, and the plugged-in asset's when there is one: a port must not show a tag of a
    # site the reader cannot see (docs/adr/0017).
    __site_scope__ = all_of(by_asset("device_assetid", visible_when_null=False), by_asset("connected_assetid"))
    __table_args__ = (
        UniqueConstraint("device_assetid", "name_key"),
        CheckConstraint(VLAN_CHECK, name="vlan"),
        CheckConstraint("speed_mbps IS NULL OR speed_mbps > 0", name="speed_mbps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    name_key: Mapped[str] = key_column("name", length=key_length(64))
    connected_assetid: Mapped[int | None] = mapped_column(
        ForeignKey("assets.assetid", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(String(500))
    vlan: Mapped[int | None] = mapped_column(Integer)
    speed_mbps: Mapped[int | None] = mapped_column(Integer)


__all__ = ["DEVICE_ROLE_CHOICES", "DEVICE_ROLES", "IP_STATUSES", "Interface", "IPAddress", "NetworkDevice", "Subnet"]
