//! `spc studio`: a live classroom page served by spc itself on 127.0.0.1.
//!
//! The page (`page.html`, `app.js`, `style.css` and the font) is compiled into the binary
//! and talks to a small JSON API ([`api`], [`play`]); nothing is fetched from anywhere else.
//! Each request runs on its own thread; a newer run request cancels the one still running
//! (through the [`Observe`] seam), so a slider dragged across its range costs one run, not
//! twenty. The page and its outputs stay here, apart from the model and the analyses.

pub mod api;
pub mod controls;
pub mod play;

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tiny_http::{Header, Method, Response, Server};

use crate::error::{Error, Result};
use crate::experiment::Observe;
use api::{Library, Request};

/// The port `spc studio` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8737;

/// Largest request body accepted (bytes): a request is a few slider values.
const MAX_BODY: usize = 64 * 1024;

/// The files of the page, built into the binary: (path, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("page.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_bytes!("app.js")),
    ("/style.css", "text/css; charset=utf-8", include_bytes!("style.css")),
    (
        "/font.woff",
        "font/woff",
        include_bytes!("../../assets/fonts/DejaVuSans-subset.woff"),
    ),
];

/// A bound studio, ready to serve.
pub struct Studio {
    server: Arc<Server>,
    address: SocketAddr,
    state: Arc<State>,
}

/// What every request handler shares.
struct State {
    library: Library,
    cache: api::Cache,
    threads: usize,
    /// Number of the latest run request and of the latest play request: an older one stops.
    latest_run: AtomicU64,
    latest_play: AtomicU64,
}

/// Stops a run when a newer request of its kind has come, or the studio is stopping.
struct Superseded<'a> {
    latest: &'a AtomicU64,
    mine: u64,
    stop: &'a AtomicBool,
}

impl<'a> Superseded<'a> {
    /// The observer of a new request: the latest from now on.
    fn fresh(latest: &'a AtomicU64, stop: &'a AtomicBool) -> Superseded<'a> {
        Superseded {
            mine: latest.fetch_add(1, Ordering::SeqCst) + 1,
            latest,
            stop,
        }
    }
}

impl Observe for Superseded<'_> {
    fn cancelled(&self) -> bool {
        self.latest.load(Ordering::Relaxed) != self.mine || self.stop.load(Ordering::Relaxed)
    }
}

impl Studio {
    /// Binds `port` on `host` (0: any free port) to serve `library` with `threads` workers.
    pub fn bind(host: IpAddr, port: u16, library: Library, threads: usize) -> Result<Studio> {
        let listener = TcpListener::bind((host, port)).map_err(|e| {
            Error::Options(match e.kind() {
                std::io::ErrorKind::AddrInUse => format!(
                    "port {port} on {host} is taken (another spc studio, or another program): \
                     start with --port P for another port, or --port 0 for any free one"
                ),
                _ => format!("cannot listen on {host}:{port}: {e}"),
            })
        })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Server(format!("cannot read the address listened on: {e}")))?;
        let server = Server::from_listener(listener, None)
            .map_err(|e| Error::Server(format!("cannot serve on {address}: {e}")))?;
        Ok(Studio {
            server: Arc::new(server),
            address,
            state: Arc::new(State {
                library,
                cache: api::Cache::default(),
                threads,
                latest_run: AtomicU64::new(0),
                latest_play: AtomicU64::new(0),
            }),
        })
    }

    /// The address served, e.g. `127.0.0.1:8737`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Serves until `stop` is set (checked a few times a second).
    pub fn serve(&self, stop: &Arc<AtomicBool>) -> Result<()> {
        while !stop.load(Ordering::Relaxed) {
            let request = self
                .server
                .recv_timeout(Duration::from_millis(200))
                .map_err(|e| Error::Server(format!("serving {}: {e}", self.address)))?;
            if let Some(request) = request {
                let state = self.state.clone();
                let stop = stop.clone();
                let address = self.address;
                std::thread::spawn(move || handle(&state, address, request, &stop));
            }
        }
        Ok(())
    }
}

/// The localhost default: 127.0.0.1.
pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|()| {
        Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).unwrap_or_else(|()| unreachable!("a valid header"))
    })
}

type Answer = (u16, &'static str, Vec<u8>);

fn json(status: u16, body: &impl serde::Serialize) -> Answer {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, "application/json", bytes),
        Err(e) => error(500, &format!("cannot write the answer: {e}")),
    }
}

fn error(status: u16, message: &str) -> Answer {
    let body = serde_json::json!({ "error": message });
    (status, "application/json", body.to_string().into_bytes())
}

/// Whether the request is addressed to this server by its loopback name (a page on another
/// site that resolves its own name to 127.0.0.1 is refused).
fn host_allowed(request: &tiny_http::Request, address: SocketAddr) -> bool {
    let port = address.port();
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .is_some_and(|h| {
            let host = h.value.as_str();
            [
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ]
            .iter()
            .any(|a| a == host)
        })
}

fn handle(state: &State, address: SocketAddr, mut request: tiny_http::Request, stop: &AtomicBool) {
    let answer = if !host_allowed(&request, address) {
        error(403, "the studio answers only requests to 127.0.0.1 or localhost")
    } else {
        route(state, &mut request, stop)
    };
    let (status, kind, body) = answer;
    let response = Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", kind))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
        ));
    // The page may have gone (a reload): nothing to tell it then.
    let _ = request.respond(response);
}

fn route(state: &State, request: &mut tiny_http::Request, stop: &AtomicBool) -> Answer {
    let url = request.url().split('?').next().unwrap_or("/").to_string();
    match (request.method(), url.as_str()) {
        (Method::Get, "/api/catalog") => json(200, &state.library.catalog()),
        (Method::Post, "/api/run") => {
            let observer = Superseded::fresh(&state.latest_run, stop);
            with_body(request, |r| {
                api::run(&state.library, &state.cache, &r, state.threads, &observer).map(|mut reply| {
                    reply.id = observer.mine;
                    reply
                })
            })
        }
        (Method::Post, "/api/play") => {
            let observer = Superseded::fresh(&state.latest_play, stop);
            with_body(request, |r| play::play(&state.library, &r, &observer))
        }
        (Method::Get, path) => match ASSETS.iter().find(|(p, _, _)| *p == path) {
            Some((_, kind, bytes)) => (200, kind, bytes.to_vec()),
            None => error(404, &format!("no page {path}")),
        },
        (_, path) => error(405, &format!("{path} does not take this method")),
    }
}

/// Reads the JSON body, answers with `f`'s result: 200, 400 for a bad request; a request
/// superseded by a newer one gets `{"superseded": true}` (200: the page drops it, and the
/// browser's console stays free of failed loads).
fn with_body<T: serde::Serialize>(request: &mut tiny_http::Request, f: impl FnOnce(Request) -> Result<T>) -> Answer {
    let mut body = Vec::new();
    if let Err(e) = request.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body) {
        return error(400, &format!("cannot read the request: {e}"));
    }
    if body.len() > MAX_BODY {
        return error(413, &format!("a request is at most {MAX_BODY} bytes"));
    }
    let parsed: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(400, &format!("not a studio request: {e}")),
    };
    match f(parsed) {
        Ok(reply) => json(200, &reply),
        Err(Error::Interrupted) => json(200, &serde_json::json!({ "superseded": true })),
        Err(e) if e.exit_code() == 2 => error(400, &e.to_string()),
        Err(e) => error(500, &e.to_string()),
    }
}

/// Opens `url` in the desktop's browser with `xdg-open` (or `open` on macOS), quietly: if
/// there is none, the printed address is enough.
pub fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let child = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        // Reaped when it ends (it hands the address to the browser and exits).
        std::thread::spawn(move || child.wait());
    }
}
