//! `push-bench`'s parts: the SSE client ([`sse`]), the latency rounds on in-process servers
//! ([`latency`]) and the idle-stream memory test on the release binary ([`idle`]). The
//! servers, scratch databases, log-ins and request driver are `lifecycle-bench`'s.

pub mod idle;
pub mod latency;
pub mod sse;

// Only its server, scratch database and HTTP driver are used here.
#[allow(dead_code)]
#[path = "../lifecycle/mod.rs"]
pub mod lifecycle;
