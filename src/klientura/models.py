"""Every domain's tables, gathered for Alembic and for tests. Nothing else imports this module."""

from klientura.analytics.models import AnalyticsConfig, ClvFit, ClvRun, CustomerClv, CustomerScore, ScoreSnapshot
from klientura.audit.models import AuditEntry
from klientura.auth.models import ApiKey, IdempotencyRecord, Team, User
from klientura.campaigns.models import OutboxEvent, OutboxMessage
from klientura.catalog.models import Category, Outlet, Product, SalesChannel
from klientura.conversations.models import Conversation, Form, Message
from klientura.customers.models import Consent, Customer, CustomerTag, FieldValue, Identity, MergeRecord, Tag
from klientura.db import Base
from klientura.dedup.models import DismissedPair, DuplicateSuggestion
from klientura.events.models import Event
from klientura.imports.models import ImportRejection, ImportRun
from klientura.loyalty.models import Allocation, LedgerEntry, LoyaltyAccount
from klientura.loyalty.offer_models import (
    GiftCard,
    GiftCardEntry,
    Offer,
    PromoCode,
    Redemption,
    Referral,
    ReferralCode,
)
from klientura.orders.models import Order, OrderLine, Return, ReturnLine
from klientura.sales.doc_models import Attachment, DealLine, Note, Quote, QuoteTemplate
from klientura.sales.models import (
    CalendarFeed,
    Company,
    CompanyContact,
    Deal,
    DealHistory,
    DealOrder,
    Lead,
    LostReason,
    Pipeline,
    SavedView,
    Stage,
    Task,
    TaskEvent,
)
from klientura.sales.routing_models import DayOff, Duty, RoutingRule
from klientura.sales.spend_models import AdCost, SalesPlan
from klientura.segments.models import Segment, SegmentMember, SegmentSize

metadata = Base.metadata

__all__ = [
    "AdCost",
    "Allocation",
    "AnalyticsConfig",
    "ApiKey",
    "Attachment",
    "AuditEntry",
    "CalendarFeed",
    "Category",
    "ClvFit",
    "ClvRun",
    "Company",
    "CompanyContact",
    "Consent",
    "Conversation",
    "Customer",
    "CustomerClv",
    "CustomerScore",
    "CustomerTag",
    "DayOff",
    "Deal",
    "DealHistory",
    "DealLine",
    "DealOrder",
    "DismissedPair",
    "DuplicateSuggestion",
    "Duty",
    "Event",
    "FieldValue",
    "Form",
    "GiftCard",
    "GiftCardEntry",
    "IdempotencyRecord",
    "Identity",
    "ImportRejection",
    "ImportRun",
    "Lead",
    "LedgerEntry",
    "LostReason",
    "LoyaltyAccount",
    "MergeRecord",
    "Message",
    "Note",
    "Offer",
    "Order",
    "OrderLine",
    "OutboxEvent",
    "OutboxMessage",
    "Outlet",
    "Pipeline",
    "Product",
    "PromoCode",
    "Quote",
    "QuoteTemplate",
    "Redemption",
    "Referral",
    "ReferralCode",
    "Return",
    "ReturnLine",
    "RoutingRule",
    "SalesChannel",
    "SalesPlan",
    "SavedView",
    "ScoreSnapshot",
    "Segment",
    "SegmentMember",
    "SegmentSize",
    "Stage",
    "Tag",
    "Task",
    "TaskEvent",
    "Team",
    "User",
    "metadata",
]
