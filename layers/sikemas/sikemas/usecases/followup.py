"""The follow-up: what agencies, admins and citizens do with a routed report.

Each action reads the report, checks that it still applies (the agency is the report's, the
report is in a state the action starts from), and writes one transaction: the report, its
timeline event (actor, the officer's or admin's name, the facts of the change in ``data``) and
the day's counters. Two people acting at once: the conditional write lets one win; the other's
action is recomputed from the report as it now is, and answers ``ActionNotApplicable`` when it
no longer applies ("someone already acted").

Agencies act through a signed link (its ``agency`` is the code the link names); admins through
the console (``admin`` is the name the event declares); citizens through the API (owner only).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, Literal

from sikemas.city import City
from sikemas.domain.calendar import Clocks
from sikemas.domain.report import (
    OUTCOMES_NEEDING_REASON,
    RESOLUTION_OUTCOMES,
    VERTICAL_OUTCOMES,
    Actor,
    AgencyOutcome,
    EventType,
    Report,
    Status,
    Transition,
    amend,
    can_transition,
    needs_photo,
    routed_status,
    transition,
)
from sikemas.errors import (
    ActionNotApplicable,
    AfterPhotoRequired,
    ConcurrentUpdate,
    InvalidRequest,
    ReasonRequired,
    ReopenWindowClosed,
    ReportNotFound,
    UnknownCategory,
    UploadNotAllowed,
    WrongAgency,
)
from sikemas.ports import PhotoStore, ReportRepository, Upload
from sikemas.usecases.intake import Citizen

_ATTEMPTS = 3  # a concurrent change of the report: reload and decide again
MAX_AFTER_PHOTOS = 5  # "after" photo slots per report
MAX_TEXT = 1000  # reasons, references and names are cut to this many characters

# Where an admin routes a report from: waiting for photos, their checks, or for review.
_ADMIN_ROUTES = frozenset({Status.RECEIVED, Status.VERIFYING, Status.NEEDS_REVIEW})
# Where an agency's work starts from: a city agency's report is assigned or in progress.
_AGENCY_WORK = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})

Step = Callable[[Report, datetime], Transition]


class FollowUp:
    def __init__(
        self,
        repo: ReportRepository,
        city: City,
        clock: Callable[[], datetime],
        photos: PhotoStore,
        *,
        clocks: Clocks | None = None,
    ) -> None:
        self._repo = repo
        self._clocks = clocks  # the deadlines move with each transition (calendar)
        self._city = city
        self._clock = clock
        self._photos = photos

    # -- agencies (through their signed link) ----------------------------------------------

    def acknowledge(self, report_id: str, agency: str, officer: str) -> Report:
        """assigned → in_progress: the agency has seen it and works on it."""

        def step(report: Report, at: datetime) -> Transition:
            self._check_agency(report, agency)
            _require(report, {Status.ASSIGNED})
            return transition(
                report,
                Status.IN_PROGRESS,
                at=at,
                clocks=self._clocks,
                actor=Actor.AGENCY,
                actor_name=_name(officer),
                data={"agency": report.agency},
            )

        return self._run(report_id, step)

    def resolve(
        self,
        report_id: str,
        agency: str,
        officer: str,
        outcome: str,
        reason: str | None = None,
        after_slot: int | None = None,
    ) -> Report:
        """assigned | in_progress → resolved with ``fixed`` or ``not_fixable`` (a reason
        required). ``fixed`` in a category that requires photos needs an accepted after photo
        (``after_slot`` names it; without it, any accepted one counts)."""
        chosen = _outcome(outcome, RESOLUTION_OUTCOMES)
        why = _reason(reason, required=chosen in OUTCOMES_NEEDING_REASON)

        def step(report: Report, at: datetime) -> Transition:
            self._check_agency(report, agency)
            _require(report, _AGENCY_WORK)
            accepted = [
                p
                for p in report.accepted_after_photos
                if after_slot is None or p.slot == after_slot
            ]
            if after_slot is not None and not accepted:
                raise AfterPhotoRequired(details=[{"field": "after_slot", "value": after_slot}])
            if chosen is AgencyOutcome.FIXED and not accepted and self._photo_category(report):
                raise AfterPhotoRequired(details=[{"field": "after_slot"}])
            data: dict[str, Any] = {"agency": report.agency, "outcome": chosen.value}
            if accepted:
                data["after_slot"] = accepted[-1].slot
            return transition(
                report,
                Status.RESOLVED,
                at=at,
                clocks=self._clocks,
                actor=Actor.AGENCY,
                actor_name=_name(officer),
                reason=why,
                data=data,
                outcome=chosen,
                outcome_reason=why,
                outcome_reference=None,
                outcome_by=_name(officer),
                resolved_at=at,
                confirmed_by_citizen=False,
            )

        return self._run(report_id, step)

    def hand_back(self, report_id: str, agency: str, officer: str, reason: str) -> Report:
        """assigned | in_progress → needs_review: not theirs, with a reason; admins decide."""
        why = _reason(reason, required=True)

        def step(report: Report, at: datetime) -> Transition:
            self._check_agency(report, agency)
            _require(report, _AGENCY_WORK)
            return transition(
                report,
                Status.NEEDS_REVIEW,
                at=at,
                clocks=self._clocks,
                actor=Actor.AGENCY,
                actor_name=_name(officer),
                reason=why,
                data={"agency": report.agency, "handed_back": True},
            )

        return self._run(report_id, step)

    def after_upload(self, report_id: str, agency: str, redirect: str | None = None) -> Upload:
        """A presigned POST for the next "after" photo (``after/<report id>/<n>``), while the
        agency works on the report; ``redirect``: S3 sends the page's form back there."""
        report = self._get(report_id)
        self._check_agency(report, agency)
        _require(report, _AGENCY_WORK)
        taken = max((p.slot for p in report.after_photos), default=0)
        if taken >= MAX_AFTER_PHOTOS:
            raise UploadNotAllowed(details=[{"field": "after_slot", "maximum": MAX_AFTER_PHOTOS}])
        return self._photos.presigned_after_upload(
            report.id, taken + 1, self._clock(), redirect=redirect
        )

    # -- vertical agencies (or an admin for them) -------------------------------------------

    def record_vertical_outcome(
        self,
        report_id: str,
        agency: str | None,
        officer: str,
        outcome: str,
        reference: str | None,
        reason: str | None = None,
        *,
        by_admin: bool = False,
    ) -> Report:
        """forwarded → closed with the vertical agency's own outcome (``handled``,
        ``not_theirs``, ``not_fixable`` + a reason) and reference. An admin records it for them
        with ``by_admin=True`` (``officer`` is then the admin's name; the agency is not
        checked)."""
        chosen = _outcome(outcome, VERTICAL_OUTCOMES)
        why = _reason(reason, required=chosen in OUTCOMES_NEEDING_REASON)
        ref = _text(reference)

        def step(report: Report, at: datetime) -> Transition:
            if not by_admin:
                self._check_agency(report, agency)
            _require(report, {Status.FORWARDED})
            data: dict[str, Any] = {"agency": report.agency, "outcome": chosen.value}
            if ref:
                data["reference"] = ref
            return transition(
                report,
                Status.CLOSED,
                at=at,
                clocks=self._clocks,
                actor=Actor.ADMIN if by_admin else Actor.AGENCY,
                actor_name=_name(officer),
                reason=why,
                data=data,
                outcome=chosen,
                outcome_reason=why,
                outcome_reference=ref,
                outcome_by=_name(officer),
                resolved_at=at,  # when the outcome was recorded
            )

        return self._run(report_id, step)

    # -- the citizen (owner only) -----------------------------------------------------------

    def reopen(self, citizen: Citizen, report_id: str, reason: str) -> Report:
        """resolved → assigned within the city's reopen window: the fix did not hold; the
        agency is told again."""
        why = _reason(reason, required=True)
        self._owned(citizen, report_id)

        def step(report: Report, at: datetime) -> Transition:
            _require(report, {Status.RESOLVED})
            resolved_at = report.resolved_at or report.status_since
            if at > resolved_at + self._city.reopen_window:
                raise ReopenWindowClosed(
                    details=[
                        {
                            "resolved_at": resolved_at.isoformat(),
                            "window_days": self._city.reopen_days,
                        }
                    ]
                )
            return transition(
                report,
                Status.ASSIGNED,
                at=at,
                clocks=self._clocks,
                actor=Actor.CITIZEN,
                reason=why,
                data={"agency": report.agency, "reopened": report.reopened + 1},
                reopened=report.reopened + 1,
                outcome=None,
                outcome_reason=None,
                outcome_reference=None,
                outcome_by=None,
                resolved_at=None,
            )

        return self._run(report_id, step)

    def confirm(self, citizen: Citizen, report_id: str) -> Report:
        """resolved → closed at once, marked confirmed by its owner."""
        self._owned(citizen, report_id)

        def step(report: Report, at: datetime) -> Transition:
            _require(report, {Status.RESOLVED})
            return transition(
                report,
                Status.CLOSED,
                at=at,
                clocks=self._clocks,
                actor=Actor.CITIZEN,
                data={"confirmed_by_citizen": True},
                confirmed_by_citizen=True,
            )

        return self._run(report_id, step)

    # -- admins (through the console) -------------------------------------------------------

    def assign(self, report_id: str, admin: str, agency: str | None = None) -> Report:
        """→ assigned to ``agency`` (a city agency), by default the category's."""
        return self._route(report_id, admin, agency, Status.ASSIGNED, "city")

    def reject(self, report_id: str, admin: str, reason: str) -> Report:
        """→ rejected with a reason: an admin's rejection is final."""
        why = _reason(reason, required=True)

        def step(report: Report, at: datetime) -> Transition:
            _require(report, _may_enter(Status.REJECTED))
            return transition(
                report,
                Status.REJECTED,
                at=at,
                clocks=self._clocks,
                actor=Actor.ADMIN,
                actor_name=_name(admin),
                reason=why,
            )

        return self._run(report_id, step)

    def forward(self, report_id: str, admin: str, agency: str) -> Report:
        """→ forwarded to a vertical agency (PDAM, PLN, police), who records its outcome."""
        return self._route(report_id, admin, agency, Status.FORWARDED, "vertical")

    def _route(
        self,
        report_id: str,
        admin: str,
        agency: str | None,
        target: Status,
        jurisdiction: Literal["city", "vertical"],
    ) -> Report:
        """An admin routes a report by hand: to ``agency`` (by default the category's), which
        must have the jurisdiction the target status means."""

        def step(report: Report, at: datetime) -> Transition:
            code = agency or self._category_agency(report)
            self._city_agency(code, jurisdiction)
            _require(report, _ADMIN_ROUTES)
            return transition(
                report,
                target,
                at=at,
                clocks=self._clocks,
                actor=Actor.ADMIN,
                actor_name=_name(admin),
                data={"agency": code},
                agency=code,
            )

        return self._run(report_id, step)

    def recategorise(self, report_id: str, admin: str, category: str) -> Report:
        """Change the category and reroute to its agency. A report for review is routed
        (assigned or forwarded); an assigned report moves to another city agency, a forwarded
        one to another vertical agency; a report in progress keeps its agency (the category
        may change, not who works on it)."""
        new = self._city.category(category)
        if new is None:
            raise UnknownCategory(details=[{"field": "category", "value": category[:64]}])

        def step(report: Report, at: datetime) -> Transition:
            routed = routed_status(new)
            data = {
                "from_category": report.category,
                "category": new.code,
                "from_agency": report.agency,
                "agency": new.agency.code,
            }
            if report.status is Status.NEEDS_REVIEW:
                return transition(
                    report,
                    routed,
                    at=at,
                    clocks=self._clocks,
                    actor=Actor.ADMIN,
                    actor_name=_name(admin),
                    data=data,
                    category=new.code,
                    agency=new.agency.code,
                )
            same_kind = {Status.ASSIGNED: Status.ASSIGNED, Status.FORWARDED: Status.FORWARDED}
            keeps_agency = report.status is Status.IN_PROGRESS and new.agency.code == report.agency
            if same_kind.get(report.status) is not routed and not keeps_agency:
                raise ActionNotApplicable(
                    details=[{"status": report.status.value, "category": new.code}]
                )
            changes: dict[str, Any] = {"category": new.code, "agency": new.agency.code}
            if new.agency.code != report.agency:
                changes["routed_at"] = at
            return amend(
                report,
                EventType.RECATEGORISED,
                at=at,
                actor=Actor.ADMIN,
                actor_name=_name(admin),
                data=data,
                **changes,
            )

        return self._run(report_id, step)

    def mark_duplicate(self, report_id: str, admin: str, of: str) -> Report:
        """→ duplicate of another report (its primary: a duplicate's primary if ``of`` is one)."""
        if of == report_id:
            raise InvalidRequest(details=[{"field": "of", "value": of}])
        primary = self._repo.get(of)
        if primary is None:
            raise ReportNotFound(details=[{"field": "of", "value": of[:64]}])
        target = primary.duplicate_of or primary.id
        if target == report_id:
            raise InvalidRequest(details=[{"field": "of", "value": of}])

        def step(report: Report, at: datetime) -> Transition:
            _require(report, _may_enter(Status.DUPLICATE))
            return transition(
                report,
                Status.DUPLICATE,
                at=at,
                clocks=self._clocks,
                actor=Actor.ADMIN,
                actor_name=_name(admin),
                data={"duplicate_of": target},
                duplicate_of=target,
            )

        return self._run(report_id, step)

    # -- helpers ----------------------------------------------------------------------------

    def _run(self, report_id: str, step: Step) -> Report:
        """Read, compute, write; on a concurrent change, again from the report as it now is
        (where the action may no longer apply)."""
        for _ in range(_ATTEMPTS):
            report = self._get(report_id)
            t = step(report, self._clock())
            try:
                self._repo.apply(t)
            except ConcurrentUpdate:
                continue
            return t.after
        raise ConcurrentUpdate

    def _get(self, report_id: str) -> Report:
        report = self._repo.get(report_id)
        if report is None:
            raise ReportNotFound
        return report

    def _owned(self, citizen: Citizen, report_id: str) -> None:
        report = self._repo.get(report_id)
        if report is None or report.reporter_id != self._repo.find_reporter(citizen.subject):
            raise ReportNotFound  # someone else's report looks exactly like a missing one

    @staticmethod
    def _check_agency(report: Report, agency: str | None) -> None:
        if agency != report.agency:
            raise WrongAgency(details=[{"agency": (agency or "")[:64]}])

    def _photo_category(self, report: Report) -> bool:
        category = self._city.category(report.category)
        return category is not None and needs_photo(report.kind, category)

    def _category_agency(self, report: Report) -> str:
        category = self._city.category(report.category)
        return category.agency.code if category is not None else report.agency

    def _city_agency(self, code: str, jurisdiction: str) -> None:
        found = self._city.agencies.get(code)
        if found is None or found.jurisdiction != jurisdiction:
            raise InvalidRequest(
                message_id=f"Instansi tidak dikenal atau bukan instansi {jurisdiction}.",
                message_en=f"Unknown agency, or not a {jurisdiction} agency.",
                details=[{"field": "agency", "value": code[:64], "jurisdiction": jurisdiction}],
            )


def _may_enter(target: Status) -> frozenset[Status]:
    """The states an admin may move a report to ``target`` from (the graph's edges, without
    the photo checks' own ``verifying`` step)."""
    return frozenset(s for s in Status if can_transition(s, target))


def _require(report: Report, states: Collection[Status]) -> None:
    if report.status not in states:
        raise ActionNotApplicable(details=[{"status": report.status.value}])


def _outcome(value: str, allowed: frozenset[AgencyOutcome]) -> AgencyOutcome:
    try:
        chosen = AgencyOutcome(value)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in allowed:
        raise InvalidRequest(
            details=[
                {
                    "field": "outcome",
                    "value": str(value)[:64],
                    "allowed": sorted(o.value for o in allowed),
                }
            ]
        )
    return chosen


def _text(value: str | None) -> str | None:
    cleaned = (value or "").strip()[:MAX_TEXT]
    return cleaned or None


def _reason(value: str | None, *, required: bool) -> str | None:
    cleaned = _text(value)
    if required and not cleaned:
        raise ReasonRequired(details=[{"field": "reason"}])
    return cleaned


def _name(value: str | None) -> str | None:
    return (_text(value) or "")[:120] or None
