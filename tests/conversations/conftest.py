from tests.api.conftest import api, client, key, users  # noqa: F401  (the API fixtures)
from tests.channels.conftest import peer  # noqa: F401  (a local server playing the Bot API)
from tests.conversations.dovecot import dovecot  # noqa: F401  (a real IMAP server on loopback)
from tests.sales.conftest import smtp  # noqa: F401  (an SMTP server on loopback)
