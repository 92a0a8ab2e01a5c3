"""Dagster's long-running services started the way a user starts them, and their GraphQL API.

`Services` starts one or more commands in their own process groups, waits until the
webserver answers, and stops everything it started (the whole group, so the code server and
any run they spawned go too). `GraphQL` speaks to the webserver with the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GraphQL:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/graphql"

    def __call__(self, query: str, **variables: Any) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            self.url, body, {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert not answer.get("errors"), answer["errors"]
        return answer["data"]

    def answers(self) -> bool:
        try:
            return "version" in self("{ version }")
        except (urllib.error.URLError, ConnectionError, OSError, AssertionError):
            return False

    def repository(self) -> dict:
        """The one code location's repository: its name, location, jobs, sensors, schedules."""
        data = self(
            """{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
                 name location { name } jobs { name }
                 sensors { name sensorState { status } } schedules { name } } }
                 ... on PythonError { message } } }"""
        )["repositoriesOrError"]
        assert data["__typename"] == "RepositoryConnection", data
        (repo,) = data["nodes"]
        return repo

    def launch(self, repo: dict, job: str) -> str:
        result = self(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
                 __typename ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message } ... on InvalidStepError { invalidStepKey }
                 ... on RunConfigValidationInvalid { errors { message } } } }""",
            params={
                "selector": {
                    "repositoryLocationName": repo["location"]["name"],
                    "repositoryName": repo["name"],
                    "jobName": job,
                },
                "runConfigData": {},
            },
        )["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def wait_for_run(self, run_id: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self(
                "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                id=run_id,
            )["runOrError"]["status"]
            if status in ("SUCCESS", "FAILURE", "CANCELED"):
                return status
            time.sleep(2)
        raise TimeoutError(f"run {run_id} did not finish in {timeout:.0f}s")

    def run_logs(self, run_id: str) -> list[str]:
        data = self(
            """query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection {
                 events { ... on MessageEvent { message } } } } }""",
            id=run_id,
        )
        return [e.get("message", "") for e in data["logsForRun"]["events"]]

    def sensor_ticks(self, repo: dict, sensor: str) -> list[dict]:
        data = self(
            """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor {
                 sensorState { ticks(limit: 20) {
                   status skipReason runIds error { message } } } } } }""",
            s={
                "repositoryLocationName": repo["location"]["name"],
                "repositoryName": repo["name"],
                "sensorName": sensor,
            },
        )
        return data["sensorOrError"]["sensorState"]["ticks"]


class Services:
    """Commands started in their own process groups, output to files under `logs`."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: list[subprocess.Popen] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
        out = (self.logs / f"{name}.log").open("w")
        self.procs.append(
            subprocess.Popen(
                args,
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )

    def wait_until(self, ready, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a service stopped (exit {proc.returncode}): {self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the services did not answer in {timeout:.0f}s: {self.tail()}")
            time.sleep(1)

    def tail(self) -> str:
        return " | ".join(
            p.read_text(errors="replace")[-1500:] for p in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            for proc in self.procs:
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, sig)
            deadline = time.monotonic() + wait
            while any(p.poll() is None for p in self.procs) and time.monotonic() < deadline:
                time.sleep(0.5)
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers left in the group
