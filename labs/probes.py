"""Container probes: what the kubelet runs, and what the lab expects each probe to find."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from labs.model import Model, Port
from labs.pod import Manifest

Expectation = Literal["auto", "afterServerStart", "always", "never", "timeout"]


class HttpGetAction(Model):
    path: str = Field("/", pattern=r"^/", description="URL path the kubelet requests")
    port: Port | None = Field(None, description="port to request; unset means the server's port")


class TcpSocketAction(Model):
    port: Port | None = Field(None, description="port to connect to; unset means the server's port")


class ExecAction(Model):
    command: list[str] = Field(min_length=1, description="command run inside the container; exit 0 is success")


class Probe(Model):
    """One probe: exactly one action plus the kubelet's timing knobs (Kubernetes defaults)."""

    http_get: HttpGetAction | None = Field(None, description="HTTP GET `{path, port}`; 200-399 is success")
    tcp_socket: TcpSocketAction | None = Field(None, description="TCP connect `{port}`; an open port is success")
    exec: ExecAction | None = Field(None, description="`{command: [...]}` run in the container; exit 0 is success")
    initial_delay_seconds: int = Field(0, ge=0, le=3600, description="wait after container start")
    period_seconds: int = Field(10, ge=1, le=3600, description="time between probes")
    timeout_seconds: int = Field(1, ge=1, le=3600, description="time a probe may take")
    failure_threshold: int = Field(3, ge=1, le=1000, description="consecutive failures that count")
    success_threshold: int = Field(1, ge=1, le=1000, description="consecutive successes that count")
    expect: Expectation = Field(
        "auto",
        description=(
            "what the probe finds, for the timeline only: 'auto' means httpGet on '/' or tcpSocket "
            "on the server's port succeeds once the server listens, anything else fails"
        ),
    )

    @model_validator(mode="after")
    def _exactly_one_action(self) -> Probe:
        actions = {"httpGet": self.http_get, "tcpSocket": self.tcp_socket, "exec": self.exec}
        given = [name for name, action in actions.items() if action is not None]
        if len(given) != 1:
            raise ValueError(f"a probe needs exactly one of httpGet, tcpSocket or exec (got {given or 'none'})")
        return self

    def manifest(self, server_port: int) -> Manifest:
        action: Manifest
        if self.http_get is not None:
            action = http_get(self.http_get.path, self.http_get.port or server_port)
        elif self.tcp_socket is not None:
            action = tcp_socket(self.tcp_socket.port or server_port)
        else:
            assert self.exec is not None
            action = exec_command(*self.exec.command)
        return probe_manifest(
            action,
            initial_delay_seconds=self.initial_delay_seconds,
            period_seconds=self.period_seconds,
            timeout_seconds=self.timeout_seconds,
            failure_threshold=self.failure_threshold,
            success_threshold=self.success_threshold,
        )

    def resolved_expectation(self, server_port: int) -> Expectation:
        """'auto' made concrete: the lab's server answers on its port at '/' and nowhere else."""
        if self.expect != "auto":
            return self.expect
        if self.http_get is not None:
            on_server = (self.http_get.port or server_port) == server_port
            return "afterServerStart" if on_server and self.http_get.path == "/" else "never"
        if self.tcp_socket is not None:
            return "afterServerStart" if (self.tcp_socket.port or server_port) == server_port else "never"
        return "never"


def http_get(path: str, port: int) -> Manifest:
    return {"httpGet": {"path": path, "port": port}}


def tcp_socket(port: int) -> Manifest:
    return {"tcpSocket": {"port": port}}


def exec_command(*command: str) -> Manifest:
    return {"exec": {"command": list(command)}}


def probe_manifest(
    action: Manifest,
    *,
    initial_delay_seconds: int,
    period_seconds: int,
    timeout_seconds: int,
    failure_threshold: int,
    success_threshold: int,
) -> Manifest:
    """Every probe a lab writes, configured or fixed: its action, then each timing field spelled out."""
    return {
        **action,
        "initialDelaySeconds": initial_delay_seconds,
        "periodSeconds": period_seconds,
        "timeoutSeconds": timeout_seconds,
        "failureThreshold": failure_threshold,
        "successThreshold": success_threshold,
    }
