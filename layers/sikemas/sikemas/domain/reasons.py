"""The photo checks' vocabulary: check names, reason codes, the size limits of a photo, and what
each reason means to a citizen or an agency, in Indonesian and English. Pure and cheap to import
(the API's views read the messages).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# One definition of the size limits: the presigned POST's policy, the photo function's re-check
# of the bytes, and the reader's guard all use these.
MIN_PHOTO_BYTES: Final = 1024
MAX_PHOTO_BYTES: Final = 15 * 1024 * 1024
MAX_PHOTO_PIXELS: Final = 50_000_000


class CheckName(StrEnum):
    """The checks, in the order they run (``near_claim`` only when a location was claimed)."""

    IMAGE = "image"
    GPS = "gps"
    INSIDE_CITY = "inside_city"
    NEAR_CLAIM = "near_claim"
    RECENT = "recent"


class Reason(StrEnum):
    """Why a check failed, or why it could not be judged."""

    # image
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_TYPE = "unsupported_type"
    EMPTY_FILE = "empty_file"  # 0 bytes: an upload that carried nothing
    TOO_SMALL = "too_small"  # under MIN_PHOTO_BYTES: no real photo is this small
    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    CORRUPT_IMAGE = "corrupt_image"
    FILE_UNREADABLE = "file_unreadable"  # bin/sikemas inspect-photo could not read the file
    IMAGE_UNREADABLE = "image_unreadable"  # a later check not judged because the image failed
    # gps
    NO_GPS = "no_gps"
    GPS_MALFORMED = "gps_malformed"
    GPS_NO_FIX = "gps_no_fix"
    # inside_city
    OUTSIDE_CITY = "outside_city"
    # near_claim
    FAR_FROM_CLAIM = "far_from_claim"  # a citizen's photo, far from the pin: an admin decides
    FAR_FROM_REPORT = "far_from_report"  # an agency's "after" photo, far from the report's place
    # recent
    NO_TIME = "no_time"
    TOO_OLD = "too_old"
    IN_FUTURE = "in_future"
    # the check itself
    CHECK_FAILED = "check_failed"  # the photo could not be checked (it crashed every time)


REASONS: Final[dict[Reason, tuple[str, str]]] = {
    Reason.NOT_AN_IMAGE: (
        "Berkas yang diunggah bukan foto. Silakan unggah foto JPEG, PNG atau HEIC.",
        "The uploaded file is not a photo. Please upload a JPEG, PNG or HEIC photo.",
    ),
    Reason.UNSUPPORTED_TYPE: (
        "Jenis gambar ini tidak didukung. Silakan unggah foto JPEG, PNG atau HEIC.",
        "This kind of image is not supported. Please upload a JPEG, PNG or HEIC photo.",
    ),
    Reason.EMPTY_FILE: (
        "Berkas foto kosong: unggahan terputus atau tidak berisi foto. Silakan unggah ulang.",
        "The photo file is empty: the upload was cut off or carried no photo. Please upload "
        "it again.",
    ),
    Reason.TOO_SMALL: (
        "Berkas foto terlalu kecil (di bawah 1 KB) untuk sebuah foto. Silakan unggah ulang "
        "foto aslinya.",
        "The file is too small (under 1 KB) to be a photo. Please upload the original photo again.",
    ),
    Reason.TOO_LARGE: (
        "Ukuran berkas foto terlalu besar (lebih dari 15 MB). Silakan unggah foto yang lebih "
        "kecil.",
        "The photo file is too large (over 15 MB). Please upload a smaller photo.",
    ),
    Reason.TOO_MANY_PIXELS: (
        "Resolusi foto terlalu besar. Silakan unggah foto dengan resolusi lebih kecil.",
        "The photo has too many pixels. Please upload a photo with a lower resolution.",
    ),
    Reason.CORRUPT_IMAGE: (
        "Foto rusak atau tidak lengkap. Silakan unggah ulang foto tersebut.",
        "The photo is damaged or incomplete. Please upload it again.",
    ),
    Reason.FILE_UNREADABLE: (
        "Berkas foto tidak dapat dibaca.",
        "The photo file could not be read.",
    ),
    Reason.IMAGE_UNREADABLE: (
        "Tidak dapat diperiksa karena berkas foto tidak dapat diterima.",
        "Could not be checked because the photo file itself was not accepted.",
    ),
    Reason.NO_GPS: (
        "Foto tidak memuat lokasi GPS. Aktifkan lokasi pada kamera ponsel lalu ambil foto "
        "langsung dari aplikasi kamera; laporan Anda akan diperiksa petugas.",
        "The photo carries no GPS location. Turn on location for your phone's camera and take "
        "the photo with the camera app; an officer will review your report.",
    ),
    Reason.GPS_MALFORMED: (
        "Data lokasi GPS pada foto tidak sah. Silakan ambil foto baru dengan lokasi aktif.",
        "The GPS location in the photo is invalid. Please take a new photo with location on.",
    ),
    Reason.GPS_NO_FIX: (
        "Kamera belum mendapatkan lokasi GPS saat foto diambil (koordinat 0,0). Tunggu sinyal "
        "GPS lalu ambil foto baru.",
        "The camera had no GPS fix when the photo was taken (coordinates 0,0). Wait for a GPS "
        "signal and take a new photo.",
    ),
    Reason.OUTSIDE_CITY: (
        "Foto diambil di luar wilayah kota, sehingga tidak dapat diterima. Laporkan hanya "
        "masalah di dalam wilayah kota dengan foto yang diambil di lokasi.",
        "The photo was taken outside the city, so it cannot be accepted. Report only problems "
        "inside the city, with a photo taken on the spot.",
    ),
    Reason.FAR_FROM_CLAIM: (
        "Foto diambil jauh dari lokasi yang Anda tandai. Laporan Anda akan diperiksa petugas.",
        "The photo was taken far from the location you marked. An officer will review your report.",
    ),
    Reason.FAR_FROM_REPORT: (
        "Foto sesudah penanganan diambil jauh dari lokasi laporan. Ambil foto di lokasi laporan.",
        "The after photo was taken far from the report's place. Take it where the problem was.",
    ),
    Reason.NO_TIME: (
        "Foto tidak memuat waktu pengambilan. Ambil foto langsung dengan aplikasi kamera.",
        "The photo does not say when it was taken. Take the photo with the camera app.",
    ),
    Reason.TOO_OLD: (
        "Foto ini diambil terlalu lama sebelum diunggah. Silakan ambil foto baru di lokasi.",
        "This photo was taken too long before it was uploaded. Please take a new photo on "
        "the spot.",
    ),
    Reason.IN_FUTURE: (
        "Waktu pengambilan foto berada di masa depan. Periksa tanggal dan jam ponsel Anda, "
        "lalu ambil foto baru.",
        "The photo's time lies in the future. Check your phone's date and time, then take a "
        "new photo.",
    ),
    Reason.CHECK_FAILED: (
        "Foto tidak dapat diperiksa oleh sistem. Petugas akan memeriksa laporan Anda; Anda juga "
        "dapat mengunggah foto lain.",
        "The system could not check the photo. An officer will review your report; you may "
        "also upload another photo.",
    ),
}

_UNKNOWN: Final = (
    "Foto tidak dapat diterima.",
    "The photo could not be accepted.",
)


def reason_message(code: str) -> dict[str, str]:
    """``{"id": ..., "en": ...}`` for a reason code; a generic message for an unknown code."""
    try:
        indonesian, english = REASONS[Reason(code)]
    except ValueError:
        indonesian, english = _UNKNOWN
    return {"id": indonesian, "en": english}
