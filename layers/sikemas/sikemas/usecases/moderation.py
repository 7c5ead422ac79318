"""An admin's changes to what the public sees of a report: hide it, or change its privacy.

Either way its photos lose their public copies: a hidden or confidential report keeps only
private copies (its owner sees them through short-lived links), and the timeline records the
change. There is no admin API yet; this is the use case it will call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sikemas.domain.photos import Photo
from sikemas.domain.report import Actor, EventType, Privacy, Report, amend
from sikemas.errors import ConcurrentUpdate, ReportNotFound
from sikemas.ports import PhotoStore, ReportRepository

_ATTEMPTS = 3


class Moderation:
    def __init__(
        self, repo: ReportRepository, files: PhotoStore, *, clock: Callable[[], datetime]
    ) -> None:
        self._repo = repo
        self._files = files
        self._clock = clock

    def hide(self, report_id: str, *, admin: str, note: str | None = None) -> Report:
        """Hide a report from the public; its public photo copies are removed."""
        return self._change(
            report_id, EventType.HIDDEN, admin=admin, note=note, hidden=True, privacy=None
        )

    def change_privacy(
        self, report_id: str, privacy: Privacy, *, admin: str, note: str | None = None
    ) -> Report:
        """Change a report's privacy; a confidential report loses its public photo copies."""
        return self._change(
            report_id, EventType.PRIVACY, admin=admin, note=note, hidden=None, privacy=privacy
        )

    def _change(
        self,
        report_id: str,
        type: EventType,
        *,
        admin: str,
        note: str | None,
        hidden: bool | None,
        privacy: Privacy | None,
    ) -> Report:
        for _ in range(_ATTEMPTS):
            report = self._repo.get(report_id)
            if report is None:
                raise ReportNotFound
            changed = replace(
                report,
                hidden=report.hidden if hidden is None else hidden,
                privacy=report.privacy if privacy is None else privacy,
            )
            if changed == report:
                return report
            photos, after_photos = report.photos, report.after_photos
            if not changed.public_copies_allowed:
                # Private copies first, then the record: a crash in between leaves the public
                # copies listed (and a retry moves them); never a record pointing at nothing.
                photos = tuple(self._private(p) for p in photos)
                after_photos = tuple(self._private(p) for p in after_photos)
            data = {"hidden": changed.hidden, "privacy": changed.privacy.value}
            t = amend(
                report,
                type,
                at=self._clock(),
                actor=Actor.ADMIN,
                actor_name=admin,
                note=note,
                data=data,
                hidden=changed.hidden,
                privacy=changed.privacy,
                photos=photos,
                after_photos=after_photos,
            )
            try:
                self._repo.apply(t)
            except ConcurrentUpdate:
                continue
            return t.after
        raise ConcurrentUpdate

    def _private(self, photo: Photo) -> Photo:
        if photo.copies is None or photo.copies.private:
            return photo
        return replace(photo, copies=self._files.make_private(photo.copies))
