//! A request body must arrive in full within `CUNXIANG_BODY_TIMEOUT` seconds of its head:
//! actix bounds only the head (`client_request_timeout`), so a body that trickles in would
//! hold a worker's read and its buffers for as long as the sender likes. Past the deadline the
//! handler's read fails, and the answer is 408 — the JSON error shape, or Open311's under
//! `/open311/v2/` — with `Connection: close`. Requests whose body is never read are untouched.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::rt::time::Sleep;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::Stream;

use crate::error::{ApiError, ErrorCode};
use crate::open311::{Format, Open311Error};
use crate::state::AppState;

/// Cuts off request bodies still arriving `body_timeout_secs` after the head came in.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(secs) = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.body_timeout_secs)
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let expired = Rc::new(Cell::new(false));
    let payload = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(actix_web::rt::time::sleep(Duration::from_secs(secs))),
        expired: expired.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(payload),
    });
    let res = next.call(req).await?.map_into_boxed_body();
    if !expired.get() {
        return Ok(res);
    }
    let (req, _) = res.into_parts();
    let message = format!("the request body did not arrive within {secs} seconds");
    let mut answer = if req.path().starts_with("/open311/v2/") {
        let format = if req.path().ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        };
        Open311Error::new(StatusCode::REQUEST_TIMEOUT, message)
            .in_format(format)
            .error_response()
    } else {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, ErrorCode::BodyTimeout, message).error_response()
    };
    answer
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer))
}

/// A payload that fails once its deadline has passed, however its bytes come.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(None);
        }
        // The clock first: a body that keeps sending a byte at a time is cut off too.
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.set(true);
            let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "body timed out");
            return Poll::Ready(Some(Err(PayloadError::Io(timed_out))));
        }
        Pin::new(&mut this.inner).poll_next(cx)
    }
}
