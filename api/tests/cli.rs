//! The `cunxiang` binary as an operator meets it: start-up failures print one clear line (no
//! panic trace), `migrate` and `import-regions` work and import all or nothing, and SIGTERM
//! stops the server gracefully.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{cunxiang, test_databases};

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The process failed with exactly one line on stderr containing `needle`.
fn assert_one_clear_line(out: &Output, needle: &str) {
    let err = stderr_of(out);
    assert!(!out.status.success(), "should fail: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected, got:\n{err}"
    );
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unknown_database_scheme_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = cunxiang(dir.path(), Some("mysql://root:secret@localhost/cx"))
        .output()
        .unwrap();
    assert_one_clear_line(&out, "unknown scheme \"mysql\"");
    assert!(!stderr_of(&out).contains("secret"));
}

#[test]
fn an_unreachable_postgres_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://cx:secret@127.0.0.1:1/cunxiang";
    let out = cunxiang(dir.path(), Some(url)).output().unwrap();
    assert_one_clear_line(
        &out,
        "cannot connect to postgres://cx:***@127.0.0.1:1/cunxiang",
    );
    assert!(!stderr_of(&out).contains("secret"));
}

#[test]
fn an_unwritable_data_dir_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = cunxiang(&file.join("data"), None).output().unwrap();
    assert_one_clear_line(&out, "is not writable");
}

#[test]
fn migrate_applies_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let run = || cunxiang(dir.path(), None).arg("migrate").output().unwrap();
    let first = run();
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"));
    let second = run();
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

#[test]
fn import_regions_is_all_or_nothing_and_names_the_bad_line() {
    for db in test_databases() {
        let dir = tempfile::tempdir().unwrap();
        let run = |file: &Path| {
            cunxiang(dir.path(), db.url.as_deref())
                .arg("import-regions")
                .arg(file)
                .output()
                .unwrap()
        };
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            "code,name,parent_code,level\n360603,余江区,,county\n360603102,潢溪镇,360603,\n\
             360603102203,渡口村,360603102\n360603102204,,360603102,\n",
        )
        .unwrap();
        let out = run(&bad);
        let err = stderr_of(&out);
        assert!(!out.status.success());
        assert!(
            err.contains("bad.csv:4: expected 4 fields, found 3"),
            "{err}"
        );
        assert!(err.contains("nothing imported"), "{err}");
        assert!(!err.contains("panicked"), "{err}");

        // The same rows without the broken ones: all three are new, so nothing came in before.
        let good = dir.path().join("good.csv");
        std::fs::write(
            &good,
            "code,name,parent_code,level\n360603,余江区,,county\n360603102,潢溪镇,360603,\n\
             360603102203,渡口村,360603102,\n",
        )
        .unwrap();
        let out = run(&good);
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 new, 0 renamed, 0 unchanged"));

        let again = run(&good);
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 new, 0 renamed, 3 unchanged"));
    }
}

#[test]
fn import_regions_loads_the_demo_county_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/regions-360603.csv");
    let out = cunxiang(dir.path(), None)
        .arg("import-regions")
        .arg(csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("193 new"));
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = cunxiang(dir.path(), None)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    // A request that is answered proves the server (and its signal handling) is running.
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn create_user_makes_a_staff_account_and_refuses_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        cunxiang(dir.path(), None)
            .arg("create-user")
            .args(args)
            .output()
            .unwrap()
    };
    let ok = run(&[
        "--username",
        "county-admin",
        "--password",
        "a-long-password",
        "--role",
        "admin",
    ]);
    assert!(ok.status.success(), "{}", stderr_of(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("created admin county-admin ("));

    let again = run(&[
        "--username",
        "county-admin",
        "--password",
        "a-long-password",
        "--role",
        "admin",
    ]);
    assert_one_clear_line(&again, "already exists");
    let bad_role = run(&[
        "--username",
        "x-user",
        "--password",
        "a-long-password",
        "--role",
        "king",
    ]);
    assert_one_clear_line(&bad_role, "--role");
    let short = run(&[
        "--username",
        "x-user",
        "--password",
        "short",
        "--role",
        "admin",
    ]);
    assert_one_clear_line(&short, "--password");
    let no_unit = run(&[
        "--username",
        "x-user",
        "--password",
        "a-long-password",
        "--role",
        "grid_worker",
    ]);
    assert_one_clear_line(&no_unit, "--unit");
    let ghost_unit = run(&[
        "--username",
        "x-user",
        "--password",
        "a-long-password",
        "--role",
        "grid_worker",
        "--unit",
        "01000000-0000-7000-8000-000000000000",
    ]);
    assert_one_clear_line(&ghost_unit, "no unit");
}

#[test]
fn the_banner_says_how_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = cunxiang(dir.path(), None)
        .env("CUNXIANG_TEST_PHONES", "13800000000:123456")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while !banner.contains("stop") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        banner.push_str(&line);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let password_line = std::fs::read_to_string(dir.path().join("demo-logins.txt")).unwrap();
    let password = password_line
        .lines()
        .nth(2)
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert!(banner.contains(&password), "{banner}");
    assert!(banner.contains("admin"), "{banner}");
    assert!(banner.contains("hx-supervisor"), "{banner}");
    assert!(banner.contains("13800000000, code 123456"), "{banner}");
}

#[test]
fn import_grids_loads_outlines_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/demo");
    let run = |args: &[&str]| cunxiang(dir.path(), None).args(args).output().unwrap();
    let regions = run(&["import-regions", &format!("{demo}/regions-360603.csv")]);
    assert!(regions.status.success(), "{}", stderr_of(&regions));
    let grids = format!("{demo}/grids-360603.geojson");
    let first = run(&["import-grids", &grids, "--coord-system", "wgs84"]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("6 new grids"));
    let again = run(&["import-grids", &grids]);
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 new grids (each with a grid team), 6 updated")
    );

    let bad = dir.path().join("bad.geojson");
    std::fs::write(
        &bad,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x","region_code":"360603102203"},"geometry":{"type":"Point","coordinates":[116.9,28.3]}}]}"#,
    )
    .unwrap();
    let out = run(&["import-grids", bad.to_str().unwrap()]);
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(err.contains("bad.geojson: feature 0 (x): "), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    let unknown = run(&["import-grids", &grids, "--coord-system", "utm"]);
    assert_one_clear_line(&unknown, "--coord-system");
}

#[test]
fn import_grids_names_where_a_real_outline_crosses_itself_and_repairs_it_on_request() {
    for db in test_databases() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            cunxiang(dir.path(), db.url.as_deref())
                .args(args)
                .output()
                .unwrap()
        };
        let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/regions-360603.csv");
        assert!(run(&["import-regions", csv]).status.success());
        // The real 余江县 outline (tests/fixtures/README.md), given the county's region code.
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/yujiang-echarts.geojson"
        );
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
        doc["features"][0]["properties"]["region_code"] = "360603".into();
        let file = dir.path().join("yujiang.geojson");
        std::fs::write(&file, doc.to_string()).unwrap();
        let file = file.to_str().unwrap();

        let refused = run(&["import-grids", file]);
        let err = stderr_of(&refused);
        assert!(!refused.status.success());
        assert!(
            err.contains("feature 0 (余江县): ring 0 of polygon 0 "),
            "{err}"
        );
        assert!(err.contains("itself at [116."), "a place is named: {err}");
        assert!(err.contains("--repair"), "{err}");

        let taken = run(&["import-grids", file, "--repair"]);
        let out = String::from_utf8_lossy(&taken.stdout);
        assert!(taken.status.success(), "{}", stderr_of(&taken));
        assert!(out.contains("feature 0 (余江县): repaired "), "{out}");
        assert!(out.contains("km² -> "), "{out}");
        assert!(out.contains("1 new grids"), "{out}");
    }
}
