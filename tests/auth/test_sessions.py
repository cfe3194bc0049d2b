"""Sessions that can end, keys that cannot be forged, passwords that cannot be guessed (issue 17, items 1, 6, 7)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.auth import User, set_active, set_password
from klientura.auth.passwords import HASHER, verify_password
from klientura.auth.service import create_user
from klientura.config import DEFAULT_SECRET, Settings
from tests.factories import SHOP

PASSWORD = "password123"


@pytest.fixture
def admin(app_session: Session) -> User:
    user = create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", PASSWORD)
    app_session.commit()
    return user


def _login(client: TestClient, email: str = "admin@test.local", password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _cookie(payload: dict[str, Any], key: str, age: float = 0) -> str:
    """A session cookie as Starlette signs it (base64 JSON, timestamp-signed), made ``age`` seconds ago."""
    signer = TimestampSigner(key)
    signer.get_timestamp = lambda: int(time.time() - age)  # type: ignore[method-assign]
    return signer.sign(base64.b64encode(json.dumps(payload).encode())).decode()


def _use(client: TestClient, cookie: str | None) -> None:
    """Send ``cookie`` as the session cookie from now on (and no other)."""
    client.cookies.clear()
    client.cookies.set("klientura_session", cookie or "")


def test_each_purpose_has_its_own_key_and_the_default_key_is_weak() -> None:
    settings = Settings(secret_key="x" * 48)
    keys = {settings.key("session"), settings.key("links"), settings.key("hooks")}
    assert len(keys) == 3 and settings.secret_key not in keys
    assert Settings(secret_key="y" * 48).key("session") != settings.key("session")
    assert settings.weak_secret() is None
    assert "default" in (Settings(secret_key=DEFAULT_SECRET).weak_secret() or "")
    assert "32 bytes" in (Settings(secret_key="short-but-not-default").weak_secret() or "")


def test_a_forged_cookie_is_nobody(app_factory: Any, admin: User) -> None:
    """A cookie signed with the (once default) key and naming a user was an admin session: now the cookie must name a
    session the store holds open, and the cookie key is not the root key."""
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        for key in ("test-secret", Settings(secret_key="test-secret").key("session")):
            _use(client, _cookie({"user_id": admin.id, "sid": "guessed"}, key))
            assert client.get("/api/v1/me").status_code == 401
            assert client.get("/customers", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app_factory: Any, admin: User) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        assert _login(client).status_code == 200
        stolen = client.cookies.get("klientura_session")
        assert client.get("/api/v1/me").status_code == 200
        assert client.post("/api/v1/auth/logout").status_code == 204
        _use(client, stolen)  # replayed after the logout
        assert client.get("/api/v1/me").status_code == 401


def test_a_login_starts_a_new_session_and_ends_the_one_before(app_factory: Any, admin: User) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        _login(client)
        first = client.cookies.get("klientura_session")
        _login(client)
        second = client.cookies.get("klientura_session")
        assert client.get("/api/v1/me").status_code == 200
        _use(client, first)
        assert client.get("/api/v1/me").status_code == 401
        _use(client, second)
        assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("how", ["password", "deactivation"])
def test_a_new_password_or_deactivation_ends_every_session(
    how: str, app_factory: Any, app_session: Session, admin: User
) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as one, TestClient(app_factory()) as two:
        _login(one), _login(two)
        assert one.get("/api/v1/me").status_code == two.get("/api/v1/me").status_code == 200
        user = app_session.get(User, admin.id)
        assert user is not None
        if how == "password":
            assert set_password(app_session, SYSTEM, user, "a new password 1", SHOP.now()) == 2
        else:
            assert set_active(app_session, SYSTEM, user, False, SHOP.now()) == 2
        app_session.commit()
        assert one.get("/api/v1/me").status_code == two.get("/api/v1/me").status_code == 401
        if how == "password":
            assert _login(one, password=PASSWORD).status_code == 401
            assert _login(one, password="a new password 1").status_code == 200


def test_an_idle_session_ends(app_factory: Any, admin: User) -> None:
    """The cookie is re-signed on every answer; one unused for longer than the idle time is not accepted."""
    app = app_factory()
    idle = app.state.settings.session_idle_minutes * 60
    with TestClient(app, raise_server_exceptions=False) as client:
        _login(client)
        key = app.state.settings.key("session")
        raw = client.cookies.get("klientura_session")
        payload = json.loads(base64.b64decode(TimestampSigner(key).unsign(raw)))
        _use(client, _cookie(payload, key, age=idle - 60))
        assert client.get("/api/v1/me").status_code == 200  # and re-signed now
        _use(client, _cookie(payload, key, age=idle + 60))
        assert client.get("/api/v1/me").status_code == 401


def test_cookies_are_secure_when_the_public_address_is_https(app_factory: Any, admin: User) -> None:
    from klientura.app import create_app

    base = app_factory()
    settings = base.state.settings.model_copy(update={"public_url": "https://crm.shop.example"})
    app = create_app(settings, session_factory=base.state.session_factory)
    with TestClient(app, base_url="https://testserver") as client:
        r = _login(client)
        cookie = r.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "max-age=31536000" in client.get("/login").headers["strict-transport-security"]


def test_guessing_a_password_is_stopped_and_the_right_one_waits(app_factory: Any, admin: User) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        answers = [_login(client, password=f"wrong{i}").status_code for i in range(25)]
        assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
        right = _login(client)
        assert right.status_code == 429 and int(right.headers["retry-after"]) > 60
        assert right.json()["code"] == "auth.throttled"
        # another account from another address is not locked by this one
        other = _login(client, email="nobody@test.local", password="x" * 9)
        assert other.status_code == 401


def test_the_login_page_says_when_to_try_again(app_factory: Any, admin: User) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        page = client.get("/login", headers={"Accept-Language": "en"})
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        for i in range(6):
            r = client.post("/login", data={"email": "admin@test.local", "password": f"no{i}", "csrf_token": token})
        assert r.status_code == 429 and "Retry-After" in r.headers
        assert "Слишком много" in r.text or "Too many" in r.text


def test_one_address_cannot_try_many_accounts(app_factory: Any, admin: User) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        answers = [_login(client, email=f"user{i}@test.local", password="wrong-pass").status_code for i in range(32)]
        assert answers[:30] == [401] * 30 and answers[30:] == [429, 429]


def test_guessing_api_keys_is_stopped(app_factory: Any) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        answers = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer kl_{i:012x}_guess"}).status_code
            for i in range(22)
        ]
        assert answers[:20] == [401] * 20 and answers[20:] == [429, 429]


def test_an_unknown_email_costs_as_much_as_a_known_one(app_factory: Any, admin: User) -> None:
    """Unknown e-mails answered ten times faster than known ones: the dummy hash evens them out."""
    with TestClient(app_factory(), raise_server_exceptions=False) as client:

        def timed(email: str) -> float:
            started = time.perf_counter()
            _login(client, email=email, password="wrong password")
            return time.perf_counter() - started

        known = sorted(timed("admin@test.local") for _ in range(7))[3]  # medians: a busy machine's noise evens out
        unknown = sorted(timed(f"ghost{i}@test.local") for i in range(7))[3]
    assert unknown > known * 0.4, (known, unknown)  # without the dummy hash: about a tenth


def test_passwords_are_argon2id_and_old_hashes_are_upgraded_at_login(
    app_factory: Any, app_session: Session, admin: User
) -> None:
    assert admin.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    # a hash of the first scheme (scrypt, n=2^14) of "password123"
    import hashlib

    salt = bytes(range(16))
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    old = f"scrypt${salt.hex()}${digest.hex()}"
    assert verify_password(PASSWORD, old) and not verify_password("wrong", old)
    user = app_session.get(User, admin.id)
    assert user is not None
    user.password_hash = old
    app_session.commit()
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        assert _login(client).status_code == 200
    app_session.expire_all()
    stored = app_session.scalars(select(User.password_hash).where(User.id == admin.id)).one()
    assert stored.startswith("$argon2id$") and HASHER.verify(stored, PASSWORD)
