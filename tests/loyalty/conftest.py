from tests.api.conftest import api, client, key  # noqa: F401  (the API fixtures)
