"""A person's rights over their data (152-FZ, GDPR): everything held on them in one export, their erasure, and the
retention periods after which personal data nobody needs is dropped."""

from klientura.privacy.erase import erase_person
from klientura.privacy.export import export_person
from klientura.privacy.retention import Retention, apply_retention

__all__ = ["Retention", "apply_retention", "erase_person", "export_person"]
