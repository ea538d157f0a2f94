"""A throwaway OpenLDAP server (Debian's ``slapd``) for the directory-login tests.

The plant's directory in miniature: ``dc=plant,dc=example`` with people in ``ou=people``, ShopDB's
service account in ``ou=services`` and ``groupOfNames`` groups in ``ou=groups``; the ``memberof``
overlay gives people the ``memberOf`` attribute Active Directory has. Everything lives in a temporary
folder; the server listens on loopback only, on a port of ``SHOPDB_TEST_PORT_RANGE`` when set.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ldap3 import MODIFY_ADD, MODIFY_DELETE, Connection, Server

from helpers import free_port

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)
MODULES = "/usr/lib/ldap"
SCHEMAS = "/etc/ldap/schema"
SUFFIX = "dc=plant,dc=example"
MANAGER_DN = f"cn=manager,{SUFFIX}"
MANAGER_PASSWORD = "manager-secret"
SERVICE_DN = f"cn=shopdb,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"

_CONFIG = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/nis.schema
include {schemas}/inetorgperson.schema
modulepath {modules}
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args

database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{manager}"
rootpw {manager_password}
directory {folder}/data
overlay memberof

# People and the service account may read the tree; only a bind may use a password.
access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by users read
  by * none
"""


def dn_of(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUPS}"


class PlantDirectory:
    """One slapd process and its data; ``stop()``/``start()`` let a test take the directory down."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        (folder / "data").mkdir(parents=True)
        (folder / "slapd.conf").write_text(_CONFIG.format(
            schemas=SCHEMAS, modules=MODULES, folder=folder, suffix=SUFFIX, manager=MANAGER_DN,
            manager_password=MANAGER_PASSWORD))

    def start(self) -> None:
        # -d 0: stay in the foreground (this process owns it) with no debug output.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", f"{self.url}/", "-d", "0"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "slapd.log").open("ab"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {(self.folder / 'slapd.log').read_text()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("slapd did not start listening within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def manager(self) -> Connection:
        return Connection(Server(self.url), MANAGER_DN, MANAGER_PASSWORD, auto_bind=True, raise_exceptions=True)

    def load_plant(self) -> None:
        """The organisation: units, the service account, people, and groups (after their members)."""
        with self.manager() as conn:
            conn.add(SUFFIX, ["dcObject", "organization"], {"o": "Plant", "dc": "plant"})
            for unit in ("people", "groups", "services"):
                conn.add(f"ou={unit},{SUFFIX}", ["organizationalUnit"], {"ou": unit})
            conn.add(SERVICE_DN, ["applicationProcess", "simpleSecurityObject"],
                     {"cn": "shopdb", "userPassword": SERVICE_PASSWORD})

    def add_person(self, uid: str, password: str) -> str:
        with self.manager() as conn:
            conn.add(dn_of(uid), ["inetOrgPerson"],
                     {"uid": uid, "cn": uid, "sn": uid.title(), "userPassword": password})
        return dn_of(uid)

    def add_group(self, cn: str, *members: str) -> str:
        """A ``groupOfNames`` (which needs a member: the manager stands in for an empty group)."""
        with self.manager() as conn:
            conn.add(group_dn(cn), ["groupOfNames"], {"cn": cn, "member": [dn_of(m) for m in members] or [MANAGER_DN]})
        return group_dn(cn)

    def join(self, cn: str, uid: str) -> None:
        with self.manager() as conn:
            conn.modify(group_dn(cn), {"member": [(MODIFY_ADD, [dn_of(uid)])]})

    def leave(self, cn: str, uid: str) -> None:
        with self.manager() as conn:
            conn.modify(group_dn(cn), {"member": [(MODIFY_DELETE, [dn_of(uid)])]})
