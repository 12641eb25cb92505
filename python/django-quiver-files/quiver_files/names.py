"""File names: one path segment a person would type and read back as it is.

The same rules as the Rust store (server/src/names.rs); the HTTP contract
tests (tests/store/names.test.mjs) hold both. A name is normalised to NFC
(so "é" typed two ways is one file), then refused if a file system or an
object store could read it as a path, or if it could deceive a person:
invisible characters (zero-width, text-direction overrides and the other
format controls), Windows device names ("CON", "aux.csv", "COM1"),
characters Windows cannot store, and trailing dots or spaces. Checked before
storage is touched. Storage never sees a name: blobs are keyed by a random
id (models.StoredFile.blob), so the limit is the contract's 255 bytes of
UTF-8, not a file system's.
"""
import unicodedata

MAX_NAME_BYTES = 255


class InvalidName(ValueError):
    def __init__(self, name, why):
        super().__init__(f"{name!r} is not a valid file name: {why}")
        self.name = name
        self.why = why


_INVISIBLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
    # Arabic and Syriac format characters (number signs, abbreviation marks).
    (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
]


def _invisible(c):
    """Default-ignorable code points: they render as nothing."""
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in _INVISIBLE)


_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_DEVICE_DIGITS = set("0123456789¹²³")


def _windows_device(name):
    """Windows reserves these in every directory, whatever the extension,
    case-insensitively, and ignores spaces before the extension."""
    stem = name.split(".", 1)[0].rstrip().upper()
    if stem in _DEVICES:
        return True
    return len(stem) == 4 and stem[:3] in ("COM", "LPT") and stem[3] in _DEVICE_DIGITS


def check(raw):
    """The name to store `raw` under (NFC), or InvalidName saying why not."""
    name = unicodedata.normalize("NFC", raw)

    def bad(why):
        raise InvalidName(raw, why)

    if not name:
        bad("it is empty")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        bad("it is longer than 255 bytes (UTF-8)")
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in "\u2028\u2029" for c in name):
        bad("it contains a control character or a line break")
    if any(_invisible(c) for c in name):
        bad("it contains an invisible character (zero-width, a text-direction override or another format control)")
    if "/" in name or "\\" in name:
        bad("it contains a path separator")
    if any(c in '<>:"|?*' for c in name):
        bad('it contains a character Windows cannot store in a file name (< > : " | ? *)')
    if name.startswith("."):
        bad("it starts with a dot (`.`, `..` and hidden names are not allowed)")
    if name.strip() != name:
        bad("it starts or ends with white space")
    if name.endswith("."):
        bad("it ends with a dot (Windows drops it, so it would not be the name shown)")
    if _windows_device(name):
        bad("it is a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9), with or without an extension")
    return name
