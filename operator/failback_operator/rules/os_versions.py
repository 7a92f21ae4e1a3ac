"""OS version ordering for FB009: Windows Server by release, Linux within one distribution by major.minor."""

from __future__ import annotations

import re
from dataclasses import dataclass

from failback_operator.facts import OsType

# Windows Server releases, oldest first; the index is the release's rank.
WINDOWS_SERVER_RELEASES: tuple[str, ...] = (
    "2008",
    "2008 R2",
    "2012",
    "2012 R2",
    "2016",
    "2019",
    "2022",
    "2025",
)

# vSphere guest ids of Windows Server, for when only vCenter's view of the guest is known.
_WINDOWS_GUEST_IDS = {
    "winlonghorn64guest": "2008",
    "windows7server64guest": "2008 R2",
    "windows8server64guest": "2012",
    "windows9server64guest": "2016",
    "windows2019srv_64guest": "2019",
    "windows2019srvnext_64guest": "2022",
    "windows2022srvnext_64guest": "2025",
}

# Distribution names as Site Recovery (`RHEL7-64`, `UBUNTU-16.04-64`, `SLES12-SP4-64`, `OL7-64`) and
# vSphere (`rhel8_64Guest`, "Red Hat Enterprise Linux 8") spell them; first match wins.
_DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("rhel", r"red\s*hat|rhel"),
    ("centos", r"centos"),
    ("ubuntu", r"ubuntu"),
    ("sles", r"suse|sles"),
    ("oracle", r"oracle|\bol(?=\d)"),
    ("debian", r"debian"),
    ("rocky", r"rocky"),
    ("alma", r"alma"),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class OsVersion:
    """A parsed OS version: family, distribution (`windows-server` for Windows Server) and version."""

    family: OsType
    distribution: str
    major: int
    minor: int | None = None
    text: str = ""

    def __str__(self) -> str:
        if self.distribution == "windows-server":
            return f"Windows Server {WINDOWS_SERVER_RELEASES[self.major]}"
        minor = "" if self.minor is None else f".{self.minor}"
        return f"{self.distribution} {self.major}{minor}"


def _parse_windows(text: str) -> OsVersion | None:
    lowered = text.casefold()
    guest = _WINDOWS_GUEST_IDS.get(lowered.strip())
    if guest is not None:
        return OsVersion(
            family=OsType.WINDOWS,
            distribution="windows-server",
            major=WINDOWS_SERVER_RELEASES.index(guest),
            text=text,
        )
    if "windows" not in lowered or "server" not in lowered:
        return None
    if "or later" in lowered:
        return None  # vSphere's "Windows Server 2016 or later" names no release
    match = re.search(r"\b(2008|2012|2016|2019|2022|2025)\b(\s*r2)?", lowered)
    if match is None:
        return None
    release = match.group(1) + (" R2" if match.group(2) else "")
    if release not in WINDOWS_SERVER_RELEASES:
        return None  # e.g. "2016 R2" does not exist
    return OsVersion(
        family=OsType.WINDOWS,
        distribution="windows-server",
        major=WINDOWS_SERVER_RELEASES.index(release),
        text=text,
    )


def _parse_linux(text: str) -> OsVersion | None:
    lowered = text.casefold()
    for distribution, pattern in _DISTRIBUTIONS:
        found = re.search(pattern, lowered)
        if found is None:
            continue
        rest = lowered[found.end() :]
        number = re.search(r"(\d+)(?:\.(\d+))?", rest)
        if number is None:
            return None
        major = int(number.group(1))
        minor = int(number.group(2)) if number.group(2) is not None else None
        service_pack = re.search(r"sp(\d+)", rest[number.end() :])
        if minor is None and distribution == "sles" and service_pack is not None:
            minor = int(service_pack.group(1))
        return OsVersion(family=OsType.LINUX, distribution=distribution, major=major, minor=minor, text=text)
    return None


def parse_os_version(text: str | None) -> OsVersion | None:
    """Parse what Site Recovery or vCenter report as OS version; None when it cannot be placed."""
    if not text or not text.strip():
        return None
    return _parse_windows(text) or _parse_linux(text)


def compare_os_versions(left: OsVersion, right: OsVersion) -> int | None:
    """-1, 0 or 1 as left is older, the same or newer than right; None when they cannot be ordered.

    Different families or distributions cannot be ordered, nor two Linux versions of the same
    major whose minor is unknown on either side.
    """
    if left.family != right.family or left.distribution != right.distribution:
        return None
    if left.major != right.major:
        return -1 if left.major < right.major else 1
    if left.distribution == "windows-server":
        return 0
    if left.minor is None or right.minor is None:
        return None
    if left.minor == right.minor:
        return 0
    return -1 if left.minor < right.minor else 1
