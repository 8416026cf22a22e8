"""Real app servers for tests: gunicorn processes with the production settings, sharing one
PostgreSQL database and one Redis, and a visitor that talks to them the way a browser behind a
TLS-terminating load balancer does.

The listening sockets are opened here and handed to gunicorn (`--bind fd://N`): a request sent
before gunicorn is ready simply waits in the socket's queue, so nothing polls or sleeps.
"""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

from tests.production.environment import REPO, production_env

# The name a load balancer would forward: every server answers to it.
PUBLIC_HOST = "confer.upe.example"


class DedicatedDatabase:
    """A PostgreSQL database of its own, created empty and dropped afterwards."""

    def __init__(self, server_url: str, name: str):
        self.server_url = server_url
        self.name = name
        self.url = urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.server_url, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class AppServer:
    """One gunicorn instance on its own loopback port."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, workers: int = 1):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self._socket.getsockname()[1]
        fd = self._socket.fileno()
        os.set_inheritable(fd, True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "upe_confer.wsgi"],
            cwd=REPO,
            env={**env, "GUNICORN_BIND": f"fd://{fd}", "WEB_CONCURRENCY": str(workers)},
            pass_fds=[fd],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        # gunicorn holds the socket now; ours would keep the port open after it stops.
        self._socket.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass
class Page:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class FormParser(HTMLParser):
    """The fields of the page's forms, as a browser would submit them unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self.forms.append({})
        elif tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._add(name, attributes.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline right after <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def form_fields(html: str, index: int = -1) -> dict[str, list[str]]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms[index]


@dataclass
class Visitor:
    """A browser behind the load balancer: keeps its cookies whichever server answers."""

    cookies: dict[str, str] = field(default_factory=dict)
    # What the load balancer says after terminating TLS; None: a plain HTTP request.
    forwarded_proto: str | None = "https"

    def request(
        self,
        server: AppServer,
        method: str,
        path: str,
        form: dict | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Page:
        headers = {"Host": PUBLIC_HOST, "Accept-Encoding": "gzip", **(extra_headers or {})}
        if self.forwarded_proto:
            headers["X-Forwarded-Proto"] = self.forwarded_proto
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{PUBLIC_HOST}"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        text = "" if response.headers.get("Content-Encoding") else raw.decode(errors="replace")
        return Page(response.status, response.headers, text)

    def get(self, server: AppServer, path: str, headers: dict[str, str] | None = None) -> Page:
        return self.request(server, "GET", path, extra_headers=headers)

    def open_form(self, server: AppServer, path: str) -> dict[str, list[str]]:
        """The fields of the page's (last) form, as shown: keep them to submit later."""
        page = self.get(server, path)
        assert page.status == 200, (path, page.status)
        return form_fields(page.text)

    def send_form(
        self, server: AppServer, path: str, fields: dict, changes: dict | None = None
    ) -> Page:
        fields = {**fields, **{key: [value] for key, value in (changes or {}).items()}}
        return self.request(server, "POST", path, form=fields)

    def submit(self, server: AppServer, path: str, changes: dict | None = None) -> Page:
        """Open the page's form, change some fields, and post it: what a person does.

        For two people editing at once, `open_form` for both first, then `send_form` each."""
        return self.send_form(server, path, self.open_form(server, path), changes)

    def post(self, server: AppServer, path: str, fields: dict | None = None) -> Page:
        """Post like a button in a page would (with the CSRF token of the cookie)."""
        token = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request(server, "POST", path, form={**token, **(fields or {})})

    def sign_in(self, server: AppServer, username: str, password: str) -> Page:
        page = self.submit(server, "/accounts/login/", {"username": username, "password": password})
        assert page.status == 302, f"sign-in failed: {page.status}"
        return page


def cluster_environment(database_url: str, redis_url: str, static_root: Path) -> dict[str, str]:
    """The environment every app server of one deployment shares."""
    return production_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"test-{secrets.token_hex(6)}",
        ALLOWED_HOSTS=PUBLIC_HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{PUBLIC_HOST}",
        BEHIND_PROXY="true",
        STATIC_ROOT=str(static_root),
    )
