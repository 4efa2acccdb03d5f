//! A minimal W3C WebDriver client for the browser test: the few commands it needs (session,
//! navigation, script, element, actions, window size, screenshot, logs) as JSON over
//! HTTP/1.1 on the loopback.
//!
//! Why not fantoccini or thirtyfour: both are async clients that bring tokio and hyper
//! (several dozen crates) into the test build, on a CI of two cores and 90 minutes, for a
//! protocol that is, for this test, a dozen JSON requests to chromedriver on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A chromedriver process, ended when dropped.
pub struct Driver {
    child: Child,
    port: u16,
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Driver {
    /// Starts `chromedriver` on a free port and waits until it is ready.
    pub fn start(chromedriver: &str) -> Driver {
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let driver = Driver { child, port };
        let start = Instant::now();
        loop {
            if let Ok(v) = driver.call("GET", "/status", None)
                && v["ready"] == true
            {
                return driver;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One WebDriver command: its `value`, or the error WebDriver reported.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .map_err(|e| e.to_string())?;
        let payload = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            payload.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(payload.as_bytes()))
            .map_err(|e| e.to_string())?;
        // chromedriver keeps the connection open: read the header, then as many bytes as it says.
        let mut raw = Vec::new();
        let mut buf = [0u8; 16384];
        let split = loop {
            if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the connection closed before the header ended".into());
            }
            raw.extend_from_slice(&buf[..n]);
        };
        let headers = String::from_utf8_lossy(&raw[..split])
            .to_ascii_lowercase()
            .replace(": ", ":");
        let chunked = headers.contains("transfer-encoding:chunked");
        let length = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let mut content = raw[split + 4..].to_vec();
        loop {
            let complete = match length {
                Some(n) => content.len() >= n,
                None => chunked && content.ends_with(b"0\r\n\r\n"),
            };
            if complete {
                break;
            }
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            content.extend_from_slice(&buf[..n]);
        }
        if chunked {
            content = dechunk(&content);
        }
        let v: Value =
            serde_json::from_slice(&content).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&content)))?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        match value.get("error") {
            Some(e) => Err(format!("{e}: {}", value["message"])),
            None => Ok(value),
        }
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
    out
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session, closed when dropped.
pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl<'a> Session<'a> {
    /// A new session with `capabilities`.
    pub fn new(driver: &'a Driver, capabilities: Value) -> Session<'a> {
        let v = driver
            .call(
                "POST",
                "/session",
                Some(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
            )
            .unwrap_or_else(|e| panic!("cannot start a browser session: {e}"));
        Session {
            driver,
            id: v["sessionId"].as_str().expect("a session id").to_string(),
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let full = format!("/session/{}{path}", self.id);
        self.driver
            .call(method, &full, body.as_ref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn run(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    /// Polls `script` until it returns something truthy (not null, false, 0 or ""), or panics
    /// after `seconds` saying `what`.
    pub fn wait_for(&self, script: &str, seconds: u64, what: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.run(script);
            let truthy = !(v.is_null() || v == false || v == 0 || v == "");
            if truthy {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(seconds),
                "waited {seconds} s for {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver id of the element matching `css`.
    pub fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Drags the element matching `css` by `dx` pixels, as a mouse would: press on its centre,
    /// move in steps, release.
    pub fn drag(&self, css: &str, dx: i64) {
        let id = self.find(css);
        let element = json!({ "element-6066-11e4-a52e-4f735466cecf": id });
        let mut steps = vec![
            json!({ "type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0 }),
            json!({ "type": "pointerDown", "button": 0 }),
        ];
        for _ in 0..4 {
            steps.push(json!({ "type": "pointerMove", "duration": 50, "origin": "pointer", "x": dx / 4, "y": 0 }));
        }
        steps.push(json!({ "type": "pointerUp", "button": 0 }));
        self.cmd(
            "POST",
            "/actions",
            Some(json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": steps }] })),
        );
    }

    /// Sets the window's size in CSS pixels.
    pub fn window(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        base64(self.cmd("GET", "/screenshot", None).as_str().expect("base64 PNG"))
    }

    /// The entries of log `kind` (`browser`, `performance`) since the last call.
    pub fn log(&self, kind: &str) -> Vec<Value> {
        let full = format!("/session/{}/se/log", self.id);
        let v = self
            .driver
            .call("POST", &full, Some(&json!({ "type": kind })))
            .or_else(|_| {
                self.driver.call(
                    "POST",
                    &format!("/session/{}/log", self.id),
                    Some(&json!({ "type": kind })),
                )
            })
            .unwrap_or_else(|e| panic!("reading the {kind} log: {e}"));
        v.as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.driver.call("DELETE", &format!("/session/{}", self.id), None);
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |a, d| (a << 6) | u32::from(*d)) << (6 * (4 - c.len()));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}
