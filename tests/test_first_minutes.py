"""A newcomer's first minutes: `make run` on the port they ask for, the demo passwords shown
last and renewable, and a start with no warnings to puzzle over."""

import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from kneeapp.management.commands.run_embedded import Command as RunEmbedded
from kneeapp.management.commands.run_embedded import local_url, split_addr
from kneeapp.management.commands.seed_demo import DEMO_ACCOUNTS
from kneeapp.models import User

SHOWN = re.compile(r"^\|\s+(\S+@\S+)\s+password: (\S+)\s", re.MULTILINE)
BOX = re.compile(r"^\+-+\+\n(?:\|.*\|\n)+\+-+\+$", re.MULTILINE)


def shown_passwords(output: str) -> dict[str, str]:
    return dict(SHOWN.findall(output))


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def signs_in(email, password) -> bool:
    return authenticate(None, username=email, password=password) is not None


def test_seed_demo_shows_the_new_accounts_and_passwords_last_in_a_box(db):
    output = run("seed_demo")
    box = output.rstrip().splitlines()[-9:]
    assert box[0].startswith("+-") and box[-1].startswith("+-")
    assert all(line.startswith("|") and line.endswith("|") for line in box[1:-1])
    passwords = shown_passwords("\n".join(box))
    assert passwords.keys() == DEMO_ACCOUNTS.keys()
    for email, password in passwords.items():
        assert signs_in(email, password)
        assert password not in User.objects.get(email=email).password  # only a hash is kept
    again = run("seed_demo")  # idempotent: nothing new, no password, how to get new ones
    assert not shown_passwords(again)
    assert "demo_passwords" in again
    assert all(signs_in(email, password) for email, password in passwords.items())


def test_demo_passwords_sets_new_ones_that_sign_in_and_prints_every_account(db):
    first = shown_passwords(run("seed_demo"))
    renewed = shown_passwords(run("demo_passwords"))
    assert renewed.keys() == DEMO_ACCOUNTS.keys()
    again = shown_passwords(run("demo_passwords"))
    assert again.keys() == DEMO_ACCOUNTS.keys()
    for email in DEMO_ACCOUNTS:
        assert len({first[email], renewed[email], again[email]}) == 3
        assert signs_in(email, again[email])
        assert not signs_in(email, renewed[email])
        assert not signs_in(email, first[email])
    assert User.objects.count() == len(DEMO_ACCOUNTS)


def test_demo_passwords_without_demo_accounts_says_how_to_make_them(db):
    with pytest.raises(CommandError, match="seed_demo"):
        run("demo_passwords")


def test_run_embedded_takes_an_address_like_runserver():
    parser = RunEmbedded().create_parser("manage.py", "run_embedded")
    assert parser.parse_args([]).addr == "127.0.0.1:8000"
    options = parser.parse_args(["--addr", "0.0.0.0:8001", "--demo"])
    assert (options.addr, options.demo) == ("0.0.0.0:8001", True)
    assert split_addr("8001") == ("127.0.0.1", 8001)
    assert split_addr("[::1]:8002") == ("::1", 8002)
    assert local_url("0.0.0.0:8001") == "http://127.0.0.1:8001/"
    with pytest.raises(CommandError):
        split_addr("localhost:http")


def test_make_run_passes_port_and_addr_with_addr_winning():
    def dry_run(*variables):
        result = subprocess.run(
            ["make", "-n", "run", *variables],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return re.search(r"run_embedded --addr '?([^' ]+)'? --demo", result.stdout).group(1)

    assert dry_run() == "127.0.0.1:8000"
    assert dry_run("PORT=8001") == "127.0.0.1:8001"
    assert dry_run("ADDR=0.0.0.0:8002", "PORT=8001") == "0.0.0.0:8002"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_clean_start_serves_on_the_port_given_shows_the_passwords_last_and_no_warnings(
    tmp_path,
):
    # What a newcomer's machine has: SQLite and the filesystem broker under a fresh var/.
    leave_out = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in leave_out}
    env["KNEEAPP_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    addr = f"127.0.0.1:{free_port()}"
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [*manage, "run_embedded", "--addr", addr, "--demo"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not BOX.search(log.read_text()):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://{addr}/", timeout=10) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    output = log.read_text()
    started, _, stopped = output.partition(f"kneeapp is running on http://{addr}/")
    assert started and "kneeapp stopped." in stopped
    assert " ready." in started  # the worker was up before the box
    for puzzling in ("Warning", "WARNING", "No hostname was supplied", "superuser"):
        assert puzzling not in output
    # The box comes right after, once everything is up, with a working password for each.
    box = BOX.search(stopped)
    assert box and stopped[: box.start()].strip() == "(Ctrl-C stops it)"
    passwords = shown_passwords(box.group())
    assert passwords.keys() == DEMO_ACCOUNTS.keys()
    with sqlite3.connect(tmp_path / "kneeapp.sqlite3") as database:
        hashes = dict(database.execute("select email, password from kneeapp_user"))
    assert all(check_password(passwords[email], hashes[email]) for email in DEMO_ACCOUNTS)
