"""What an uploaded floor-plan image must be: a PNG or a JPEG that decodes, of a sane size.

SVG is refused: it is a document that can carry script and external references, served from our
own origin. The type is decided by the file's first bytes, never by its name or the part's
Content-Type, and Pillow decodes the whole image once, so a truncated or disguised file is refused
here rather than shown broken in every browser.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAGIC = {b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"), b"\xff\xd8\xff": ("image/jpeg", "JPEG")}
MAX_SIDE = 20_000  # pixels; a plan larger than this is a scan at the wrong resolution
MAX_PIXELS = 100_000_000  # the decoded image in a browser: ~400 MB of RGBA at most


class NotAnImage(ValueError):
    """Neither PNG nor JPEG by its first bytes (SVG, PDF, text...)."""


class BadImage(ValueError):
    """A PNG or JPEG by its first bytes that does not decode, or whose size is out of bounds."""


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    width: int
    height: int
    sha256: str


def check(data: bytes) -> CheckedImage:
    """The image's type, pixel size and digest; ``NotAnImage`` or ``BadImage`` when it is refused."""
    found = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        raise NotAnImage("A floor plan is a PNG or JPEG image (SVG is not accepted: it can carry script).")
    content_type, pillow_format = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                width, height = image.size
                if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE) or width * height > MAX_PIXELS:
                    raise BadImage(f"The image is {width} × {height} pixels; at most {MAX_SIDE:,} per side and "
                                   f"{MAX_PIXELS:,} in all.")
                image.load()  # decodes every pixel: a truncated file fails here, not in the browser
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise BadImage(f"The file starts like a {pillow_format} image but does not decode: {exc}") from None
    return CheckedImage(content_type, width, height, hashlib.sha256(data).hexdigest())
