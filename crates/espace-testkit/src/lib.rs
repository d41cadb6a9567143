#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Test harness for Espace (zero2prod's `spawn_app`, on both engines).
//!
//! [`TestApp::spawn`] boots exactly what ships — configuration, migrations,
//! demo data, the real router on a real socket — on a fresh SQLite file or
//! a fresh PostgreSQL database, with a clock the test controls.

pub mod fcplus;
pub mod phone;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use espace::Settings;
use espace_app::App;
use espace_app::ports::Clock;
use jiff::{SignedDuration, Timestamp};
use sqlx::Connection;

pub use espace_db::{Database, Engine};

/// Runs `$body` with `$pool` bound to the connection pool of whichever
/// engine `$app` (a [`TestApp`]) runs on. The engine dispatch of the tests
/// is written here once; the body is type-checked for each engine.
#[macro_export]
macro_rules! with_pool {
    ($app:expr, |$pool:ident| $body:expr) => {
        match &$app.db {
            $crate::Database::Sqlite(s) => {
                let $pool = s.pool();
                $body
            }
            $crate::Database::Postgres(s) => {
                let $pool = s.pool();
                $body
            }
        }
    };
}
/// `#[espace_testkit::test]`: one async test run on both engines.
pub use espace_testkit_macros::test;

/// A clock that only moves when the test says so.
#[derive(Debug, Clone)]
pub struct MockClock(Arc<Mutex<Timestamp>>);

impl Default for MockClock {
    fn default() -> Self {
        // 2026-11-23T09:00:00Z
        Self(Arc::new(Mutex::new(
            Timestamp::from_second(1_795_424_400).unwrap_or(Timestamp::UNIX_EPOCH),
        )))
    }
}

impl MockClock {
    /// Sets the time (tests against a real peer use its clock).
    pub fn set(&self, to: Timestamp) {
        if let Ok(mut t) = self.0.lock() {
            *t = to;
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for MockClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|t| *t).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// Where the PostgreSQL tests connect. They never skip: if PostgreSQL is
/// not reachable, they fail.
pub fn postgres_admin_url() -> String {
    std::env::var("ESPACE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "espace_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        uuid::Uuid::new_v4().simple()
    )
}

/// A fresh, empty database of `engine`; returns its URL.
pub async fn fresh_database(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join("espace-tests");
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
            format!(
                "sqlite://{}",
                dir.join(format!("{}.db", unique_name())).display()
            )
        }
        Engine::Postgres => {
            let admin = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| {
                    panic!("PostgreSQL must be reachable at {admin} for the PostgreSQL suite: {e}")
                });
            let name = unique_name();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("create database: {e}"));
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(b, _)| b)
                .to_owned();
            format!("{base}/{name}")
        }
    }
}

/// Serves the real router on a free loopback port.
async fn serve(app: &App, settings: &Settings, demo: bool) -> SocketAddr {
    let state = espace_web::AppState::new(app.clone(), settings.web.clone())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_demo(demo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(espace_web::serve(
        listener,
        espace_web::router(state),
        std::future::pending(),
    ));
    addr
}

/// A running Espace for one test.
pub struct TestApp {
    pub engine: Engine,
    pub addr: SocketAddr,
    pub app: App,
    pub db: Database,
    pub clock: MockClock,
    pub database_url: String,
    pub settings: Settings,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Spawns with adjusted settings (lock thresholds, profiles, proxies…).
    pub async fn spawn_with(engine: Engine, configure: impl FnOnce(&mut Settings)) -> Self {
        let url = fresh_database(engine).await;
        Self::spawn_on(engine, url, MockClock::default(), configure).await
    }

    /// A second instance sharing this one's database and clock, as several
    /// instances share one PostgreSQL in production.
    pub async fn spawn_sibling(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_on(
            self.engine,
            self.database_url.clone(),
            self.clock.clone(),
            configure,
        )
        .await
    }

    async fn spawn_on(
        engine: Engine,
        url: String,
        clock: MockClock,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings::load(None, &[]).unwrap_or_else(|e| panic!("{e}"));
        settings.database_url = Some(url.clone());
        settings.database_max_connections = 5;
        settings.metrics_listen = None;
        configure(&mut settings);
        settings.validate().unwrap_or_else(|e| panic!("{e}"));
        let (app, db) = espace::open(&settings, true, Arc::new(clock.clone()))
            .await
            .unwrap_or_else(|e| panic!("open: {e}"));
        app.seed_demo()
            .await
            .unwrap_or_else(|e| panic!("seed: {e}"));
        let addr = serve(&app, &settings, true).await;
        TestApp {
            engine,
            addr,
            app,
            db,
            clock,
            database_url: url,
            settings,
        }
    }

    /// A browser on the same application served as `espace serve` without
    /// `--demo` serves it (no demo routes).
    pub async fn browser_without_demo(&self) -> Browser {
        Browser::new(serve(&self.app, &self.settings, false).await)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A new browser (its own cookies) pointed at this app.
    pub fn browser(&self) -> Browser {
        Browser::new(self.addr)
    }
}

/// A minimal browser: keeps cookies, does not follow redirects, and finds
/// the CSRF token in the last page it loaded.
pub struct Browser {
    pub addr: SocketAddr,
    client: reqwest::Client,
    pub cookies: Mutex<BTreeMap<String, String>>,
    pub headers: Vec<(String, String)>,
}

/// A response with its body read.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The value of the hidden `csrf_token` input.
    pub fn csrf_token(&self) -> Option<String> {
        let at =
            self.body.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
        let rest = &self.body[at..];
        Some(rest[..rest.find('"')?].to_owned())
    }

    /// The text of the error summary, tags removed, for comparisons.
    pub fn error_summary(&self) -> Option<String> {
        let start = self.body.find("id=\"error-summary\"")?;
        let end = self.body[start..].find("</div>")? + start;
        let mut out = String::new();
        let mut in_tag = false;
        for c in self.body[start..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if !in_tag => out.push(c),
                _ => {}
            }
        }
        Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        Self {
            addr,
            client,
            cookies: Mutex::new(BTreeMap::new()),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().ok()?.get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        if let Ok(mut c) = self.cookies.lock() {
            c.insert(name.to_owned(), value.to_owned());
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req.header("cookie", self.cookie_header());
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("request: {e}"));
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        // As a browser does: `Clear-Site-Data: "cookies"` empties the jar
        // (before this answer's own cookies are set).
        let clears_cookies = headers
            .get_all("clear-site-data")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("\"cookies\"") || v.contains("\"*\""));
        if clears_cookies && let Ok(mut jar) = self.cookies.lock() {
            jar.clear();
        }
        for v in headers.get_all("set-cookie") {
            let Ok(v) = v.to_str() else { continue };
            let Some((pair, attrs)) = v.split_once(';').or(Some((v, ""))) else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if let Ok(mut jar) = self.cookies.lock() {
                if attrs.contains("Max-Age=0") {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(self.url(path))).await
    }

    /// A GET whose body is read as it comes (server-sent events).
    pub async fn stream(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", self.cookie_header())
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap_or_else(|e| panic!("request: {e}"))
    }

    pub async fn request(&self, method: &str, path: &str) -> Page {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        self.send(self.client.request(m, self.url(path))).await
    }

    /// Posts a form as-is (the caller includes `csrf_token` or not).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.client.post(self.url(path)).form(fields))
            .await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        self.send(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// Loads `from` to get a token, then posts the form with it.
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(from).await;
        let token = page
            .csrf_token()
            .unwrap_or_else(|| panic!("no csrf token on {from}: {}", page.body));
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        // As a browser does: the page the form was on is the Referer.
        self.send(
            self.client
                .post(self.url(action))
                .header("referer", self.url(from))
                .form(&all),
        )
        .await
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }

    /// Confirms who it is with the password (the step-up of a login
    /// without second factor, SPEC §4.5).
    pub async fn step_up_with_password(&self, password: &str) -> Page {
        self.submit(
            "/account/confirm",
            "/account/confirm",
            &[("password", password), ("next", "/account")],
        )
        .await
    }

    /// Confirms who it is with a code of a method (the step-up).
    pub async fn step_up_with_code(&self, method: &str, code: &str) -> Page {
        self.submit(
            "/account/confirm",
            "/account/confirm",
            &[("method", method), ("code", code), ("next", "/account")],
        )
        .await
    }
}

pub const DEMO_PASSWORD: &str = espace_app::demo::DEMO_PASSWORD;

/// A real SMTP server for the tests: Python's `aiosmtpd` storing every
/// message in a maildir. `scripts/setup` installs it in `.venv`.
pub struct SmtpServer {
    pub port: u16,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
}

fn python() -> String {
    if let Ok(p) = std::env::var("ESPACE_TEST_PYTHON") {
        return p;
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".into()
}

/// A free local port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// One e-mail as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub raw: String,
}

impl ReceivedMail {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.raw
            .lines()
            .take_while(|l| !l.is_empty())
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }

    /// The decoded plain-text part (quoted-printable undone).
    pub fn text(&self) -> String {
        let start = self.raw.find("Content-Type: text/plain").unwrap_or(0);
        let body = &self.raw[start..];
        let body = body
            .split_once("\r\n\r\n")
            .or_else(|| body.split_once("\n\n"))
            .map_or(body, |(_, b)| b);
        let end = body.find("\n--").unwrap_or(body.len());
        decode_qp(&body[..end])
    }
}

fn decode_qp(s: &str) -> String {
    let mut bytes = Vec::new();
    let raw = s.replace("=\r\n", "").replace("=\n", "");
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

impl SmtpServer {
    /// Starts on `port` (use [`free_port`]) and waits until it answers.
    pub async fn start(port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("espace-smtp-{}", unique_name()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = SmtpServer {
            port,
            dir,
            child: None,
        };
        s.resume().await;
        s
    }

    /// (Re)starts the server on the same port and maildir.
    pub async fn resume(&mut self) {
        let child = std::process::Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(self.dir.join("maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start aiosmtpd with {} (run scripts/setup): {e}",
                    python()
                )
            });
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {}", self.port);
    }

    /// Stops the server: connections are refused until [`Self::resume`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let new = self.dir.join("maildir").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|raw| ReceivedMail { raw })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestApp {
    /// The outbox, newest first.
    pub async fn outbox(&self) -> Vec<espace_app::ports::OutboxRecord> {
        self.app.outbox_recent(500).await.unwrap()
    }

    /// The 6-digit code in the newest message to `recipient`.
    pub async fn last_code_to(&self, recipient: &str) -> String {
        let m = self
            .outbox()
            .await
            .into_iter()
            .find(|m| m.recipient == recipient && m.kind == "verification-code")
            .unwrap_or_else(|| panic!("no code sent to {recipient}"));
        let digits: Vec<&str> = m
            .body_text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| w.len() == 6)
            .collect();
        digits
            .first()
            .unwrap_or_else(|| panic!("no code in {}", m.body_text))
            .to_string()
    }

    /// The first link to `path_prefix` in the newest message of `kind`.
    pub async fn last_link(&self, kind: &str, path_prefix: &str) -> String {
        let m = self
            .outbox()
            .await
            .into_iter()
            .find(|m| m.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} message"));
        let at = m
            .body_text
            .find(path_prefix)
            .unwrap_or_else(|| panic!("no {path_prefix} in {}", m.body_text));
        m.body_text[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }
}
