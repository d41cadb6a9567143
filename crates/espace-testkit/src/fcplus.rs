//! The test FranceConnect+ provider: `e2e/op/fcplus-op.mjs`, a real OpenID
//! provider (`oidc-provider` from npm) that encrypts its ID tokens and
//! userinfo to Espace's published keys. `scripts/setup` installs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use espace::Settings;
use espace_app::config::{FranceConnectConfig, KeyMaterial};

pub const CLIENT_ID: &str = "espace-test";
pub const CLIENT_SECRET: &str = "espace-test-secret-0123456789abcdef";

/// A running provider for one Espace. Stopped when dropped.
pub struct TestProvider {
    pub issuer: String,
    child: Child,
    http: reqwest::Client,
    /// Espace's public origin, where the provider sends the browser back.
    origin: String,
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the provider will listen (chosen before Espace starts, which
/// must know it).
pub fn provider_port() -> u16 {
    crate::free_port()
}

/// Points Espace at the provider that will listen on `port`.
pub fn configure(s: &mut Settings, port: u16) {
    s.app.franceconnect = FranceConnectConfig {
        enabled: true,
        discovery_url: format!("http://127.0.0.1:{port}/.well-known/openid-configuration"),
        client_id: CLIENT_ID.into(),
        client_secret: Some(KeyMaterial(CLIENT_SECRET.into())),
        allow_http: true,
        ..Default::default()
    };
}

impl TestProvider {
    /// Starts the provider on `port` for the Espace at `app` (its keys are
    /// fetched there), which tells browsers it is at `origin`.
    /// `enc_alg` encrypts (`RSA-OAEP-256` or `ECDH-ES`), `sig_alg` signs
    /// (`ES256` or `RS256`).
    pub fn start(
        port: u16,
        app: &crate::TestApp,
        origin: &str,
        (enc_alg, sig_alg): (&str, &str),
    ) -> Self {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/op/fcplus-op.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .env("OP_PORT", port.to_string())
            .env("OP_CLIENT_ID", CLIENT_ID)
            .env("OP_CLIENT_SECRET", CLIENT_SECRET)
            .env(
                "OP_REDIRECT_URIS",
                format!("{origin}/login/franceconnect/callback"),
            )
            .env(
                "OP_POST_LOGOUT_REDIRECT_URIS",
                format!("{origin}/login/franceconnect/logged-out"),
            )
            .env("OP_CLIENT_JWKS_URI", app.url("/.well-known/jwks.json"))
            .env("OP_ENC_ALG", enc_alg)
            .env("OP_SIG_ALG", sig_alg)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} with node (run scripts/setup): {e}",
                    script.display()
                )
            });
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let issuer = line
            .trim()
            .strip_prefix("FCPLUS-OP READY ")
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
            .to_owned();
        TestProvider {
            issuer,
            child,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            origin: origin.to_owned(),
        }
    }

    /// The next sign-in at the provider is `account`'s, with no page; the
    /// next token answer is tampered with as `tamper` says.
    pub async fn next(&self, account: &str, tamper: Option<&str>) {
        let r = self
            .http
            .post(format!("{}/__test/next", self.issuer))
            .json(&serde_json::json!({ "account": account, "tamper": tamper }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }

    /// Plays the browser at the provider: from the authorization address
    /// to the redirect back to Espace, whose path and query are returned.
    /// `cancel` presses "Cancel" on the provider's page instead.
    pub async fn authorize(&self, url: &str, account: &str, cancel: bool) -> String {
        if !cancel {
            self.next(account, None).await;
        }
        self.follow(url, cancel).await
    }

    /// Follows redirects at the provider (keeping its cookies) until one
    /// leads back to Espace.
    pub async fn follow(&self, url: &str, cancel: bool) -> String {
        let mut jar: Vec<(String, String)> = Vec::new();
        let mut url = url.to_owned();
        let mut post: Option<Vec<(&str, &str)>> = None;
        for _ in 0..10 {
            if let Some(rest) = url.strip_prefix(&self.origin) {
                return rest.to_owned();
            }
            let cookie = jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let req = match post.take() {
                Some(form) => self.http.post(&url).form(&form),
                None => self.http.get(&url),
            };
            let r = req.header("cookie", cookie).send().await.unwrap();
            for c in r.headers().get_all("set-cookie") {
                let pair = c.to_str().unwrap().split(';').next().unwrap().to_owned();
                if let Some((k, v)) = pair.split_once('=') {
                    jar.retain(|(name, _)| name != k);
                    jar.push((k.to_owned(), v.to_owned()));
                }
            }
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let body = r.text().await.unwrap();
            match location {
                Some(l) if l.starts_with("http") => url = l,
                Some(l) => url = format!("{}{l}", self.issuer),
                None if cancel && url.contains("/interaction/") => {
                    url = format!("{url}/login");
                    post = Some(vec![("cancel", "1")]);
                }
                None => panic!("the provider stopped at {url} ({status}): {body}"),
            }
        }
        panic!("too many redirects at the provider");
    }

    /// Opens an address of the provider (the end-session): its status.
    pub async fn get_status(&self, url: &str) -> u16 {
        self.http.get(url).send().await.unwrap().status().as_u16()
    }
}
