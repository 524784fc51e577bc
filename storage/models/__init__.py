"""All models, imported here so that the metadata is complete for Alembic."""

from storage.models.base import Base, table_of
from storage.models.case import (
    AuditEvent,
    Case,
    CaseKey,
    CaseMember,
    CaseReferenceCounter,
    PostAttempt,
    SentMessage,
)
from storage.models.daily import DailyDelivery
from storage.models.documents import CaseDocument
from storage.models.first_month import (
    AgencySynopsis,
    ChronologyBatch,
    ChronologyEntry,
    ChronologyExport,
    ReviewPeriod,
    TaskAnswer,
)
from storage.models.monitoring import (
    CaseSignOff,
    DeactivatedUser,
    MonitoringInterval,
    MonitoringRound,
    ProgressReturn,
    Recommendation,
)
from storage.models.national_panel import NationalPanelNotice
from storage.models.outbox import OutboxJob
from storage.models.panel import (
    PanelDelivery,
    PanelMeeting,
    PanelMember,
    PanelReminder,
    PanelSlot,
    PanelSlotAnswer,
)
from storage.models.partners import LocalReviewDecision, NationalPanelView, PartnerAnswer
from storage.models.partnership import Agency, AgencyMember, RoleAssignment
from storage.models.portal import PendingReferral, PortalLoginState, PortalSession
from storage.models.review import (
    ChairDecision,
    DecisionNotice,
    ImrRecommendation,
    ManagementReview,
    OverviewConfirmation,
    OverviewDraft,
    PanelChairAppointment,
    PanelRecommendation,
    ReportFollowUp,
    ReviewDirection,
    ReviewExtension,
    ReviewFindings,
    ReviewPanelMember,
    TermsOfReference,
    WorkerInterview,
)
from storage.models.tasks import CaseAgency, CaseAssignment, CaseEvent, Reminder, Task

__all__ = [
    "Agency",
    "AgencyMember",
    "AgencySynopsis",
    "AuditEvent",
    "Base",
    "Case",
    "CaseAgency",
    "CaseAssignment",
    "CaseDocument",
    "CaseEvent",
    "CaseKey",
    "CaseMember",
    "CaseReferenceCounter",
    "CaseSignOff",
    "ChairDecision",
    "ChronologyBatch",
    "ChronologyEntry",
    "ChronologyExport",
    "DailyDelivery",
    "DeactivatedUser",
    "DecisionNotice",
    "ImrRecommendation",
    "LocalReviewDecision",
    "ManagementReview",
    "MonitoringInterval",
    "MonitoringRound",
    "NationalPanelNotice",
    "NationalPanelView",
    "OutboxJob",
    "OverviewConfirmation",
    "OverviewDraft",
    "PanelChairAppointment",
    "PanelDelivery",
    "PanelMeeting",
    "PanelMember",
    "PanelRecommendation",
    "PanelReminder",
    "PanelSlot",
    "PanelSlotAnswer",
    "PartnerAnswer",
    "PendingReferral",
    "PortalLoginState",
    "PortalSession",
    "PostAttempt",
    "ProgressReturn",
    "Recommendation",
    "Reminder",
    "ReportFollowUp",
    "ReviewDirection",
    "ReviewExtension",
    "ReviewFindings",
    "ReviewPanelMember",
    "ReviewPeriod",
    "RoleAssignment",
    "SentMessage",
    "Task",
    "TaskAnswer",
    "TermsOfReference",
    "WorkerInterview",
    "table_of",
]
