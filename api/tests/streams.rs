//! Live streams (`GET /v1/events`) end when their client or the server goes, on the real
//! `cunxiang` binary: a stream whose client closed the connection gives its place under
//! `CUNXIANG_SSE_MAX_PER_USER` back at once (a client reconnecting again and again is never
//! refused), and on SIGTERM every open stream gets a last comment and ends, so the server exits
//! in well under its shutdown timeout. SQLite always; PostgreSQL too when
//! `CUNXIANG_TEST_POSTGRES_URL` is set.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{TestDatabase, cunxiang, test_databases};

/// A villager's test phone (log-in code 123456).
const PHONE: &str = "13800000009";
/// The per-user stream limit the server runs with.
const MAX: usize = 2;
/// The server's shutdown timeout: what a SIGTERM waited for while a stream was open.
const SHUTDOWN_TIMEOUT_SECS: u64 = 30;
/// How soon the server must exit after SIGTERM with a stream open.
const EXIT_WITHIN: Duration = Duration::from_secs(3);
/// The comment every stream ends with when the server stops.
const GOODBYE: &str = ": server shutting down, reconnect";

/// The server process; killed on drop.
struct Server {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on `db` with a villager test phone, a small stream limit and the
    /// default heartbeat (15 s) and shutdown timeout; waits for its banner.
    fn start(db: &TestDatabase) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut child = cunxiang(&dir.path().join("data"), db.url.as_deref())
            .env("CUNXIANG_TEST_PHONES", format!("{PHONE}:123456"))
            .env("CUNXIANG_SSE_MAX_PER_USER", MAX.to_string())
            .env("CUNXIANG_SSE_HEARTBEAT_SECS", "15")
            .env(
                "CUNXIANG_SHUTDOWN_TIMEOUT",
                SHUTDOWN_TIMEOUT_SECS.to_string(),
            )
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first.trim().rsplit(' ').next().unwrap_or_default();
        let addr = url.trim_start_matches("http://").to_owned();
        let server = Server { child, addr, dir };
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "{}: no banner: {first:?}\n{}",
            db.name(),
            server.log()
        );
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// One JSON request on its own connection.
    fn call(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let mut conn = TcpStream::connect(&self.addr).unwrap();
        write!(
            conn,
            "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        (
            status_of(head),
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }

    /// The villager's access token.
    fn villager_token(&self) -> String {
        let (status, body) = self.call("POST", "/v1/auth/otp", &json!({ "phone": PHONE }));
        assert!((200..300).contains(&status), "code: {status} {body}");
        let login = json!({ "phone": PHONE, "code": "123456" });
        let (status, body) = self.call("POST", "/v1/auth/login", &login);
        assert_eq!(status, 200, "log-in: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Opens `GET /v1/events`: the stream once its head has come, or the refusal's status and
    /// text.
    fn open_stream(&self, token: &str) -> Result<Stream, (u16, String)> {
        let mut conn = TcpStream::connect(&self.addr).unwrap();
        write!(
            conn,
            "GET /v1/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\
             Accept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(conn.read(&mut byte).unwrap(), 1, "the head ended early");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let status = status_of(&head);
        if status != 200 {
            let mut rest = String::new();
            conn.set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let _ = conn.read_to_string(&mut rest);
            return Err((status, format!("{head}{rest}")));
        }
        assert!(head.contains("text/event-stream"), "{head}");
        Ok(Stream { conn })
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to exit, at most `limit`; its status, or `None` when it still runs.
    fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// An open stream's connection.
struct Stream {
    conn: TcpStream,
}

impl Stream {
    /// Closes the connection as a client that leaves does: everything sent so far read, then
    /// `close` (a FIN, not a reset).
    fn close(mut self) {
        self.conn
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut buf = [0u8; 4096];
        while matches!(self.conn.read(&mut buf), Ok(n) if n > 0) {}
        drop(self.conn);
    }

    /// Everything the server sends until it closes the connection, at most `limit`; the text and
    /// whether the connection was closed.
    fn read_to_end_within(&mut self, limit: Duration) -> (String, bool) {
        let deadline = Instant::now() + limit;
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (String::from_utf8_lossy(&text).into_owned(), false);
            }
            self.conn.set_read_timeout(Some(left)).unwrap();
            match self.conn.read(&mut buf) {
                Ok(0) => return (String::from_utf8_lossy(&text).into_owned(), true),
                Ok(n) => text.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("reading the stream: {e}"),
            }
        }
    }
}

fn status_of(head: &str) -> u16 {
    head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap()
}

#[test]
fn a_client_that_reconnects_again_and_again_is_never_refused() {
    for db in test_databases() {
        let server = Server::start(&db);
        let token = server.villager_token();
        // Page switches, network flaps, token refreshes: each closes a stream and opens
        // another, a moment later, far within two heartbeats (30 s).
        for round in 1..=MAX + 2 {
            let stream = server.open_stream(&token).unwrap_or_else(|(status, text)| {
                panic!(
                    "{}: reconnect {round} of {} refused with {status} though every earlier \
                     stream was closed:\n{text}",
                    db.name(),
                    MAX + 2
                )
            });
            stream.close();
            std::thread::sleep(Duration::from_millis(100));
        }
        // The limit still holds for streams that stay open.
        let held: Vec<Stream> = (0..MAX)
            .map(|_| server.open_stream(&token).expect("within the limit"))
            .collect();
        let (status, text) = server
            .open_stream(&token)
            .err()
            .expect("one past the limit is refused");
        assert_eq!(status, 429, "{}: {text}", db.name());
        assert!(text.contains("too_many_streams"), "{text}");
        drop(held);
    }
}

#[test]
fn sigterm_ends_open_streams_with_a_last_comment_and_exits_at_once() {
    for db in test_databases() {
        let mut server = Server::start(&db);
        let token = server.villager_token();
        // One stream its client just left, and one still open.
        server.open_stream(&token).expect("a stream").close();
        let mut open = server.open_stream(&token).expect("another stream");
        let started = Instant::now();
        server.terminate();
        let (text, closed) = open.read_to_end_within(EXIT_WITHIN);
        let status = server.exit_within(EXIT_WITHIN.saturating_sub(started.elapsed()));
        let waited = started.elapsed();
        assert!(
            text.contains(GOODBYE),
            "{}: no last comment on the open stream: {text:?}",
            db.name()
        );
        assert!(closed, "{}: the stream was not ended: {text:?}", db.name());
        let status = status.unwrap_or_else(|| {
            panic!(
                "{}: still running {waited:?} after SIGTERM (shutdown timeout {SHUTDOWN_TIMEOUT_SECS} s):\n{}",
                db.name(),
                server.log()
            )
        });
        assert!(status.success(), "{}: exit {status}", db.name());
        // The background workers stopped with the server, none abandoned.
        let log = server.log();
        assert!(
            !log.contains("worker still running at shutdown"),
            "{}: a worker did not stop:\n{log}",
            db.name()
        );
        eprintln!("{}: exited {waited:?} after SIGTERM", db.name());
    }
}
