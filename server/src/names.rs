//! File names: one path segment a person would type and read back as it is.
//!
//! A name is normalised to Unicode NFC (so `é` typed two ways is one file),
//! then refused if a file system or an object store could read it as a path,
//! or if it could deceive a person: invisible characters (zero-width,
//! right-to-left overrides and the other format controls), Windows device
//! names (`CON`, `aux.csv`, `COM1`), characters Windows cannot store, and
//! trailing dots or spaces (which Windows drops, turning `x.csv.` into
//! `x.csv`). Checked before any storage call.
//!
//! Storage never sees a name: objects are keyed by the name's SHA-256
//! (`store::layout`), so every allowed name — 255 bytes of UTF-8 however
//! it would percent-encode — has the same, short key. `MAX_NAME_BYTES` is the
//! contract's limit, not a file system's. The Django app (issue 15) applies
//! the same rules; the contract tests (`tests/store/names.test.mjs`) hold both.

use unicode_normalization::UnicodeNormalization;

pub const MAX_NAME_BYTES: usize = 255;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidName {
    pub name: String,
    pub why: &'static str,
}

impl std::fmt::Display for InvalidName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a valid file name: {}", self.name, self.why)
    }
}

/// The name to store `raw` under (NFC), or why it is refused.
pub fn check(raw: &str) -> Result<String, InvalidName> {
    let name: String = raw.nfc().collect();
    let bad = |why: &'static str| Err(InvalidName { name: raw.to_string(), why });
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad("it is longer than 255 bytes (UTF-8)");
    }
    if name.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}') {
        return bad("it contains a control character or a line break");
    }
    if name.chars().any(invisible) {
        return bad("it contains an invisible character (zero-width, a text-direction override or another format control)");
    }
    if name.contains('/') || name.contains('\\') {
        return bad("it contains a path separator");
    }
    if name.chars().any(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')) {
        return bad("it contains a character Windows cannot store in a file name (< > : \" | ? *)");
    }
    if name.starts_with('.') {
        return bad("it starts with a dot (`.`, `..` and hidden names are not allowed)");
    }
    if name.trim() != name {
        return bad("it starts or ends with white space");
    }
    if name.ends_with('.') {
        return bad("it ends with a dot (Windows drops it, so it would not be the name shown)");
    }
    if windows_device(&name) {
        return bad("it is a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9), with or without an extension");
    }
    Ok(name)
}

/// Default-ignorable code points (Unicode's DerivedCoreProperties), which
/// render as nothing: zero-width spaces and joiners, bidirectional controls
/// (LRM/RLM, LRE…RLO, LRI…PDI, ALM), soft hyphen, fillers, variation
/// selectors, tags, and the format controls around them.
fn invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF
        // Arabic and Syriac format characters (number signs, abbreviation marks).
        | 0x0600..=0x0605 | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x110BD | 0x110CD | 0x13430..=0x1343F)
}

/// Windows reserves these names in every directory, whatever the extension
/// (`aux.csv` opens the AUX device), case-insensitively, and ignores spaces
/// before the extension (`CON .csv`).
fn windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end().to_uppercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix)
            .is_some_and(|n| matches!(n, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"))
    };
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" | "CLOCK$") || numbered("COM") || numbered("LPT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed() {
        for good in ["sales.csv", "Q3 report (final).csv", "données-2024.tsv", "a", "console.csv", "COM10.csv", "nul-results.csv", "a.b.c", "日本語のファイル名.csv"] {
            assert_eq!(check(good).as_deref(), Ok(good), "{good}");
        }
        // 255 bytes exactly is allowed, in any script.
        let long = "n".repeat(255);
        assert!(check(&long).is_ok());
        let cjk = "表".repeat(85); // 255 bytes of UTF-8, 765 once percent-encoded
        assert!(check(&cjk).is_ok());
    }

    #[test]
    fn refused() {
        let cases = [
            "", "..", "../etc/passwd", "a/b", "a\\b", "/etc/passwd", ".env", "x\0y", "x\ny", " x", "x ", "C:evil", "a:b.csv",
            "what?.csv", "star*.csv", "pipe|.csv", "quote\".csv", "<x>.csv",
            // Deceptive: an override that shows "cod.exe" as "exe.doc"-like text, zero-width and other invisibles.
            "invoice\u{202E}fdp.exe", "x\u{200B}y.csv", "x\u{200D}.csv", "\u{FEFF}bom.csv", "soft\u{00AD}hyphen.csv", "lrm\u{200E}.csv",
            "isolate\u{2067}.csv", "tag\u{E0041}.csv", "line\u{2028}sep.csv", "vs\u{FE0F}.csv",
            // Windows devices and trailing dots.
            "CON", "con", "NUL.txt", "aux.csv", "Com1", "LPT9.tar.gz", "COM¹.csv", "CON .csv", "prn.", "report.csv.", "report.csv...",
        ];
        for bad in cases {
            assert!(check(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(check(&"n".repeat(256)).is_err());
        assert!(check(&"表".repeat(86)).is_err(), "258 bytes");
    }

    #[test]
    fn normalised_to_nfc() {
        // "é" as e + combining acute (3 bytes) becomes U+00E9 (2 bytes).
        assert_eq!(check("cafe\u{301}.csv").unwrap(), "caf\u{e9}.csv");
        // Measured after normalisation: 254 decomposed bytes that compose to fewer are fine,
        // and the length limit is on what is stored.
        let decomposed = format!("{}{}", "n".repeat(252), "e\u{301}");
        assert_eq!(decomposed.len(), 255);
        assert_eq!(check(&decomposed).unwrap().len(), 254);
    }
}
