//! One headless Chromium per journey: chromedriver on a free port, a WebDriver session with
//! the browser log on, helpers to wait for what the page shows, and the check that the page
//! logged no error and no request failed.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A running chromedriver with one browser session.
pub struct Browser {
    pub client: Client,
    driver: Child,
    port: u16,
    name: String,
    /// Log entries already returned by [`Browser::log`] (chromedriver may return them again).
    seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

fn find(env: &str, candidates: &[&str]) -> Option<String> {
    if let Ok(path) = std::env::var(env) {
        return Some(path);
    }
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| (*c).to_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// A browser for the journey `name` with a `width`×`height` window, or `None` (with a
    /// note) when this machine has no chromedriver and the browser is not required.
    pub async fn start(name: &str, width: u32, height: u32) -> Option<Browser> {
        let driver = find("CUNXIANG_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let chromium = find(
            "CUNXIANG_CHROMIUM",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
        );
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            assert!(
                std::env::var("CUNXIANG_TEST_REQUIRE_BROWSER").is_err(),
                "CUNXIANG_TEST_REQUIRE_BROWSER is set but chromium/chromedriver are missing"
            );
            eprintln!("browser test {name} skipped: no chromium and chromedriver on this machine");
            return None;
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--lang=zh-CN",
                         format!("--window-size={width},{height}")],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let caps = caps.as_object().cloned().expect("an object");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}"),
            }
        };
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
        Some(Browser {
            client,
            driver: child,
            port,
            name: name.to_owned(),
            seen: Default::default(),
        })
    }

    /// Waits until `script` (a JS expression) is truthy; returns its value.
    pub async fn until(&self, what: &str, timeout: Duration, script: &str) -> Value {
        let deadline = Instant::now() + timeout;
        let body = format!("try {{ return ({script}); }} catch (e) {{ return null; }}");
        loop {
            let v = self.client.execute(&body, vec![]).await.expect("execute");
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                self.shot(&format!("timeout-{}", what.replace(' ', "-")))
                    .await;
                panic!("{}: waited {timeout:?} for {what} ({script})", self.name);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Evaluates a JS expression.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(&format!("return ({script});"), vec![])
            .await
            .expect("execute")
    }

    /// Clicks the element `css` (waiting for it), first scrolled to the middle of the window
    /// so that no fixed bar (the villager page's tabs) lies over it.
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css}: {e}", self.name));
        let arg = serde_json::to_value(&element).expect("element as JSON");
        self.client
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
            .await
            .expect("scroll");
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot click {css}: {e}", self.name));
    }

    /// Types `text` into the element `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css}: {e}", self.name))
            .send_keys(text)
            .await
            .expect("typing");
    }

    /// Logs in through the console's form.
    pub async fn log_in(&self, base: &str, username: &str, password: &str) {
        self.client
            .goto(&format!("{base}/console/"))
            .await
            .expect("open the console");
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.click("form.login button[type=submit]").await;
        self.until(
            "the navigation",
            Duration::from_secs(10),
            "document.querySelector('#nav a')",
        )
        .await;
    }

    /// Saves a screenshot as `target/tmp/screenshots/<journey>-<label>.png`; returns its path.
    pub async fn shot(&self, label: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{}-{label}.png", self.name));
        if let Ok(png) = self.client.screenshot().await {
            std::fs::write(&path, png).expect("write screenshot");
        }
        path
    }

    /// The browser's log entries (console messages, failed loads) since the last call.
    pub async fn log(&self) -> Vec<Value> {
        let id = self
            .client
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let url = format!("http://127.0.0.1:{}/session/{id}/se/log", self.port);
        let answer: Value = reqwest::Client::new()
            .post(url)
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("log")
            .json()
            .await
            .expect("log JSON");
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        answer["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| seen.insert(e.to_string()))
            .collect()
    }

    /// Runs a Chrome DevTools command in the page (chromedriver's `goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let id = self
            .client
            .session_id()
            .await
            .expect("session id")
            .expect("a session");
        let url = format!(
            "http://127.0.0.1:{}/session/{id}/goog/cdp/execute",
            self.port
        );
        reqwest::Client::new()
            .post(url)
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .expect("cdp")
            .json()
            .await
            .expect("cdp JSON")
    }

    /// Puts the phone at `lat`, `lon` (WGS-84), with the page allowed to ask.
    pub async fn geolocate(&self, origin: &str, lat: f64, lon: f64) {
        self.cdp(
            "Browser.grantPermissions",
            json!({ "origin": origin, "permissions": ["geolocation"] }),
        )
        .await;
        self.cdp(
            "Emulation.setGeolocationOverride",
            json!({ "latitude": lat, "longitude": lon, "accuracy": 5 }),
        )
        .await;
    }

    /// Makes the page's network slow: `kbit_per_s` each way (kilobits per second) and
    /// `rtt_ms` added to every request's round trip.
    pub async fn throttle(&self, kbit_per_s: u32, rtt_ms: u32) {
        let enabled = self.cdp("Network.enable", json!({})).await;
        assert!(
            enabled["value"]["error"].is_null(),
            "Network.enable: {enabled}"
        );
        let bytes_per_s = f64::from(kbit_per_s) * 1000.0 / 8.0;
        let answer = self
            .cdp(
                "Network.emulateNetworkConditions",
                json!({ "offline": false, "latency": rtt_ms,
                        "downloadThroughput": bytes_per_s, "uploadThroughput": bytes_per_s }),
            )
            .await;
        assert!(answer["value"]["error"].is_null(), "throttle: {answer}");
    }

    /// Gives the page its full network back (after [`Browser::throttle`]).
    pub async fn unthrottle(&self) {
        let answer = self
            .cdp(
                "Network.emulateNetworkConditions",
                json!({ "offline": false, "latency": 0,
                        "downloadThroughput": -1, "uploadThroughput": -1 }),
            )
            .await;
        assert!(answer["value"]["error"].is_null(), "unthrottle: {answer}");
    }

    /// Fails on any error the page logged and any request that failed.
    pub async fn assert_clean(&self, page: &str) {
        let severe: Vec<Value> = self
            .log()
            .await
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .collect();
        assert!(
            severe.is_empty(),
            "{}: {page} logged errors: {severe:#?}",
            self.name
        );
    }

    /// What the page has loaded so far: bytes over the wire (compressed, headers included)
    /// for the document and every resource, and its first contentful paint in ms.
    pub async fn weight(&self) -> (u64, f64) {
        let v = self
            .client
            .execute(
                "{ const r = performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')); \
                   const fcp = performance.getEntriesByName('first-contentful-paint')[0]; \
                   return [r.reduce((s, e) => s + (e.transferSize || 0), 0), fcp ? fcp.startTime : -1]; }",
                vec![],
            )
            .await
            .expect("execute");
        (v[0].as_u64().unwrap_or(0), v[1].as_f64().unwrap_or(-1.0))
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
