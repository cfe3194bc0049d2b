from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from klientura.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("KLIENTURA_FILES_DIR", str(tmp_path / "files"))  # the demo's quotes
    return tmp_path


def test_every_command_exists_on_import_alone_and_bad_settings_are_a_readable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh interpreter that only imports the app (main() never runs) knows every command."""
    code = (
        "from typer.testing import CliRunner; from klientura.cli import app; "
        "print(*(CliRunner().invoke(app, [c, '--help']).exit_code for c in "
        "('init', 'serve', 'demo', 'sync', 'worker', 'send', 'db', 'user', 'apikey', 'import', 'dedup', "
        "'analytics', 'clv', 'backup', 'restore', 'team')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0"] * 16, done.stdout + done.stderr
    monkeypatch.setenv("KLIENTURA_DEDUP_PRECISION", "a lot")
    r = CliRunner().invoke(app, ["dedup", "scan"])
    assert r.exit_code == 2 and "KLIENTURA_DEDUP_PRECISION" in r.output, r.output
    monkeypatch.delenv("KLIENTURA_DEDUP_PRECISION")
    for name, bad in (("TIMEZONE", "Mars/Phobos"), ("DEFAULT_REGION", "ZZ"), ("CURRENCY", "XYZ")):
        monkeypatch.setenv(f"KLIENTURA_{name}", bad)  # the shop's context: refused before anything runs
        r = CliRunner().invoke(app, ["serve", "--port", "1"])
        assert r.exit_code == 2 and f"KLIENTURA_{name}" in r.output and bad in r.output, r.output
        monkeypatch.delenv(f"KLIENTURA_{name}")


def test_import_reports_rows_dry_run_writes_nothing_and_reimport_changes_nothing(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    f = env / "c.csv"
    f.write_text("ФИО;Телефон\nИванов Иван;89123456789\nПлохой;123\n", encoding="utf-8")
    dry = runner.invoke(app, ["import", "customers", str(f), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["created"] == 1
    real = json.loads(runner.invoke(app, ["import", "customers", str(f), "--json"]).stdout)
    assert (real["created"], real["rejected"]) == (1, 1)  # the dry run wrote nothing
    assert real["rejections"][0]["row"] == 3 and "phone" in real["rejections"][0]["reason"]
    again = json.loads(runner.invoke(app, ["import", "customers", str(f), "--json"]).stdout)
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_bad_input_is_a_readable_error_with_exit_code_2(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the shop's language (Russian by default), translated from the error's code; English when set so."""
    runner = CliRunner()
    r = runner.invoke(app, ["import", "customers", str(env / "missing.csv")])
    assert r.exit_code == 2 and "файл не найден" in r.output
    f = env / "c.csv"
    f.write_text("a;b\n1;2\n", encoding="utf-8")
    r = runner.invoke(app, ["import", "customers", str(f)])
    assert r.exit_code == 2 and "не найдено ни одной колонки с контактом" in r.output
    monkeypatch.setenv("KLIENTURA_DEFAULT_LOCALE", "en")
    r = runner.invoke(app, ["import", "customers", str(f)])
    assert r.exit_code == 2 and "no identity column" in r.output


def test_demo_builds_a_small_chain(env: Path) -> None:
    r = CliRunner().invoke(app, ["demo", "--customers", "400", "--deals", "1500", "--no-serve"])
    assert r.exit_code == 0, r.output
    assert "admin@klientura.local" in r.output and "built 400 customers" in r.output
    assert "head@klientura.local" in r.output and "1,500 deals" in r.output
    quoted = re.search(r"(\d+) quotes", r.output)
    assert quoted is not None and int(quoted.group(1)) >= 5  # the deals at the quote stage got their PDF
    assert "segments computed for" in r.output and "valued with BG/NBD" in r.output
    assert "a seasonal sale campaign" in r.output and "four scenarios" in r.output
    from sqlalchemy import func, select

    from klientura.analytics import CustomerScore
    from klientura.db import command_session

    with command_session(f"sqlite:///{env / 'cli.db'}") as session:
        temps = dict(
            session.execute(select(CustomerScore.temperature, func.count()).group_by(CustomerScore.temperature)).all()
        )
    assert set(temps) == {"hot", "warm", "cold"} and temps["hot"] > temps["warm"] > 0  # events and non-buyers
    with command_session(f"sqlite:///{env / 'cli.db'}") as session:  # the value of the base, checked on a holdout
        from klientura.analytics import ClvFit, CustomerClv

        valued = session.scalar(select(func.count()).select_from(CustomerClv)) or 0
        assert 0.95 * temps["hot"] < valued <= temps["hot"]  # buyers, less those whose every order came back
        assert session.scalar(select(func.count()).where(ClvFit.holdout_end.is_not(None))) == 1
    with command_session(f"sqlite:///{env / 'cli.db'}") as session:  # members with ledgers that add up
        from klientura import loyalty
        from klientura.audit import SYSTEM
        from klientura.loyalty.effectiveness import effectiveness

        assert loyalty.check(session).ok and "members" in r.output
        report = effectiveness(session, SYSTEM)
        assert report.members.customers > 50 and report.non_members.customers > 10
        assert report.members.frequency > report.non_members.frequency  # the frequent join more often
        assert sum(f.redeemed for f in report.flows) > 0 and sum(f.expired for f in report.flows) > 0
        assert report.liability.usable > 0 and report.liability.breakage is not None
        from klientura.analytics import Warehouse, default_path

        url = f"sqlite:///{env / 'cli.db'}"
        with Warehouse(
            default_path(url), url, read_only=True, timezone="Europe/Moscow"
        ) as wh:  # the same from the warehouse's columns
            fast = effectiveness(session, SYSTEM, wh=wh)
        assert (fast.members.customers, fast.non_members.customers) == (
            report.members.customers,
            report.non_members.customers,
        )
        assert abs(fast.members.revenue - report.members.revenue) < 0.1 * report.members.revenue  # net of returns


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["send", "--once"], ["worker", "--once"]])
def test_servers_refuse_the_default_or_a_short_key(
    command: list[str], env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLIENTURA_SECRET_KEY", raising=False)
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 2 and "KLIENTURA_SECRET_KEY" in r.output and "default" in r.output, r.output
    monkeypatch.setenv("KLIENTURA_SECRET_KEY", "fifteen-bytes!!")
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 2 and "32 bytes" in r.output, r.output


def test_the_sender_needs_the_public_address(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its messages' unsubscribe and click links point at KLIENTURA_PUBLIC_URL; without it, nothing is sent."""
    monkeypatch.setenv("KLIENTURA_SECRET_KEY", "a-test-key-long-enough-for-a-server-0123456789")
    monkeypatch.setenv("KLIENTURA_SMTP_HOST", "127.0.0.1")
    monkeypatch.delenv("KLIENTURA_PUBLIC_URL", raising=False)
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    r = CliRunner().invoke(app, ["send", "--once"])
    assert r.exit_code == 2 and "KLIENTURA_PUBLIC_URL" in r.output, r.output


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["send", "--once"], ["worker", "--once"]])
def test_servers_refuse_a_store_behind_the_code_or_out_of_reach(
    command: list[str], env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rather than answering every request with an error about a missing column."""
    monkeypatch.setenv("KLIENTURA_SECRET_KEY", "a-test-key-long-enough-for-a-server-0123456789")
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 2 and "klientura db upgrade" in r.output, r.output
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 2 and "хранилище недоступно" in r.output, r.output  # in the shop's language


def test_the_demo_makes_its_own_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from klientura.cli.common import demo_secret

    monkeypatch.delenv("KLIENTURA_SECRET_KEY", raising=False)
    path = tmp_path / "var" / "secret.key"
    ctx = typer.Context(typer.main.get_command(app))
    first = demo_secret(ctx, path)
    assert first.weak_secret() is None and path.stat().st_mode & 0o777 == 0o600
    again = demo_secret(typer.Context(typer.main.get_command(app)), path)
    assert again.secret_key == first.secret_key == path.read_text().strip()


def test_users_and_keys_are_managed_from_the_command_line(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--email", "boss@shop.ru", "--password", "password123"]).exit_code == 0
    made = runner.invoke(app, ["user", "create", "ann@shop.ru", "--role", "manager", "--password", "password123"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["user", "password", "ann@shop.ru", "--password", "short"]).exit_code == 2
    reset = runner.invoke(app, ["user", "password", "ann@shop.ru", "--password", "a longer one"])
    assert reset.exit_code == 0 and "0 session(s) ended" in reset.output, reset.output
    off = runner.invoke(app, ["user", "deactivate", "ann@shop.ru"])
    assert off.exit_code == 0 and "deactivated" in off.output
    listed = runner.invoke(app, ["user", "list"]).output
    assert "ann@shop.ru\tmanager\tdeactivated" in listed and "boss@shop.ru\tadmin\tactive" in listed
    assert runner.invoke(app, ["user", "deactivate", "nobody@shop.ru"]).exit_code == 2
    token = runner.invoke(app, ["apikey", "create", "pos", "-s", "orders:write"]).output.strip()
    assert token.startswith("kl_")
    assert "\tactive" in runner.invoke(app, ["apikey", "list"]).output
    assert runner.invoke(app, ["apikey", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["apikey", "list"]).output
    assert runner.invoke(app, ["apikey", "revoke", "99"]).exit_code == 2


def test_teams_under_heads_are_managed_from_the_command_line(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    for email, role in (("head@shop.ru", "head"), ("ann@shop.ru", "manager"), ("bob@shop.ru", "manager")):
        made = runner.invoke(app, ["user", "create", email, "--role", role, "--password", "password123"])
        assert made.exit_code == 0, made.output
    not_head = runner.invoke(app, ["team", "create", "Опт", "--head", "ann@shop.ru"])
    assert not_head.exit_code == 2 and "head" in not_head.output
    assert runner.invoke(app, ["team", "create", "Опт", "--head", "head@shop.ru"]).exit_code == 0
    assert runner.invoke(app, ["team", "create", "Опт"]).exit_code == 2  # the name is taken
    staffed = runner.invoke(app, ["team", "set", "Опт", "-m", "ann@shop.ru", "-m", "bob@shop.ru"])
    assert staffed.exit_code == 0 and "2 members" in staffed.output, staffed.output
    listed = runner.invoke(app, ["team", "list"]).output
    assert "Опт\thead@shop.ru\tann@shop.ru, bob@shop.ru" in listed, listed
    assert runner.invoke(app, ["team", "set", "Нет такой", "-m", "ann@shop.ru"]).exit_code == 2
    told = runner.invoke(app, ["user", "telegram", "ann@shop.ru", "123456789"])
    assert told.exit_code == 0 and "Telegram chat 123456789" in told.output, told.output
    wrong = runner.invoke(app, ["user", "telegram", "ann@shop.ru", "@ann"])
    assert wrong.exit_code == 2 and "Telegram" in wrong.output, wrong.output
    assert "e-mail" in runner.invoke(app, ["user", "telegram", "ann@shop.ru"]).output  # back to e-mail
