"""Test hosts: network namespaces joined by a bridge, so that each web server
and worker of a test is a host of its own, with its own address, reached
over a network as another machine would be.

Made with iproute2 (``ip netns``, veth pairs, a bridge), which needs root.
The addresses are in 198.18.0.0/15, the block set aside for testing network
devices (RFC 2544): never routed anywhere, and here only inside this
machine. The services of this machine (PostgreSQL, Redis) listen on its
loopback interface, which a namespace does not see: ``tests/relay.py``
carries them to the bridge's address. Where namespaces cannot be made,
``make_network`` returns None and the tests use loopback ports instead.
"""

import os
import shutil
import subprocess
import sys
from contextlib import suppress

from .deployment import Process


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def free_subnet():
    """A 198.18.N.0/24 that no route of this machine uses yet."""
    routes = subprocess.run(
        ["ip", "-4", "route"], capture_output=True, text=True
    ).stdout
    first = os.getpid() % 240 + 1
    for number in [*range(first, 250), *range(1, first)]:
        if f"198.18.{number}." not in routes:
            return f"198.18.{number}"
    raise RuntimeError("no free test subnet")


class Network:
    """A bridge on this machine (the hosts' gateway) and a namespace per
    host, each with an address on the bridge's subnet."""

    def __init__(self):
        self.tag = str(os.getpid() % 100000)
        self.subnet = free_subnet()
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"vtb{self.tag}"
        self.namespaces = {}
        self.addresses = {}
        self.links = []
        self.relay = None

    def build(self, names):
        tag = self.tag
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for number, name in enumerate(names, start=1):
            namespace = f"virtu{tag}-{name}"
            outside, inside = f"vth{tag}x{number}", f"vtn{tag}x{number}"
            address = f"{self.subnet}.{10 + number}"
            ip("netns", "add", namespace)
            self.namespaces[name] = namespace
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            self.links.append(outside)
            ip("link", "set", inside, "netns", namespace)
            ip("link", "set", outside, "master", self.bridge, "up")
            inside_ip = ["netns", "exec", namespace, "ip"]
            ip(*inside_ip, "addr", "add", f"{address}/24", "dev", inside)
            ip(*inside_ip, "link", "set", inside, "up")
            ip(*inside_ip, "link", "set", "lo", "up")
            self.addresses[name] = address

    def prefix(self, name):
        """The command prefix that runs a program on host ``name``."""
        return ["ip", "netns", "exec", self.namespaces[name]]

    def relay_services(self, *ports):
        """Carry this machine's loopback ``ports`` to the bridge's address."""
        pairs = [f"{self.gateway}:{port}=127.0.0.1:{port}" for port in ports]
        self.relay = Process(
            "relay", [sys.executable, "-m", "tests.relay", *pairs], os.environ.copy()
        )

    def close(self):
        if self.relay is not None:
            self.relay.stop(5)
        for namespace in self.namespaces.values():
            with suppress(subprocess.CalledProcessError):
                ip("netns", "delete", namespace)
        for link in self.links:
            with suppress(subprocess.CalledProcessError):
                ip("link", "delete", link)
        with suppress(subprocess.CalledProcessError):
            ip("link", "delete", self.bridge)


def make_network(names):
    """A ``Network`` of hosts ``names``, or None where the machine does not
    allow network namespaces (not root, no iproute2, a sandbox that
    refuses) or ``VIRTU_TEST_NETWORK=loopback`` asks for loopback ports."""
    if os.environ.get("VIRTU_TEST_NETWORK") == "loopback":
        return None  # asked for: the fallback is tested too
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None
    try:
        network = Network()
    except RuntimeError:
        return None
    try:
        network.build(names)
    except (subprocess.CalledProcessError, OSError):
        network.close()
        return None
    return network
