"""Building blocks without domain logic: money, normalisation, pagination, clock, errors."""
