//! An S3 protocol server for the tests, started by the tests themselves: with
//! `CUNXIANG_TEST_BLOBS=s3` every test server keeps its photos in a bucket of a `moto` server
//! (from PyPI, `pip install 'moto[server]'`; `.ci/run` installs it) instead of on disk. One
//! server per test process, on a free port, ended when the process ends (it exits when its
//! stdin closes); each test database gets its own folder in the one bucket.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use cunxiang_api::blobs::s3::S3Config;
use cunxiang_api::settings::Secret;

/// The bucket every test server uses (each under its own prefix).
pub const BUCKET: &str = "cunxiang-test";

/// Whether this run keeps photos in S3 (`CUNXIANG_TEST_BLOBS=s3`).
pub fn wanted() -> bool {
    std::env::var("CUNXIANG_TEST_BLOBS").is_ok_and(|v| v == "s3")
}

struct Moto {
    endpoint: String,
    // Held so its stdin stays open: the server lives as long as this process.
    _child: Mutex<Child>,
}

fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("python3")
            .args(["-c", include_str!("moto_server.py"), &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 starts (CUNXIANG_TEST_BLOBS=s3 needs python3 with moto[server])");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read");
        assert_eq!(
            line.trim(),
            "ready",
            "moto did not start: is `pip install 'moto[server]'` done?"
        );
        let endpoint = format!("http://127.0.0.1:{port}");
        // Create the bucket (moto does not check signatures).
        let created = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], method='PUT'))",
                &format!("{endpoint}/{BUCKET}"),
            ])
            .status()
            .expect("python3");
        assert!(created.success(), "could not create the test bucket");
        Moto {
            endpoint,
            _child: Mutex::new(child),
        }
    })
}

/// The object store settings for a test database named by `url`: the shared moto server and
/// bucket, a folder of its own (the same for every instance on that database).
pub fn config_for(url: &str) -> S3Config {
    use sha2::Digest;
    let folder = hex_prefix(&sha2::Sha256::digest(url.as_bytes()));
    S3Config {
        bucket: BUCKET.into(),
        prefix: format!("t-{folder}"),
        endpoint: Some(moto().endpoint.clone()),
        region: "us-east-1".into(),
        virtual_hosted: false,
        presign_secs: None,
        access_key_id: Some("testing".into()),
        secret_access_key: Some(Secret("testing".into())),
    }
}

fn hex_prefix(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
