"""The API's vocabulary: phases, progressions, stages, conditions, reasons, events, operations.

Every reason a condition or an Event carries is a constant here, never a formatted string, so
the reasons a user can filter on are the ones listed.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ConditionType",
    "EventReason",
    "EventType",
    "ItemStage",
    "JobState",
    "Operation",
    "Phase",
    "Progression",
    "Reason",
]


class Phase(StrEnum):
    """Where a plan stands, coarsely; `kubectl get fbp` shows it."""

    PENDING = "Pending"  # accepted, nothing checked yet
    PREFLIGHT = "Preflight"  # checking prerequisites, or blocked by them
    REPROTECTING = "Reprotecting"  # reprotect jobs from Azure to on-premises are running
    SYNCING = "Syncing"  # reprotected, replication to on-premises not yet protected
    WAITING_FOR_WINDOW = "WaitingForWindow"  # protected, the downtime window is not open
    WAITING_FOR_APPROVAL = "WaitingForApproval"  # protected, in the window, no approval for this run
    FAILING_BACK = "FailingBack"  # failover jobs to on-premises are running
    COMMITTING = "Committing"  # commit jobs are running, or a manual commit is awaited
    CANCELLING = "Cancelling"  # a modernized planned failover is being cancelled
    REPROTECTING_TO_AZURE = "ReprotectingToAzure"  # after commit, protecting the VMs to Azure again
    COMPLETED = "Completed"  # the requested action is done for every item
    FAILED = "Failed"  # a job failed with a known error; a new spec.run retries
    PAUSED = "Paused"  # the operator cannot tell what happened and will not guess


class Progression(StrEnum):
    """The step inside a phase, for people following a plan closely."""

    CHECKING_PREREQUISITES = "CheckingPrerequisites"
    PREREQUISITES_BLOCKED = "PrerequisitesBlocked"
    # Every blocking finding may still clear on its own, e.g. a new retention volume (FB022).
    WAITING_FOR_PREREQUISITES = "WaitingForPrerequisites"
    PREFLIGHT_PASSED = "PreflightPassed"
    ITEMS_CLAIMED_ELSEWHERE = "ItemsClaimedElsewhere"
    ITEMS_NOT_FOUND = "ItemsNotFound"
    REFERENCE_NOT_FOUND = "ReferenceNotFound"
    RESERVING_DISK_SLOTS = "ReservingDiskSlots"
    STARTING_REPROTECT = "StartingReprotect"
    WAITING_FOR_AGENT = "WaitingForAgent"
    WAITING_FOR_REPROTECT_JOBS = "WaitingForReprotectJobs"
    WAITING_FOR_SYNC = "WaitingForSync"
    PROTECTED = "Protected"
    FAILBACK_BLOCKED = "FailbackBlocked"
    WINDOW_NOT_OPEN = "WindowNotOpen"
    WINDOW_CLOSED = "WindowClosed"
    APPROVAL_MISSING = "ApprovalMissing"
    STARTING_FAILOVER = "StartingFailover"
    WAITING_FOR_FAILOVER_JOBS = "WaitingForFailoverJobs"
    WAITING_FOR_COMMIT_ACTION = "WaitingForCommitAction"
    STARTING_COMMIT = "StartingCommit"
    WAITING_FOR_COMMIT_JOBS = "WaitingForCommitJobs"
    STARTING_CANCEL = "StartingCancel"
    WAITING_FOR_CANCEL_JOBS = "WaitingForCancelJobs"
    STARTING_REPROTECT_TO_AZURE = "StartingReprotectToAzure"
    WAITING_FOR_REPROTECT_TO_AZURE_JOBS = "WaitingForReprotectToAzureJobs"
    RESOLVING_INTENT = "ResolvingIntent"
    INTENT_UNRESOLVED = "IntentUnresolved"
    ITEM_CHANGED_OUTSIDE_PLAN = "ItemChangedOutsidePlan"
    SHUTDOWN_NOT_CONFIRMED = "ShutdownNotConfirmed"
    APPROVAL_WITHDRAWN = "ApprovalWithdrawn"
    UNKNOWN_JOB_ERROR = "UnknownJobError"
    JOB_FAILED = "JobFailed"
    CANCEL_NOT_SUPPORTED = "CancelNotSupported"
    DONE = "Done"


class ConditionType(StrEnum):
    """Condition types on a FailbackPlan; `Ready` summarises the others."""

    READY = "Ready"  # the requested action is reached for every item
    PREREQUISITES_MET = "PrerequisitesMet"  # no blocking finding for the next step
    REPROTECTED = "Reprotected"  # every item replicates from Azure to on-premises
    PROTECTED = "Protected"  # every item is protected to on-premises and may fail back (FB032)
    FAILED_BACK = "FailedBack"  # every item runs on-premises again, commit may be pending
    COMMITTED = "Committed"  # every failover to on-premises is committed
    # Once failed back: True with what to do on-premises (FB033, FB034), False when there is nothing.
    POST_FAILBACK_ADVICE = "PostFailbackAdvice"
    CONNECTED = "Connected"  # RecoveryVault, VCenter: the operator reaches it with the credentials given
    ACCEPTED = "Accepted"  # FailbackApproval: it approves the named plan's current run


class Reason(StrEnum):
    """Machine-readable reasons of conditions and events (CamelCase, as the API requires)."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    ALL_PASSED = "AllPassed"
    BLOCKED = "Blocked"
    NOT_REQUESTED = "NotRequested"
    DONE = "Done"
    PARTIAL = "Partial"
    FAILED = "Failed"
    PAUSED = "Paused"
    CLAIMED_ELSEWHERE = "ClaimedElsewhere"
    NOT_FOUND = "NotFound"
    NOT_ELIGIBLE = "NotEligible"
    WAITING = "Waiting"
    CANCELLED = "Cancelled"
    ADVICE_GIVEN = "AdviceGiven"  # PostFailbackAdvice: there is something to do on-premises
    NO_ADVICE = "NoAdvice"  # PostFailbackAdvice: nothing to do
    LOOK_FAILED = "LookFailed"  # the last look at the plan failed; it is tried again, ever later
    # RecoveryVault, VCenter, MasterTarget: how a look at the outside world went.
    CONNECTED = "Connected"  # signed in, and the reads answered
    SIGN_IN_FAILED = "SignInFailed"  # the credentials were refused
    CREDENTIALS_INVALID = "CredentialsInvalid"  # the Secret is missing, or lacks a key
    UNREACHABLE = "Unreachable"  # no answer, or an error answer, from the endpoint
    REFERENCE_NOT_FOUND = "ReferenceNotFound"  # a referenced RecoveryVault or VCenter does not exist
    NOT_CONNECTED = "NotConnected"  # Ready is False because Connected is
    CHECKED = "Checked"  # every prerequisite was evaluated on facts actually read
    NOT_CHECKED = "NotChecked"  # some prerequisites could not be evaluated: a side was not read
    # FailbackApproval: accepted for the plan's current run, or ignored and why.
    ACCEPTED = "Accepted"  # it approves the named plan's current run
    STALE_RUN = "StaleRun"  # it names another run than the plan's current spec.run
    PLAN_NOT_FOUND = "PlanNotFound"  # no FailbackPlan of that name in its namespace
    APPROVAL_NOT_REQUIRED = "ApprovalNotRequired"  # the plan's approval policy is not Required


class Operation(StrEnum):
    """Mutating calls the operator makes to Site Recovery, as recorded in item intents."""

    REPROTECT = "Reprotect"
    FAILOVER = "Failover"
    COMMIT = "Commit"
    CANCEL = "Cancel"
    REPROTECT_TO_AZURE = "ReprotectToAzure"


class EventReason(StrEnum):
    """Reasons of the Events the operator posts (CamelCase, as the API requires)."""

    # FailbackPlan: a call to Site Recovery started a job.
    REPROTECT_STARTED = "ReprotectStarted"
    FAILOVER_STARTED = "FailoverStarted"
    COMMIT_STARTED = "CommitStarted"
    CANCEL_STARTED = "CancelStarted"
    REPROTECT_TO_AZURE_STARTED = "ReprotectToAzureStarted"
    # FailbackPlan: a call that did not start a job.
    CALL_NOT_SENT = "CallNotSent"  # the request never left: nothing happened, the call is retried
    CALL_REFUSED = "CallRefused"  # Site Recovery refused the call; the error is on the item
    # Site Recovery shows a call never took effect (no job, the item idle, the call offered): made again.
    CALL_TOOK_NO_EFFECT = "CallTookNoEffect"
    LOOK_FAILED = "LookFailed"  # a look at the plan failed; said once per change of reason
    AGENT_NOT_INSTALLED = "AgentNotInstalled"  # refused inside the agent's re-registration window (FB028)
    DISK_SLOTS_FULL = "DiskSlotsFull"  # the master target cannot reserve the plan's disks (FB027)
    PREREQUISITES_NOT_MET = "PrerequisitesNotMet"  # a blocking rule holds the plan (message names it)
    # MasterTarget: the configuration server refresh that lists a new retention drive (FB022).
    CONFIGURATION_SERVER_REFRESH_RUNNING = "ConfigurationServerRefreshRunning"
    CONFIGURATION_SERVER_REFRESH_FAILED = "ConfigurationServerRefreshFailed"
    CONFIGURATION_SERVER_REFRESHED = "ConfigurationServerRefreshed"
    # MasterTarget: the opt-in disk.EnableUUID remediation (FB024).
    DISK_UUID_ENABLED = "DiskUuidEnabled"
    DISK_UUID_REMEDIATION_FAILED = "DiskUuidRemediationFailed"
    # MasterTarget: one rule's result changed (named after the PrerequisiteResult it changed to).
    PREREQUISITE_PASSED = "PrerequisitePassed"
    PREREQUISITE_FAILED = "PrerequisiteFailed"
    PREREQUISITE_WAITING = "PrerequisiteWaiting"
    PREREQUISITE_WARNING = "PrerequisiteWarning"
    PREREQUISITE_INFO = "PrerequisiteInfo"
    PREREQUISITE_UNKNOWN = "PrerequisiteUnknown"
    # RecoveryVault, VCenter: the Connected or Ready condition changed to the status named.
    CONNECTED_TRUE = "ConnectedTrue"
    CONNECTED_FALSE = "ConnectedFalse"
    CONNECTED_UNKNOWN = "ConnectedUnknown"
    READY_TRUE = "ReadyTrue"
    READY_FALSE = "ReadyFalse"
    READY_UNKNOWN = "ReadyUnknown"


class EventType(StrEnum):
    """Kubernetes event types."""

    NORMAL = "Normal"
    WARNING = "Warning"


class JobState(StrEnum):
    """A Site Recovery job's state, as the management API spells it."""

    NOT_STARTED = "NotStarted"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    SUSPENDED = "Suspended"


class ItemStage(StrEnum):
    """Stages of one protected item, from failed over to Azure to home (and protected again)."""

    MISSING = "Missing"  # the vault does not list the item (deleted, protection disabled)
    PROTECTED_TO_AZURE = "ProtectedToAzure"  # forward replication, Azure VM not in use
    FAILOVER_TO_AZURE_PENDING_COMMIT = "FailoverToAzurePendingCommit"  # failed over, not committed
    FAILED_OVER_TO_AZURE = "FailedOverToAzure"  # committed in Azure: reprotect is offered
    REPROTECTING = "Reprotecting"  # reprotect job running
    SYNCING = "Syncing"  # replicating back to on-premises, not yet protected
    PROTECTED_TO_ON_PREMISES = "ProtectedToOnPremises"  # failback is offered
    FAILING_BACK = "FailingBack"  # failover job towards on-premises running
    FAILED_BACK = "FailedBack"  # running on-premises, commit pending
    COMMITTING = "Committing"  # commit job running
    COMMITTED = "Committed"  # home, failover committed
    REPROTECTING_TO_AZURE = "ReprotectingToAzure"  # protecting the on-premises VM to Azure again
    UNRECOGNISED = "Unrecognised"  # a state this operator does not know
