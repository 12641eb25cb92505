//! File names: one path segment a person would type, nothing a file system
//! or an object store could read as a path. Checked before any storage call.

use crate::error::ApiError;
use axum::http::StatusCode;

pub const MAX_NAME_BYTES: usize = 255;

/// `Ok` when `name` may be stored; else an error saying why.
pub fn check(name: &str) -> Result<(), ApiError> {
    let bad = |why: &str| Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_name", format!("{name:?} is not a valid file name: {why}")));
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad("it is longer than 255 bytes");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("it contains a control character");
    }
    if name.contains('/') || name.contains('\\') {
        return bad("it contains a path separator");
    }
    if name.starts_with('.') {
        return bad("it starts with a dot (`.`, `..` and hidden names are not allowed)");
    }
    if name.trim() != name {
        return bad("it starts or ends with white space");
    }
    if name.len() >= 2 && name.as_bytes()[1] == b':' {
        return bad("it looks like a drive path");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["sales.csv", "Q3 report (final).csv", "données-2024.tsv", "a"] {
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in ["", "..", "../etc/passwd", "a/b", "a\\b", "/etc/passwd", ".env", "x\0y", "x\ny", " x", "C:evil", &"n".repeat(256)] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
