from tests.api.conftest import api, client, key, users  # noqa: F401  (the API fixtures)
