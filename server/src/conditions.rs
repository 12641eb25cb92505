//! Conditional requests (RFC 9110 §13) on a file whose current version is
//! known by its `ETag` (`"sha256"`, strong) and `Last-Modified`:
//!
//! - `If-Match` / `If-None-Match` on `PUT` and `DELETE` (so a client can
//!   avoid overwriting a version it has not seen, or create only if absent:
//!   `If-None-Match: *`), and on `GET`/`HEAD` (`If-None-Match` → 304);
//! - `If-Range` on a ranged `GET`: the range is served only if the file is
//!   still the version the client has; otherwise the whole file (200).
//!
//! Writes evaluate the preconditions twice: before reading the body (to
//! refuse early) and again when the upload is committed, under the name's
//! lock (`store::Files::commit`), which is what makes them hold.

/// An entity tag list header: `*`, or tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tags {
    Any,
    List(Vec<String>),
}

impl Tags {
    pub fn parse(header: &str) -> Tags {
        if header.trim() == "*" {
            return Tags::Any;
        }
        Tags::List(header.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect())
    }

    /// Strong comparison (a weak tag `W/"…"` never matches).
    fn matches_strong(&self, current: &str) -> bool {
        match self {
            Tags::Any => true,
            Tags::List(tags) => tags.iter().any(|t| t == current),
        }
    }

    /// Weak comparison (for `If-None-Match`).
    fn matches_weak(&self, current: &str) -> bool {
        match self {
            Tags::Any => true,
            Tags::List(tags) => tags.iter().any(|t| t.strip_prefix("W/").unwrap_or(t) == current),
        }
    }
}

/// The preconditions a write carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<Tags>,
    pub if_none_match: Option<Tags>,
}

impl Preconditions {
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Preconditions {
        let get = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok()).map(Tags::parse);
        Preconditions { if_match: get(axum::http::header::IF_MATCH), if_none_match: get(axum::http::header::IF_NONE_MATCH) }
    }

    pub fn is_empty(&self) -> bool {
        self.if_match.is_none() && self.if_none_match.is_none()
    }

    /// Whether a write may replace `current` (the `ETag` of the file now, or
    /// `None` when there is no file by that name).
    pub fn allow_write(&self, current: Option<&str>) -> bool {
        if let Some(tags) = &self.if_match {
            match current {
                None => return false,
                Some(tag) if !tags.matches_strong(tag) => return false,
                Some(_) => {}
            }
        }
        if let Some(tags) = &self.if_none_match {
            if let Some(tag) = current {
                if tags.matches_weak(tag) {
                    return false;
                }
            }
        }
        true
    }

    /// For a read: `Some(false)` → 412 (`If-Match` failed), `Some(true)` →
    /// 304 (`If-None-Match` matched), `None` → send the file.
    pub fn read_outcome(&self, current: &str) -> Option<bool> {
        if let Some(tags) = &self.if_match {
            if !tags.matches_strong(current) {
                return Some(false);
            }
        }
        match &self.if_none_match {
            Some(tags) if tags.matches_weak(current) => Some(true),
            _ => None,
        }
    }
}

/// Whether a `Range` may be honoured given `If-Range` (absent → yes). A tag
/// must match strongly; a date must equal `Last-Modified` exactly (a date
/// validator is weak, RFC 9110 §13.1.5, so only an exact match counts).
pub fn if_range_holds(if_range: Option<&str>, etag: &str, last_modified: Option<&str>) -> bool {
    let Some(value) = if_range.map(str::trim) else { return true };
    if value.starts_with('"') || value.starts_with("W/") {
        return value == etag;
    }
    match (httpdate::parse_http_date(value), last_modified.map(httpdate::parse_http_date)) {
        (Ok(given), Some(Ok(ours))) => given == ours,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes() {
        let p = |m: Option<&str>, n: Option<&str>| Preconditions { if_match: m.map(Tags::parse), if_none_match: n.map(Tags::parse) };
        assert!(p(None, None).allow_write(None));
        assert!(p(None, None).allow_write(Some("\"a\"")));
        // Create only.
        assert!(p(None, Some("*")).allow_write(None));
        assert!(!p(None, Some("*")).allow_write(Some("\"a\"")));
        // Replace only the version seen.
        assert!(p(Some("\"a\""), None).allow_write(Some("\"a\"")));
        assert!(p(Some("\"b\", \"a\""), None).allow_write(Some("\"a\"")));
        assert!(!p(Some("\"a\""), None).allow_write(Some("\"b\"")));
        assert!(!p(Some("\"a\""), None).allow_write(None));
        assert!(!p(Some("W/\"a\""), None).allow_write(Some("\"a\"")), "weak tags never match strongly");
        assert!(p(Some("*"), None).allow_write(Some("\"x\"")));
        assert!(!p(Some("*"), None).allow_write(None));
    }

    #[test]
    fn reads() {
        let p = |m: Option<&str>, n: Option<&str>| Preconditions { if_match: m.map(Tags::parse), if_none_match: n.map(Tags::parse) };
        assert_eq!(p(None, Some("\"a\"")).read_outcome("\"a\""), Some(true));
        assert_eq!(p(None, Some("W/\"a\"")).read_outcome("\"a\""), Some(true));
        assert_eq!(p(None, Some("\"b\"")).read_outcome("\"a\""), None);
        assert_eq!(p(Some("\"b\""), None).read_outcome("\"a\""), Some(false));
        assert_eq!(p(None, None).read_outcome("\"a\""), None);
    }

    #[test]
    fn if_range() {
        let date = "Thu, 29 Feb 2024 23:59:59 GMT";
        assert!(if_range_holds(None, "\"a\"", Some(date)));
        assert!(if_range_holds(Some("\"a\""), "\"a\"", Some(date)));
        assert!(!if_range_holds(Some("\"b\""), "\"a\"", Some(date)));
        assert!(!if_range_holds(Some("W/\"a\""), "\"a\"", Some(date)));
        assert!(if_range_holds(Some(date), "\"a\"", Some(date)));
        assert!(!if_range_holds(Some("Thu, 29 Feb 2024 23:59:58 GMT"), "\"a\"", Some(date)));
        assert!(!if_range_holds(Some("garbage"), "\"a\"", Some(date)));
    }
}
