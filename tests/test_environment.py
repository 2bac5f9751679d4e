"""Dependencies are declared once per ecosystem and the declarations agree."""
import re

import yaml
from fixtures import REPO


def pins(lines):
    return dict(re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)$", line).groups()
                for line in lines if re.match(r"^[A-Za-z0-9_.\-]+==", line))


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_pins_exactly_the_requirements():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins(pip_section) == requirements
    assert "python=3.11" in env["dependencies"]


def test_the_lock_agrees_with_every_direct_pin():
    requirements = {normalise(k): v for k, v in pins((REPO / "requirements.txt").read_text().splitlines()).items()}
    lock = {normalise(k): v for k, v in pins((REPO / "constraints.txt").read_text().splitlines()).items()}
    assert {k: lock.get(k) for k in requirements} == requirements
