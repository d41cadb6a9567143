#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Test harness for Espace (zero2prod's `spawn_app`, on both engines).
//!
//! [`TestApp::spawn`] boots exactly what ships — configuration, migrations,
//! demo data, the real router on a real socket — on a fresh SQLite file or
//! a fresh PostgreSQL database, with a clock the test controls.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use espace::Settings;
use espace_app::App;
use espace_app::ports::Clock;
use espace_db::Database;
use jiff::{SignedDuration, Timestamp};
use sqlx::Connection;

pub use espace_db::Engine;

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
        let state = espace_web::AppState::new(app.clone(), settings.web.clone())
            .unwrap_or_else(|e| panic!("{e}"))
            .with_demo(true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(espace_web::serve(
            listener,
            espace_web::router(state),
            std::future::pending(),
        ));
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
        self.post_form(action, &all).await
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }
}

/// Runs the async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_engines {
    ($(#[$meta:meta])* async fn $name:ident($engine:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($engine: $crate::Engine) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::Engine::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::Engine::Postgres).await
            }
        }
    };
}

pub const DEMO_PASSWORD: &str = espace_app::demo::DEMO_PASSWORD;
