//! A fault-injecting HTTP/1.1 reverse proxy in front of a test server, for cutting a phone's
//! network at a chosen request: the browser loads the page and calls the API through
//! [`FaultyProxy::base`] (one origin), and the test makes the next matching requests fail
//! before they reach the server ([`Fault::DropBeforeUpstream`]) or after the server answered
//! ([`Fault::DropResponse`]).
//!
//! One request per client connection: the proxy reads the request head (at most 64 KB) and its
//! `Content-Length` body, sends it to the server on a fresh connection with `Connection: close`,
//! and passes the answer back as it comes (an event stream's chunks reach the client at once)
//! with `Connection: close`, so a client never reuses a connection the proxy is about to close.
//! A request with a chunked body (`Transfer-Encoding`) is refused by closing the connection:
//! browsers send `Content-Length` for `fetch` and `FormData` bodies.
//!
//! The proxy runs on the test's tokio runtime (a test that blocks its thread stalls it) and
//! stops when dropped. A faulted request fails like a cut network: the connection closes
//! without an answer byte. Chromium may silently resend a request that failed so when its
//! connection had been opened in advance and left idle (a preconnect): [`FaultyProxy::seen`]
//! then counts one more arrival than the page made.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The largest request or response head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;

/// What happens to a request picked by [`FaultyProxy::fail_next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The client's connection closes without the request being forwarded: the request never
    /// reached the server.
    DropBeforeUpstream,
    /// The whole request goes to the server and its whole answer is read, then the client's
    /// connection closes without a byte of it: the server did the work, the phone never heard.
    /// Not for event streams (their answer never ends).
    DropResponse,
}

/// Requests are matched by method and path (without the query).
type Route = (String, String);

/// The faults still to inject and the requests seen, by route.
#[derive(Default)]
struct Book {
    faults: HashMap<Route, VecDeque<Fault>>,
    seen: HashMap<Route, usize>,
}

/// A running proxy; stops (and cuts every connection through it) when dropped.
pub struct FaultyProxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    book: Arc<Mutex<Book>>,
    accept: JoinHandle<()>,
}

impl FaultyProxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (`http://host:port`, as
    /// [`crate::TestServer::base`]).
    pub async fn start(upstream: &str) -> FaultyProxy {
        let upstream = upstream
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("not an http:// base: {upstream}"))
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let book = Arc::new(Mutex::new(Book::default()));
        let accept = tokio::spawn(accept(listener, upstream, book.clone()));
        FaultyProxy {
            base: format!("http://{addr}"),
            book,
            accept,
        }
    }

    /// The next requests whose method and path (without the query) match get these faults, in
    /// order, one each; later ones pass. Adds to faults already waiting for the route.
    pub fn fail_next(&self, method: &str, path: &str, faults: Vec<Fault>) {
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        let route = (method.to_owned(), path.to_owned());
        book.faults.entry(route).or_default().extend(faults);
    }

    /// How many requests matching `method` and `path` have arrived whole (faulted ones
    /// included).
    pub fn seen(&self, method: &str, path: &str) -> usize {
        let book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        let route = (method.to_owned(), path.to_owned());
        book.seen.get(&route).copied().unwrap_or(0)
    }

    /// The absolute URL of `path` through the proxy.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        // The accept task owns the connections' tasks: aborting it aborts them.
        self.accept.abort();
    }
}

/// Accepts connections and serves each in its own task until aborted.
async fn accept(listener: TcpListener, upstream: String, book: Arc<Mutex<Book>>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                while connections.try_join_next().is_some() {}
                let (upstream, book) = (upstream.clone(), book.clone());
                connections.spawn(async move {
                    let _ = serve(client, &upstream, &book).await;
                });
            }
            // Out of file descriptors or the like: wait rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Serves one request on `client`, then closes it.
async fn serve(mut client: TcpStream, upstream: &str, book: &Mutex<Book>) -> io::Result<()> {
    let mut request = Vec::new();
    let Some(head_len) = read_head(&mut client, &mut request).await? else {
        return Ok(());
    };
    let head = &request[..head_len];
    let line = lines(head).next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let target = parts.next().unwrap_or_default();
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let path = String::from_utf8_lossy(path).into_owned();
    if header(head, "transfer-encoding").is_some() {
        return Ok(());
    }
    let body_len: usize = match header(head, "content-length") {
        Some(v) => std::str::from_utf8(v)
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| io::Error::other("bad Content-Length"))?,
        None => 0,
    };
    while request.len() < head_len + body_len {
        if !read_more(&mut client, &mut request).await? {
            return Ok(());
        }
    }
    request.truncate(head_len + body_len);
    let fault = {
        let mut book = book.lock().unwrap_or_else(PoisonError::into_inner);
        let route = (method, path);
        let fault = book.faults.get_mut(&route).and_then(VecDeque::pop_front);
        *book.seen.entry(route).or_default() += 1;
        fault
    };
    if fault == Some(Fault::DropBeforeUpstream) {
        return Ok(());
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&with_close(&request[..head_len])).await?;
    server.write_all(&request[head_len..]).await?;
    if fault == Some(Fault::DropResponse) {
        tokio::io::copy(&mut server, &mut tokio::io::sink()).await?;
        return Ok(());
    }
    let mut answer = Vec::new();
    let Some(answer_head) = read_head(&mut server, &mut answer).await? else {
        return Ok(());
    };
    client
        .write_all(&with_close(&answer[..answer_head]))
        .await?;
    client.write_all(&answer[answer_head..]).await?;
    tokio::io::copy(&mut server, &mut client).await?;
    client.shutdown().await
}

/// Reads from `stream` into `buf` until `buf` holds a whole head (through the blank line);
/// answers the head's length, or `None` if the stream ended first.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    let mut from = 0;
    loop {
        if let Some(at) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some(from + at + 4));
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::other("head over 64 KB"));
        }
        from = buf.len().saturating_sub(3);
        if !read_more(stream, buf).await? {
            return Ok(None);
        }
    }
}

/// Appends what `stream` has to `buf`; false at the end of the stream.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// The non-empty lines of a head, without their line ends.
fn lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

/// The value of header line `line` if it is named `name` (in any case).
fn value<'a>(line: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let named = line[..colon]
        .trim_ascii()
        .eq_ignore_ascii_case(name.as_bytes());
    named.then(|| line[colon + 1..].trim_ascii())
}

/// The value of the first header `name` in `head`.
fn header<'a>(head: &'a [u8], name: &str) -> Option<&'a [u8]> {
    lines(head).skip(1).find_map(|l| value(l, name))
}

/// `head` with its connection headers replaced by `Connection: close`.
fn with_close(head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + 19);
    for (i, line) in lines(head).enumerate() {
        let hop = ["connection", "keep-alive", "proxy-connection"]
            .iter()
            .any(|name| value(line, name).is_some());
        if i == 0 || !hop {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}
