//! The edge rule: no control character reaches a handler, whatever route it was sent to.
//! PostgreSQL refuses NUL in text (a 500 deep inside a query), and no field of this API has
//! a use for C0/C1 controls or DEL; tab, line feed and carriage return are allowed in request
//! bodies only (descriptions and notes span lines; paths and query strings never do).
//!
//! One middleware applies the rule to every request:
//! - the percent-decoded path: 400 `control_character`, `details.in = "path"`;
//! - each percent-decoded query parameter (name and value): 400, naming the parameter;
//!
//! both before routing and authentication (the answer depends on nothing but the bytes, and
//! tells nothing about accounts or resources); and
//! - the body, as the handler reads it: JSON `\uXXXX` escapes and raw characters, form
//!   `%XX` escapes and raw bytes, after undoing any `Content-Encoding`: 422. A route that
//!   authenticates its caller before reading the body answers 401/403 first; no handler sees
//!   a byte past the character, and whatever it answered is replaced by the refusal.
//!
//! `multipart/form-data` bodies carry photos, whose bytes are not text; their text parts
//! are checked where they are read, with the same rule (`cunxiang_core::text`; the Open311
//! POST).
//! Under `/open311/v2/` the refusal is an Open311 error (400, `.xml` resources in XML).

mod scan;

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Decompress, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::Stream;
use percent_encoding::percent_decode_str;
use serde_json::json;

pub use scan::{BodyScanner, Encoding, first_refused, refused};

use crate::error::{ApiError, ErrorCode};
use crate::open311::{Format, Open311Error};

/// Where a refused character was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// In the path.
    Path(char),
    /// In the query parameter of this (decoded) name.
    Query(String, char),
    /// In the body.
    Body(char),
}

impl Found {
    /// The caller's explanation.
    pub fn message(&self) -> String {
        let (what, c) = match self {
            Found::Path(c) => ("the path".to_owned(), c),
            Found::Query(name, c) => (format!("query parameter {name:?}"), c),
            Found::Body(c) => ("the request body".to_owned(), c),
        };
        cunxiang_core::text::explain(&what, *c)
    }

    /// The answer: the JSON error shape, or Open311's under `/open311/v2/`.
    pub fn response(&self, req: &HttpRequest) -> HttpResponse {
        let path = req.path();
        if path.starts_with("/open311/v2/") {
            let format = if path.ends_with(".xml") {
                Format::Xml
            } else {
                Format::Json
            };
            return Open311Error::bad(self.message())
                .in_format(format)
                .error_response();
        }
        let (status, details) = match self {
            Found::Path(c) => (
                StatusCode::BAD_REQUEST,
                json!({ "in": "path", "character": code(*c) }),
            ),
            Found::Query(name, c) => (
                StatusCode::BAD_REQUEST,
                json!({ "in": "query", "parameter": name, "character": code(*c) }),
            ),
            Found::Body(c) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "in": "body", "character": code(*c) }),
            ),
        };
        ApiError::new(status, ErrorCode::ControlCharacter, self.message())
            .with_details(details)
            .error_response()
    }
}

fn code(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The first refused character of the percent-decoded path or query string.
pub fn in_path_or_query(path: &str, query: &str) -> Option<Found> {
    let path = percent_decode_str(path).decode_utf8_lossy();
    if let Some(c) = first_refused(&path, false) {
        return Some(Found::Path(c));
    }
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(name, value)| {
        first_refused(&name, false)
            .or_else(|| first_refused(&value, false))
            .map(|c| Found::Query(name.into_owned(), c))
    })
}

/// How the body of a request with these headers is scanned; `None`: not at all (multipart).
fn body_encoding(req: &ServiceRequest) -> Option<Encoding> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/") {
        None
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Some(Encoding::Form)
    } else {
        // JSON, and anything else a handler might read as text.
        Some(Encoding::Json)
    }
}

/// The middleware: refuses a request carrying a control character (see the module docs).
pub async fn refuse_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if let Some(found) = in_path_or_query(req.path(), req.query_string()) {
        let res = found.response(req.request());
        return Ok(req.into_response(res));
    }
    let tripped = Rc::new(Cell::new(None));
    if let Some(encoding) = body_encoding(&req) {
        // Undo Content-Encoding here, once, so the scanner sees the text the handler gets.
        let decoded = Decompress::from_headers(req.take_payload(), req.headers());
        req.headers_mut().remove(CONTENT_ENCODING);
        let scanning = Scanning {
            inner: decoded,
            scanner: BodyScanner::new(encoding),
            tripped: tripped.clone(),
        };
        let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(scanning);
        req.set_payload(Payload::from(boxed));
    }
    let res = next.call(req).await?.map_into_boxed_body();
    match tripped.take() {
        // The handler failed reading its body; whatever it answered, the answer is ours.
        Some(c) => {
            let (req, _) = res.into_parts();
            let answer = Found::Body(c).response(&req);
            Ok(ServiceResponse::new(req, answer))
        }
        None => Ok(res),
    }
}

/// A body stream that stops with an error at the first refused character, noting it.
struct Scanning {
    inner: Decompress<Payload>,
    scanner: BodyScanner,
    tripped: Rc<Cell<Option<char>>>,
}

impl Stream for Scanning {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.tripped.get().is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => match this.scanner.feed(&chunk) {
                Some(c) => {
                    this.tripped.set(Some(c));
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        Found::Body(c).message(),
                    )))))
                }
                None => Poll::Ready(Some(Ok(chunk))),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_query_strings_are_checked_decoded() {
        assert_eq!(
            in_path_or_query("/v1/regions/a%00b", ""),
            Some(Found::Path('\0'))
        );
        assert_eq!(
            in_path_or_query("/v1/regions/a%0Ab", ""),
            Some(Found::Path('\n'))
        );
        assert_eq!(
            in_path_or_query("/v1/reports", "limit=1&status=%C2%85"),
            Some(Found::Query("status".into(), '\u{85}'))
        );
        assert_eq!(
            in_path_or_query("/v1/reports", "a%09b=1"),
            Some(Found::Query("a\tb".into(), '\t'))
        );
        assert_eq!(
            in_path_or_query("/v1/regions/%E4%BD%99%E6%B1%9F", "q=a+b&r=100%25&s=%zz"),
            None
        );
    }
}
