//! `spc studio` in a real browser: headless Chromium driven through WebDriver loads the page,
//! drags the training slider, and sees the NPV difference and a chart change, with no console
//! error and no request to any host but 127.0.0.1.
//!
//! Needs `SPC_CHROMEDRIVER` and `SPC_CHROMIUM` (set by `scripts/test`, which installs Debian's
//! chromium and chromium-driver). Without them the test fails and says so: it never skips.
//! With `SPC_STUDIO_SCREENSHOTS=DIR` it also saves the page at 1280x720 and 390x844.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use super::webdriver::{Driver, Session};

/// A running `spc studio`, stopped when dropped.
struct Studio {
    child: Child,
    url: String,
}

impl Studio {
    fn start() -> Studio {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("spc"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["studio", "--no-open", "--port", "0", "-j", "2"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spc studio starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the address line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Studio { child, url }
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: run the browser tests with scripts/test, which installs Debian's chromium and \
             chromium-driver and sets SPC_CHROMEDRIVER, SPC_CHROMIUM and SE_OFFLINE"
        )
    })
}

fn capabilities(chromium: &str, profile: &std::path::Path) -> Value {
    json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,720", "--hide-scrollbars", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
    })
}

/// Errors in the browser's console since the last look.
fn console_errors(s: &Session) -> Vec<String> {
    s.log("browser")
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Every address the page asked for: its resource timing list and the browser's network log.
fn requested(s: &Session) -> Vec<String> {
    let mut urls: Vec<String> = s
        .run("return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));")
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for entry in s.log("performance") {
        let Some(message) = entry["message"].as_str() else {
            continue;
        };
        let Ok(m) = serde_json::from_str::<Value>(message) else {
            continue;
        };
        if m["message"]["method"] == "Network.requestWillBeSent"
            && let Some(u) = m["message"]["params"]["request"]["url"].as_str()
        {
            urls.push(u.to_string());
        }
    }
    urls
}

fn save(dir: &Option<String>, name: &str, s: &Session) {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).expect("screenshot folder");
        std::fs::write(std::path::Path::new(dir).join(name), s.screenshot()).expect("screenshot written");
    }
}

const NPV: &str = "const e = document.getElementById('npv-delta'); return e ? e.textContent : '';";

#[test]
fn studio_page_answers_a_slider_in_a_real_browser_offline() {
    let chromedriver = required("SPC_CHROMEDRIVER");
    let chromium = required("SPC_CHROMIUM");
    let shots = std::env::var("SPC_STUDIO_SCREENSHOTS").ok();
    let studio = Studio::start();
    let driver = Driver::start(&chromedriver);
    let profile = tempfile::tempdir().expect("browser profile");
    let s = Session::new(&driver, capabilities(&chromium, profile.path()));
    s.goto(&studio.url);

    // The first run: the baseline against itself, no difference yet.
    s.wait_for("return document.body.dataset.runs;", 120, "the first results");
    assert_eq!(s.run(NPV), "±0 EUR", "no slider moved, no NPV difference");
    let signature = "return document.getElementById('difference-canvas').dataset.sig;";
    let before = s.run(signature);
    let runs = |s: &Session| {
        s.run("return Number(document.body.dataset.runs);")
            .as_u64()
            .unwrap_or(0)
    };
    let first = runs(&s);

    // Drag the training slider as a mouse would.
    s.drag("#c-levers-training", 60);
    let npv = s.wait_for(
        &format!(
            "if (Number(document.body.dataset.runs) <= {first} || !document.body.dataset.latencyMs) return ''; {NPV}"
        ),
        120,
        "results after the slider moved",
    );
    let training = s.run("return document.getElementById('c-levers-training').value;");
    assert_ne!(training, "1000", "the drag moved the slider");
    assert_ne!(
        npv, "±0 EUR",
        "the NPV difference shows the change of training to {training}"
    );
    assert!(npv.as_str().is_some_and(|t| t.contains("EUR")), "{npv}");
    assert_ne!(
        s.run(signature),
        before,
        "the cumulative profit difference chart changed"
    );
    let latency: f64 = s
        .run("return document.body.dataset.latencyMs;")
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("latency recorded");
    println!("training {training}: NPV difference {npv}; charts updated {latency:.0} ms after the slider moved");
    assert!(latency < 20_000.0, "{latency} ms");
    save(&shots, "studio-1280x720.png", &s);

    // Play the run month by month.
    s.click("#tabs button[data-tab=play]");
    s.wait_for(
        "return document.querySelectorAll('#monitors dd').length;",
        60,
        "the played run",
    );
    s.click("#play-step");
    let month = s.run("return document.getElementById('play-month').value;");
    assert_eq!(month, "2", "a step moves to the next month");
    save(&shots, "studio-play.png", &s);

    // A lesson, with its story.
    s.click("#tabs button[data-tab=results]");
    s.run("const s = document.getElementById('source'); s.value = 'lesson:top-box'; s.dispatchEvent(new Event('change')); return 0;");
    let story = s.wait_for(
        "const l = document.getElementById('lesson'); return l.hidden ? '' : document.getElementById('lesson-story').textContent;",
        120,
        "the top-box lesson's story",
    );
    assert!(
        story.as_str().is_some_and(|t| t.contains("score 4") && t.contains('%')),
        "{story}"
    );

    // A phone: the page loaded at its width (controls folded away).
    s.window(390, 844);
    s.goto(&studio.url);
    s.wait_for("return document.body.dataset.runs;", 120, "the results on a phone");
    save(&shots, "studio-390x844.png", &s);
    s.run("document.getElementById('charts').scrollIntoView(); return 0;");
    save(&shots, "studio-390x844-charts.png", &s);

    let errors = console_errors(&s);
    assert!(errors.is_empty(), "console errors: {errors:?}");
    // Network requests only: the browser's own chrome:// pages (its start tab) reach no host.
    let base = studio.url.trim_end_matches('/');
    let network = |u: &str| {
        ["http:", "https:", "ws:", "wss:", "ftp:"]
            .iter()
            .any(|p| u.starts_with(p))
    };
    let foreign: Vec<String> = requested(&s)
        .into_iter()
        .filter(|u| network(u) && !(u.starts_with(&format!("{base}/")) || u == base))
        .collect();
    assert!(foreign.is_empty(), "requests to other hosts: {foreign:?}");
}

#[test]
fn studio_refuses_a_taken_port_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("address").port().to_string();
    super::util::spc()
        .args(["studio", "--no-open", "--port", &port])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!("port {port} on 127.0.0.1 is taken")))
        .stderr(predicates::str::contains("--port 0"));
}
