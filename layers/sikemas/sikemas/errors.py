"""The domain's exception family: each failure has a stable code and a message in Indonesian
and English, and no HTTP status. Pure: the API maps codes to statuses in one place
(``sikemas.api.errors.STATUS``); other callers (the photo function, the CLI) read ``code``.
"""

from __future__ import annotations

from typing import Any


class SikemasError(Exception):
    """Base of every expected failure."""

    code = "bad_request"
    message_id = "Permintaan tidak valid."
    message_en = "The request is not valid."

    def __init__(
        self,
        *,
        message_id: str | None = None,
        message_en: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        self.message_id = message_id or self.message_id
        self.message_en = message_en or self.message_en
        self.details = details or []
        super().__init__(f"{self.code}: {self.message_en}")


class InvalidRequest(SikemasError):
    code = "invalid_request"
    message_id = "Isi permintaan tidak valid."
    message_en = "The request body is not valid."


class InvalidJson(SikemasError):
    code = "invalid_json"
    message_id = "Isi permintaan bukan JSON yang valid."
    message_en = "The request body is not valid JSON."


class PayloadTooLarge(SikemasError):
    code = "payload_too_large"
    message_id = "Isi permintaan terlalu besar."
    message_en = "The request body is too large."


class UnknownCategory(SikemasError):
    code = "unknown_category"
    message_id = "Kategori tidak dikenal."
    message_en = "Unknown category."


class LocationRequired(SikemasError):
    code = "location_required"
    message_id = "Kategori ini memerlukan lokasi."
    message_en = "This category needs a location."


class LocationOutsideCity(SikemasError):
    """The claimed pin lies farther outside the city than the GPS tolerance (HTTP status in
    ``sikemas.api.errors.STATUS``); details give ``distance_outside_m``."""

    code = "location_outside_city"
    message_id = (
        "Lokasi yang ditandai berada di luar wilayah kota. Hanya laporan di dalam wilayah kota "
        "yang dapat ditindaklanjuti; periksa titik lokasi pada peta."
    )
    message_en = (
        "The marked location is outside the city. Only reports located in the city can be "
        "followed up; check the pin on the map."
    )


class PhotoRequired(SikemasError):
    code = "photo_required"
    message_id = "Pengaduan dalam kategori ini memerlukan setidaknya satu foto."
    message_en = "A complaint in this category needs at least one photo."


class InvalidCursor(SikemasError):
    code = "invalid_cursor"
    message_id = "Penanda halaman tidak valid."
    message_en = "The page cursor is not valid."


class InvalidIdempotencyKey(SikemasError):
    code = "invalid_idempotency_key"
    message_id = "Header Idempotency-Key tidak valid (1-128 karakter: huruf, angka, - _ . :)."
    message_en = (
        "The Idempotency-Key header is not valid (1-128 characters: letters, digits, - _ . :)."
    )


class Unauthorized(SikemasError):
    code = "unauthorized"
    message_id = "Perlu masuk terlebih dahulu."
    message_en = "Sign-in required."


class ReportNotFound(SikemasError):
    code = "report_not_found"
    message_id = "Laporan tidak ditemukan."
    message_en = "Report not found."


class RouteNotFound(SikemasError):
    code = "not_found"
    message_id = "Alamat tidak ditemukan."
    message_en = "No such path."


class InvalidTransition(SikemasError):
    code = "invalid_transition"
    message_id = "Laporan tidak dapat berpindah ke status itu dari status sekarang."
    message_en = "The report cannot move to that status from its current one."


class ConcurrentUpdate(SikemasError):
    """The report changed between read and write (a conditional check failed)."""

    code = "concurrent_update"
    message_id = "Laporan baru saja berubah; muat ulang lalu coba lagi."
    message_en = "The report has just changed; reload and try again."


class UploadNotAllowed(SikemasError):
    code = "upload_not_allowed"
    message_id = "Foto tidak dapat diunggah untuk laporan pada status ini."
    message_en = "Photos cannot be uploaded for a report in this status."


class InvalidSlot(SikemasError):
    code = "invalid_slot"
    message_id = "Nomor slot foto di luar jumlah foto laporan."
    message_en = "The photo slot is outside the report's photo count."


class IdempotencyMismatch(SikemasError):
    code = "idempotency_key_reused"
    message_id = "Idempotency-Key ini sudah dipakai untuk permintaan lain."
    message_en = "This Idempotency-Key was already used for a different request."


class DailyLimitExceeded(SikemasError):
    code = "daily_limit_exceeded"
    message_id = "Batas laporan harian tercapai; coba lagi besok."
    message_en = "Daily report limit reached; try again tomorrow."


class ActionNotApplicable(SikemasError):
    """The action no longer applies: someone already acted, or the report moved on. Details
    give the report's ``status``."""

    code = "action_not_applicable"
    message_id = "Tindakan ini tidak berlaku lagi: laporan sudah ditangani atau statusnya berubah."
    message_en = "This action no longer applies: someone already acted or the report moved on."


class ReopenWindowClosed(SikemasError):
    code = "reopen_window_closed"
    message_id = "Batas waktu untuk membuka kembali laporan ini sudah lewat."
    message_en = "The time to reopen this report has passed."


class ReasonRequired(SikemasError):
    code = "reason_required"
    message_id = "Alasan wajib diisi."
    message_en = "A reason is required."


class AfterPhotoRequired(SikemasError):
    code = "after_photo_required"
    message_id = (
        "Penyelesaian dalam kategori ini memerlukan foto sesudah penanganan yang sudah diterima."
    )
    message_en = "Fixing a report in this category needs an accepted after photo."


class WrongAgency(SikemasError):
    code = "wrong_agency"
    message_id = "Laporan ini bukan untuk instansi Anda."
    message_en = "This report is not your agency's."


class InvalidPeriod(SikemasError):
    code = "invalid_period"
    message_id = "Periode tidak valid: gunakan from dan to dengan format YYYY-MM-DD."
    message_en = "The period is not valid: give from and to as YYYY-MM-DD."


class PeriodTooLong(SikemasError):
    code = "period_too_long"
    message_id = "Periode terlalu panjang: paling lama 366 hari."
    message_en = "The period is too long: 366 days at most."


class UnknownParameter(SikemasError):
    code = "unknown_parameter"
    message_id = "Parameter tidak dikenal."
    message_en = "Unknown query parameter."
