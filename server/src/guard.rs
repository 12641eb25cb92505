//! Who may call: the checks every request passes before a route sees it.
//!
//! What the default set-up (`npm start`: loopback, no token) protects
//! against is other web pages the same browser has open:
//!
//! 1. **Host** (DNS rebinding): a page on `evil.example` whose name is made
//!    to resolve to 127.0.0.1 talks to the store as "same-origin", with
//!    `Host: evil.example`. On a loopback address only `localhost`,
//!    `127.0.0.1`, `[::1]` and `--allowed-host` names are answered; any
//!    other `Host` gets 403 `forbidden_host` (reads included).
//! 2. **Origin**: a write (`PUT`, `POST`, `PATCH`, `DELETE`) whose `Origin`
//!    is not one of `--cors-origin` (`null` included) gets 403
//!    `forbidden_origin`. Browsers always send `Origin` on cross-origin writes.
//! 3. **No simple cross-site POST**: the one write a page can send without a
//!    CORS preflight is a `POST` with a form's content type. Such a POST must
//!    carry `X-Requested-With`, `Tus-Resumable` or `Authorization` — headers
//!    a browser sends cross-site only after a preflight the store answered
//!    for that origin — else 403 `cross_site_write`. (`PUT`, `PATCH` and
//!    `DELETE` are always preflighted.)
//! 4. **Token** (`--token`): every request but a CORS preflight needs
//!    `Authorization: Bearer <token>` (401 `unauthorized`). Compared in
//!    constant time: both sides are hashed, then compared with `subtle`.
//!
//! Not covered without a token: any program on the machine (or, when
//! listening beyond loopback, on the network) can read and write. The
//! contract tests (`tests/store/cross-site.test.mjs`) send each attack.

use std::net::IpAddr;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

pub struct Guard {
    token: Option<[u8; 32]>,
    origins: Vec<HeaderValue>,
    /// `None`: any Host (listening beyond loopback and no `--allowed-host`).
    hosts: Option<Vec<String>>,
}

/// The loopback names always allowed on a loopback address.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

impl Guard {
    pub fn new(token: Option<&str>, origins: &[String], allowed_hosts: &[String], listen: &str) -> Guard {
        let loopback = listen_is_loopback(listen);
        let hosts = if loopback || !allowed_hosts.is_empty() {
            let mut hosts: Vec<String> = allowed_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
            if loopback {
                hosts.extend(LOOPBACK_HOSTS.iter().map(|h| h.to_string()));
            }
            Some(hosts)
        } else {
            None
        };
        Guard {
            token: token.map(|t| Sha256::digest(t.as_bytes()).into()),
            origins: origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect(),
            hosts,
        }
    }

    pub fn origins(&self) -> &[HeaderValue] {
        &self.origins
    }

    /// Checks 1 (Host): every request, preflights included.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(hosts) = &self.hosts else { return Ok(()) };
        let Some(host) = headers.get(header::HOST) else { return Ok(()) }; // HTTP/1.0: no name to rebind
        let name = host.to_str().ok().map(host_name).unwrap_or_default();
        if hosts.contains(&name) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_host",
                format!("this store answers only for {} (start it with --allowed-host to add a name)", hosts.join(", ")),
            ))
        }
    }

    /// Checks 2–4, for anything but a CORS preflight.
    pub fn check_request(&self, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
        let write = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if write {
            if let Some(origin) = headers.get(header::ORIGIN) {
                if !self.origins.iter().any(|o| o == origin) {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden_origin",
                        format!("pages from {} may not write to this store (allowed: --cors-origin)", origin.to_str().unwrap_or("that origin")),
                    ));
                }
            }
        }
        if let Some(expected) = &self.token {
            let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
            let given: [u8; 32] = Sha256::digest(given.unwrap_or("").as_bytes()).into();
            let matches: bool = given.ct_eq(expected).into();
            if !matches {
                return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this store needs `Authorization: Bearer <token>`"));
            }
        }
        if *method == Method::POST && simple_content_type(headers) {
            let vouched = ["x-requested-with", "tus-resumable", "authorization"].iter().any(|h| headers.contains_key(*h));
            if !vouched {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "cross_site_write",
                    "a POST with a form's content type must carry X-Requested-With (any value), which a page on another site cannot send without this store's consent",
                ));
            }
        }
        Ok(())
    }
}

/// Whether a POST's content type is one a plain HTML form (or a no-cors
/// fetch) may send without a preflight (absent counts: no header at all).
fn simple_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return true };
    let essence = value.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(essence.as_str(), "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
}

/// The host name of a `Host` value, lowercased, without its port.
fn host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    if host.starts_with('[') {
        return host.split_once(']').map(|(h, _)| format!("{h}]")).unwrap_or(host);
    }
    host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map(|(h, _)| h.to_string()).unwrap_or(host)
}

fn listen_is_loopback(listen: &str) -> bool {
    let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn hosts_on_loopback() {
        let guard = Guard::new(None, &[], &[], "127.0.0.1:8787");
        for ok in ["127.0.0.1:8787", "localhost", "LOCALHOST:1", "[::1]:8787"] {
            assert!(guard.check_host(&headers(&[("host", ok)])).is_ok(), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8787", "127.0.0.1.nip.io:8787", "localhost.evil", "[::2]"] {
            assert_eq!(guard.check_host(&headers(&[("host", bad)])).unwrap_err().code, "forbidden_host", "{bad}");
        }
        let open = Guard::new(None, &[], &[], "0.0.0.0:8787");
        assert!(open.check_host(&headers(&[("host", "anything")])).is_ok());
        let named = Guard::new(None, &[], &["files.example".into()], "0.0.0.0:8787");
        assert!(named.check_host(&headers(&[("host", "files.example:443")])).is_ok());
        assert!(named.check_host(&headers(&[("host", "127.0.0.1")])).is_err());
    }

    #[test]
    fn writes_and_origins() {
        let guard = Guard::new(None, &["http://app.example".into()], &[], "127.0.0.1:1");
        let post = Method::POST;
        let form = ("content-type", "multipart/form-data; boundary=x");
        assert_eq!(guard.check_request(&post, &headers(&[form])).unwrap_err().code, "cross_site_write");
        assert!(guard.check_request(&post, &headers(&[form, ("x-requested-with", "quiver")])).is_ok());
        assert!(guard.check_request(&post, &headers(&[("tus-resumable", "1.0.0")])).is_ok());
        assert!(guard.check_request(&post, &headers(&[("content-type", "application/json")])).is_ok());
        assert_eq!(guard.check_request(&post, &headers(&[("content-type", "Text/Plain;charset=utf-8")])).unwrap_err().code, "cross_site_write");
        let evil = ("origin", "http://evil.example");
        assert_eq!(guard.check_request(&Method::PUT, &headers(&[evil])).unwrap_err().code, "forbidden_origin");
        assert_eq!(guard.check_request(&Method::DELETE, &headers(&[("origin", "null")])).unwrap_err().code, "forbidden_origin");
        assert!(guard.check_request(&Method::PUT, &headers(&[("origin", "http://app.example")])).is_ok());
        // Reads are not refused for their origin (CORS keeps the answer from the page).
        assert!(guard.check_request(&Method::GET, &headers(&[evil])).is_ok());
    }

    #[test]
    fn tokens() {
        let guard = Guard::new(Some("s3cret"), &[], &[], "127.0.0.1:1");
        let get = Method::GET;
        assert!(guard.check_request(&get, &headers(&[("authorization", "Bearer s3cret")])).is_ok());
        for wrong in ["Bearer s3cre", "Bearer s3cret ", "Bearer s3cretX", "bearer s3cret", "s3cret", "Bearer "] {
            assert_eq!(guard.check_request(&get, &headers(&[("authorization", wrong)])).unwrap_err().code, "unauthorized", "{wrong}");
        }
        assert_eq!(guard.check_request(&get, &HeaderMap::new()).unwrap_err().code, "unauthorized");
        // An empty configured token is still a token: no header does not match it by accident.
        let empty = Guard::new(Some("x"), &[], &[], "127.0.0.1:1");
        assert!(empty.check_request(&get, &headers(&[("authorization", "Bearer ")])).is_err());
    }
}
