"""The SMS gateways (SMS.ru, SMSC.ru) against a local HTTP server answering as each does."""

from __future__ import annotations

import pytest

from klientura.channels import OutgoingMessage, SmsChannel, SmsSettings
from tests.channels.conftest import Peer

SMS = OutgoingMessage(key="c3-r17", to="+79161234567", text="Анна, ваши 300 баллов сгорят 1 декабря")


def test_smsru_sends_and_reads_its_answers(peer: tuple[Peer, str]) -> None:
    state, url = peer
    state.script = [
        (
            200,
            {
                "status": "OK",
                "status_code": 100,
                "sms": {"79161234567": {"status": "OK", "status_code": 100, "sms_id": "000000-10000001"}},
            },
            {},
        ),
        (
            200,
            {
                "status": "OK",
                "status_code": 100,
                "sms": {"79161234567": {"status": "ERROR", "status_code": 207, "status_text": "На этот номер нельзя"}},
            },
            {},
        ),
        (200, {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"}, {}),
        (502, {}, {}),
    ]
    channel = SmsChannel(SmsSettings(provider="smsru", key="API-ID", sender="Shop", base_url=url))
    sent, refused, broke, down = (channel.send(SMS) for _ in range(4))
    channel.close()
    assert sent.ok and sent.provider_id == "000000-10000001"
    assert state.requests[0][0] == "/sms/send"
    assert state.forms[0] == {"api_id": "API-ID", "to": "79161234567", "msg": SMS.text, "json": "1", "from": "Shop"}
    assert refused.status == "failed" and "207" in (refused.error or "") and refused.bounce  # this number: not again
    assert not broke.bounce and not down.bounce
    assert broke.status == "retry" and "201" in (broke.error or "")  # the account's money: later
    assert down.status == "retry"


def test_smsc_passes_our_id_and_reads_its_errors(peer: tuple[Peer, str]) -> None:
    state, url = peer
    state.script = [
        (200, {"id": 5501, "cnt": 1}, {}),
        (200, {"error": "invalid number", "error_code": 7}, {}),
        (200, {"error": "duplicate request, wait a minute", "error_code": 9}, {}),
    ]
    channel = SmsChannel(SmsSettings(provider="smsc", login="shop", key="pw", base_url=url))
    sent, invalid, flood = (channel.send(SMS) for _ in range(3))
    channel.close()
    assert sent.ok and sent.provider_id == "5501"
    form = state.forms[0]
    assert state.requests[0][0] == "/sys/send.php"
    assert form["login"] == "shop" and form["phones"] == "79161234567" and form["mes"] == SMS.text
    assert form["id"] == "c3-r17" and form["fmt"] == "3"
    assert invalid.status == "failed" and invalid.bounce and flood.status == "retry" and not flood.bounce


@pytest.mark.parametrize("provider", ["smsru", "smsc"])
def test_a_gateway_out_of_reach_is_a_retry_without_the_key_in_the_error(provider: str) -> None:
    channel = SmsChannel(SmsSettings(provider=provider, key="SECRET-KEY", base_url="http://127.0.0.1:9", timeout=2))  # type: ignore[arg-type]
    result = channel.send(SMS)
    channel.close()
    assert result.status == "retry" and "SECRET-KEY" not in (result.error or "")
