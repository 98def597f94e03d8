//! Failing responses are logged once, when answered, inside the request's span: those of an
//! [`ApiError`] and those the error-shape middleware rewrites.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use tracing_actix_web::TracingLogger;

use super::{ApiError, ErrorCode};

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().map(|b| b.clone()).unwrap_or_default()).into_owned()
    }
}

fn cause(outer: &'static str, inner: &'static str) -> anyhow::Error {
    anyhow::Error::new(std::io::Error::other(inner)).context(outer)
}

async fn broken() -> Result<HttpResponse, ApiError> {
    // Made but never answered: not logged.
    let _dropped = ApiError::internal(cause("reading the spool", "disk on fire"));
    Err(ApiError::internal(cause("storing the photo", "disk full")))
}

async fn missing() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(ErrorCode::NotFound, "no report 7"))
}

/// The lines logged while `uri` is answered, and its status.
async fn answer(uri: &str) -> (u16, String) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let app = test::init_service(
        App::new()
            .wrap(from_fn(crate::middleware::error_shape))
            .wrap(TracingLogger::default())
            .route("/broken", web::get().to(broken))
            .route("/missing", web::get().to(missing)),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = res.status().as_u16();
    drop(test::read_body(res).await);
    (status, logs.text())
}

#[actix_web::test]
async fn a_server_error_is_logged_once_with_its_request_id_and_cause_chain() {
    let (status, logs) = answer("/broken").await;
    assert_eq!(status, 500);
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("storing")).collect();
    assert_eq!(lines.len(), 1, "{logs}");
    let line = lines[0];
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("storing the photo: disk full"), "{line}");
    assert!(line.contains("request_id="), "{line}");
    assert!(line.contains(ErrorCode::InternalError.as_str()), "{line}");
    assert!(!logs.contains("disk on fire"), "{logs}");
}

#[actix_web::test]
async fn a_client_error_is_logged_at_debug_only() {
    let (status, logs) = answer("/missing").await;
    assert_eq!(status, 404);
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("no report 7")).collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(lines[0].contains("DEBUG"), "{}", lines[0]);
    assert!(
        lines[0].contains(ErrorCode::NotFound.as_str()),
        "{}",
        lines[0]
    );
}

#[actix_web::test]
async fn a_response_the_error_shape_rewrites_is_logged_once() {
    let (status, logs) = answer("/nowhere").await;
    assert_eq!(status, 404);
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains("/nowhere")).collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(lines[0].contains("DEBUG"), "{}", lines[0]);
    assert!(lines[0].contains("no resource at /nowhere"), "{}", lines[0]);
}
