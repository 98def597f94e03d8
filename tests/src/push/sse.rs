//! A Server-Sent Events client over reqwest's streaming body: parses `id:`, `event:`,
//! `data:` and `:` comment lines, and waits for the next event with a deadline.

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::{Session, TestServer};

/// One event read from a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `id:` field.
    pub id: Option<String>,
    /// The `event:` field.
    pub event: Option<String>,
    /// The `data:` lines, joined with new lines.
    pub data: String,
}

impl SseEvent {
    /// The `id:` as the feed `seq` it is.
    pub fn seq(&self) -> i64 {
        self.id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("event without a numeric id: {self:?}"))
    }

    /// The data as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("data is not JSON ({e}): {self:?}"))
    }

    /// The event's kind (`event:`), which must be there.
    pub fn kind(&self) -> &str {
        self.event
            .as_deref()
            .unwrap_or_else(|| panic!("no event name: {self:?}"))
    }

    /// The timeline event's id in the data.
    pub fn event_id(&self) -> String {
        self.json()["event"]["id"]
            .as_str()
            .expect("event.id")
            .to_owned()
    }
}

/// An open `GET /v1/events` stream.
#[derive(Debug)]
pub struct SseStream {
    res: reqwest::Response,
    buf: String,
    current: SseEvent,
    events: VecDeque<SseEvent>,
    /// Every comment line seen so far (without the leading `:`).
    pub comments: Vec<String>,
}

impl SseStream {
    /// Reads chunks until `done` holds or `deadline` passes; false on timeout.
    async fn read_until(
        &mut self,
        deadline: tokio::time::Instant,
        done: impl Fn(&Self) -> bool,
    ) -> bool {
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(bytes))) => self.feed(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) => panic!(
                    "the stream ended; events read but not taken: {:?}",
                    self.events
                ),
                Ok(Err(e)) => panic!("the stream failed: {e}"),
            }
        }
        true
    }

    /// Parses complete lines of `text`.
    fn feed(&mut self, text: &str) {
        self.buf.push_str(text);
        while let Some(end) = self.buf.find('\n') {
            let line: String = self.buf.drain(..=end).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                let event = std::mem::replace(
                    &mut self.current,
                    SseEvent {
                        id: None,
                        event: None,
                        data: String::new(),
                    },
                );
                if event.id.is_some() || event.event.is_some() || !event.data.is_empty() {
                    self.events.push_back(event);
                }
                continue;
            }
            if let Some(comment) = line.strip_prefix(':') {
                self.comments.push(comment.trim_start().to_owned());
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
            match field {
                "id" => self.current.id = Some(value),
                "event" => self.current.event = Some(value),
                "data" if self.current.data.is_empty() => self.current.data = value,
                "data" => {
                    self.current.data.push('\n');
                    self.current.data.push_str(&value);
                }
                _ => {}
            }
        }
    }

    /// The next event within `timeout`, or `None`.
    pub async fn try_next_event(&mut self, timeout: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + timeout;
        self.read_until(deadline, |s| !s.events.is_empty()).await;
        self.events.pop_front()
    }

    /// The next event; panics with `what` unless one comes within `timeout`.
    pub async fn next_event(&mut self, timeout: Duration, what: &str) -> SseEvent {
        self.try_next_event(timeout)
            .await
            .unwrap_or_else(|| panic!("no event within {timeout:?} on the stream: wanted {what}"))
    }

    /// The next `n` events, each within `timeout`.
    pub async fn next_events(&mut self, n: usize, timeout: Duration, what: &str) -> Vec<SseEvent> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let got: Vec<&str> = out.iter().map(SseEvent::kind).collect();
            let want = format!("{what} (event {} of {n}; got {got:?})", i + 1);
            out.push(self.next_event(timeout, &want).await);
        }
        out
    }

    /// Panics if an event arrives within `wait`.
    pub async fn assert_quiet(&mut self, wait: Duration, why: &str) {
        if let Some(event) = self.try_next_event(wait).await {
            panic!("unexpected event ({why}): {event:?}");
        }
    }

    /// Waits up to `timeout` for a comment line after the ones already seen; returns it.
    pub async fn next_comment(&mut self, timeout: Duration) -> String {
        let seen = self.comments.len();
        let deadline = tokio::time::Instant::now() + timeout;
        if !self.read_until(deadline, |s| s.comments.len() > seen).await {
            panic!("no comment (heartbeat) within {timeout:?}");
        }
        self.comments[seen].clone()
    }
}

/// What an event stream request answered when it was not a stream.
#[derive(Debug)]
pub struct Refused {
    /// The status.
    pub status: StatusCode,
    /// The body as JSON (`Null` if it is not).
    pub body: Value,
}

impl TestServer {
    /// `GET /v1/events{query}` with an optional token and `Last-Event-ID`: the stream, or the
    /// status and body when the server did not open one.
    pub async fn try_events(
        &self,
        token: Option<&str>,
        last_event_id: Option<&str>,
        query: &str,
    ) -> Result<SseStream, Refused> {
        let mut req = self.client.get(self.url(&format!("/v1/events{query}")));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let res = req.send().await.expect("GET /v1/events");
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if status != StatusCode::OK || !kind.starts_with("text/event-stream") {
            let text = res.text().await.unwrap_or_default();
            return Err(Refused {
                status,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
            });
        }
        Ok(SseStream {
            res,
            buf: String::new(),
            current: SseEvent {
                id: None,
                event: None,
                data: String::new(),
            },
            events: VecDeque::new(),
            comments: Vec::new(),
        })
    }

    /// `who`'s stream (from now, or after `last_event_id`); panics unless it opens.
    pub async fn events(&self, who: &Session, last_event_id: Option<&str>) -> SseStream {
        self.try_events(Some(&who.access_token), last_event_id, "")
            .await
            .unwrap_or_else(|r| panic!("the stream did not open: {} {}", r.status, r.body))
    }
}
