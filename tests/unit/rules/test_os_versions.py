"""FB009 OS version ordering: Windows Server releases in order, Linux within a distribution by major.minor."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failback_operator.facts import OsType
from failback_operator.rules.os_versions import WINDOWS_SERVER_RELEASES, compare_os_versions, parse_os_version

PARSED = [
    ("Microsoft Windows Server 2016 Datacenter", OsType.WINDOWS, "windows-server", "2016"),
    ("Windows Server 2012 R2 Standard", OsType.WINDOWS, "windows-server", "2012 R2"),
    ("Windows Server 2008 R2 Standard SP1", OsType.WINDOWS, "windows-server", "2008 R2"),
    ("Microsoft Windows Server 2022 (64-bit)", OsType.WINDOWS, "windows-server", "2022"),
    ("windows2019srv_64Guest", OsType.WINDOWS, "windows-server", "2019"),
    ("windows2019srvNext_64Guest", OsType.WINDOWS, "windows-server", "2022"),
    ("windows9Server64Guest", OsType.WINDOWS, "windows-server", "2016"),
]


@pytest.mark.parametrize(("text", "family", "distribution", "release"), PARSED)
def test_windows_parsing(text: str, family: OsType, distribution: str, release: str) -> None:
    version = parse_os_version(text)
    assert version is not None
    assert (version.family, version.distribution) == (family, distribution)
    assert str(version) == f"Windows Server {release}"


LINUX = [
    ("RHEL7-64", "rhel", 7, None),
    ("Red Hat Enterprise Linux 8.6 (Ootpa)", "rhel", 8, 6),
    ("rhel8_64Guest", "rhel", 8, None),
    ("UBUNTU-16.04-64", "ubuntu", 16, 4),
    ("Ubuntu 20.04.6 LTS", "ubuntu", 20, 4),
    ("SLES12-SP4-64", "sles", 12, 4),
    ("OL7-64", "oracle", 7, None),
    ("CentOS Linux 7.9.2009", "centos", 7, 9),
    ("Debian GNU/Linux 11", "debian", 11, None),
]


@pytest.mark.parametrize(("text", "distribution", "major", "minor"), LINUX)
def test_linux_parsing(text: str, distribution: str, major: int, minor: int | None) -> None:
    version = parse_os_version(text)
    assert version is not None
    assert version.family is OsType.LINUX
    assert (version.distribution, version.major, version.minor) == (distribution, major, minor)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "Windows 10 Enterprise",
        "FreeBSD 13",
        "Windows Server 2016 R2",
        "Microsoft Windows Server 2016 or later (64-bit)",
    ],
)
def test_unplaceable_versions(text: str | None) -> None:
    assert parse_os_version(text) is None


def test_windows_release_order_is_the_articles() -> None:
    ordered = [
        "Windows Server 2008 R2",
        "Windows Server 2012",
        "Windows Server 2012 R2",
        "Windows Server 2016",
        "Windows Server 2019",
        "Windows Server 2022",
        "Windows Server 2025",
    ]
    parsed = [parse_os_version(text) for text in ordered]
    for older, newer in itertools.pairwise(parsed):
        assert older is not None
        assert newer is not None
        assert compare_os_versions(older, newer) == -1
        assert compare_os_versions(newer, older) == 1


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("RHEL 7.9", "RHEL 7.6", 1),
        ("RHEL 7.6", "RHEL 8.2", -1),
        ("RHEL 7.9", "Red Hat Enterprise Linux 7.9", 0),
        ("RHEL7-64", "RHEL 7.9", None),  # minor unknown on one side of the same major
        ("RHEL7-64", "RHEL 8.1", -1),  # majors differ: the minor does not matter
        ("RHEL 8.6", "CentOS Linux 7.9", None),  # different distributions
        ("UBUNTU-20.04-64", "Windows Server 2019", None),  # different families
    ],
)
def test_linux_comparisons(left: str, right: str, expected: int | None) -> None:
    a, b = parse_os_version(left), parse_os_version(right)
    assert a is not None
    assert b is not None
    assert compare_os_versions(a, b) == expected


releases = st.sampled_from(WINDOWS_SERVER_RELEASES)
linux_texts = st.builds(
    lambda distro, major, minor: f"{distro} {major}" + ("" if minor is None else f".{minor}"),
    st.sampled_from(["RHEL", "Ubuntu", "SLES", "CentOS Linux"]),
    st.integers(min_value=5, max_value=30),
    st.none() | st.integers(min_value=0, max_value=20),
)


@given(releases, releases)
def test_windows_order_matches_the_release_list(a: str, b: str) -> None:
    left, right = parse_os_version(f"Windows Server {a}"), parse_os_version(f"Windows Server {b}")
    assert left is not None
    assert right is not None
    index_a, index_b = WINDOWS_SERVER_RELEASES.index(a), WINDOWS_SERVER_RELEASES.index(b)
    assert compare_os_versions(left, right) == (index_a > index_b) - (index_a < index_b)


@given(linux_texts, linux_texts)
def test_linux_comparison_is_antisymmetric(a: str, b: str) -> None:
    left, right = parse_os_version(a), parse_os_version(b)
    assert left is not None
    assert right is not None
    forward, backward = compare_os_versions(left, right), compare_os_versions(right, left)
    if forward is None:
        assert backward is None
    else:
        assert backward == -forward
    if left.distribution != right.distribution:
        assert forward is None


@given(linux_texts, linux_texts, linux_texts)
def test_linux_comparison_is_transitive(a: str, b: str, c: str) -> None:
    x, y, z = (parse_os_version(t) for t in (a, b, c))
    assert x is not None
    assert y is not None
    assert z is not None
    if compare_os_versions(x, y) == -1 and compare_os_versions(y, z) == -1:
        assert compare_os_versions(x, z) == -1
