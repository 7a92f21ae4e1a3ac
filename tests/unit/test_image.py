"""The Dockerfile and its lock: two stages, slim, numeric user, dependencies pinned, named as deployed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _lock() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_two_stages_on_a_slim_python_and_only_the_virtualenv_carried_over() -> None:
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", DOCKERFILE, flags=re.MULTILINE)
    assert len(stages) == 2
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+-slim", DOCKERFILE, flags=re.MULTILINE)
    final = DOCKERFILE.split("\nFROM ")[-1]
    assert re.findall(r"^COPY (.*)$", final, flags=re.MULTILINE) == [
        "--from=build /opt/failback-operator /opt/failback-operator"
    ]
    assert "RUN " not in final  # no package manager, no compiler in the image that runs
    assert re.search(r"^USER \d+:\d+$", final, flags=re.MULTILINE)


def test_the_image_runs_as_the_user_the_chart_and_kustomize_declare() -> None:
    [user] = re.findall(r"^USER (\d+):(\d+)$", DOCKERFILE, flags=re.MULTILINE)
    values = yaml.safe_load((ROOT / "charts/failback-operator/values.yaml").read_text())
    assert (str(values["runAsUser"]), str(values["runAsGroup"])) == user
    base = yaml.safe_load((ROOT / "manifests/base/deployment.yaml").read_text())
    context = base["spec"]["template"]["spec"]["securityContext"]
    assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user


def test_chart_and_kustomize_default_to_the_image_make_builds() -> None:
    makefile = (ROOT / "Makefile").read_text()
    [image] = re.findall(r"^IMAGE \?= (\S+)$", makefile, flags=re.MULTILINE)
    chart = yaml.safe_load((ROOT / "charts/failback-operator/Chart.yaml").read_text())
    values = yaml.safe_load((ROOT / "charts/failback-operator/values.yaml").read_text())
    assert f"{values['image']['repository']}:{chart['appVersion']}" == image
    base = yaml.safe_load((ROOT / "manifests/base/deployment.yaml").read_text())
    [container] = base["spec"]["template"]["spec"]["containers"]
    assert container["image"] == image


def test_every_runtime_dependency_is_pinned_within_what_pyproject_allows() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock()
    for declared in project["dependencies"]:
        requirement = Requirement(declared)
        name = _canonical(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(pins[name]), (name, pins[name], str(requirement.specifier))
    dev = {_canonical(Requirement(r).name) for r in project["optional-dependencies"]["dev"]}
    assert not dev & set(pins), "development tools do not belong in the image"
