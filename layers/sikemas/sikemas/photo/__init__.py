"""Photo reading and public copies: pure code, bytes in, values out (no AWS).

Importing this package is cheap: Pillow and pillow-heif are loaded on first use.
"""

from sikemas.photo.derive import DerivedImages, PhotoDeriveError, derive_public_images
from sikemas.photo.reading import GpsFix, PhotoFacts, read_photo

__all__ = [
    "DerivedImages",
    "GpsFix",
    "PhotoDeriveError",
    "PhotoFacts",
    "derive_public_images",
    "read_photo",
]
