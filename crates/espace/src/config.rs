//! Configuration: defaults, then a TOML file, then `ESPACE__…` environment
//! variables (`__` separates levels: `ESPACE__APP__LOCKOUT__MAX_FAILURES`).
//! Secrets may come from files (`database_url_file`). Validated at start;
//! errors name the bad key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use espace_app::AppConfig;
use espace_web::WebConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite:…` or `postgres://…`. Unset: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// A file holding the database URL (for secrets managers).
    pub database_url_file: Option<PathBuf>,
    pub database_max_connections: u32,
    pub listen: SocketAddr,
    /// Prometheus metrics on their own listener; empty string disables.
    pub metrics_listen: Option<String>,
    pub data_dir: PathBuf,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `espace=debug,sqlx=warn`.
    pub log_level: String,
    pub app: AppConfig,
    pub web: WebConfig,
    /// E-mail and SMS delivery, and the branding of messages.
    pub notify: espace_notify::NotifyConfig,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: None,
            database_url_file: None,
            database_max_connections: 16,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: Some("127.0.0.1:9464".into()),
            data_dir: PathBuf::from("data"),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            app: AppConfig::default(),
            web: WebConfig::default(),
            notify: espace_notify::NotifyConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the layers. `env` is passed in (not read from the process) so
    /// that tests can give their own.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, ConfigError> {
        let defaults = config::Config::try_from(&Settings::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut builder = config::Config::builder().add_source(defaults);
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} not found",
                    path.display()
                )));
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        let espace_env: std::collections::HashMap<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("ESPACE__"))
            .cloned()
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("ESPACE")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("web.trusted_proxies")
                .with_list_parse_key("app.password.context_words")
                .with_list_parse_key("notify.push.endpoint_hosts")
                .with_list_parse_key("app.franceconnect.scopes")
                .with_list_parse_key("app.limits.sms_regions")
                .source(Some(espace_env)),
        );
        let raw = builder
            .build()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut settings: Settings = raw
            .try_deserialize()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        // The conventional variable, below ESPACE__DATABASE_URL.
        if !env.iter().any(|(k, _)| k == "ESPACE__DATABASE_URL")
            && let Some((_, url)) = env.iter().find(|(k, _)| k == "DATABASE_URL")
        {
            settings.database_url = Some(url.clone());
        }
        if let Some(path) = &settings.database_url_file {
            let url = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::Invalid(format!("database_url_file {}: {e}", path.display()))
            })?;
            settings.database_url = Some(url.trim().to_owned());
        }
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.app
            .validate()
            .map_err(|e| ConfigError::Invalid(format!("app.{e}")))?;
        self.web.validate().map_err(ConfigError::Invalid)?;
        self.notify.validate().map_err(ConfigError::Invalid)?;
        if let Some(url) = &self.database_url {
            espace_db::Engine::of_url(url)
                .map_err(|e| ConfigError::Invalid(e.detail().to_owned()))?;
        }
        if let Some(m) = self.metrics_listen.as_deref().filter(|m| !m.is_empty()) {
            m.parse::<SocketAddr>().map_err(|_| {
                ConfigError::Invalid(format!(
                    "metrics_listen: {m:?} is not an address like 127.0.0.1:9464"
                ))
            })?;
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database_max_connections must be at least 1".into(),
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log_level)
            .map_err(|e| ConfigError::Invalid(format!("log_level: {e}")))?;
        Ok(())
    }

    /// Where links in e-mails point, and the origin of passkeys:
    /// `web.public_origin`, or the listen address — named `localhost` when
    /// it is a loopback address, since a passkey needs a domain name.
    pub fn public_url(&self) -> String {
        self.web.public_origin.clone().unwrap_or_else(|| {
            if self.listen.ip().is_loopback() {
                format!("http://localhost:{}", self.listen.port())
            } else {
                format!("http://{}", self.listen)
            }
        })
    }

    /// The database to use: the configured URL, or SQLite in the data dir
    /// (`espace-demo.db` for the demo, so it never mixes with real data).
    pub fn database_url(&self, demo: bool) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => {
                let name = if demo { "espace-demo.db" } else { "espace.db" };
                format!("sqlite://{}", self.data_dir.join(name).display())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_load_and_environment_overrides_nested_keys() {
        let s = Settings::load(
            None,
            &env(&[
                ("ESPACE__APP__LOCKOUT__MAX_FAILURES", "3"),
                ("ESPACE__WEB__TRUSTED_PROXIES", "10.0.0.0/8,192.168.0.1/32"),
                ("ESPACE__APP__SECURITY_PROFILE", "nist-aal2"),
            ]),
        )
        .unwrap();
        assert_eq!(s.app.lockout.max_failures, 3);
        assert_eq!(s.web.trusted_proxies.len(), 2);
        assert_eq!(
            s.app.security_profile,
            espace_domain::profile::SecurityProfile::NistAal2
        );
        assert_eq!(s.listen.port(), 8080);
    }

    #[test]
    fn a_toml_file_is_layered_between_defaults_and_environment() {
        let dir = std::env::temp_dir().join(format!("espace-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("espace.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[app.lockout]\nmax_failures = 7\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&file),
            &env(&[("ESPACE__APP__LOCKOUT__MAX_FAILURES", "4")]),
        )
        .unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.app.lockout.max_failures, 4);
    }

    #[test]
    fn one_session_lifetime_can_be_set_alone() {
        let s =
            Settings::load(None, &env(&[("ESPACE__APP__SESSION__IDLE_TIMEOUT", "600")])).unwrap();
        let p = s.app.session_policy();
        assert_eq!(p.idle_timeout, jiff::SignedDuration::from_mins(10));
        assert_eq!(
            p.absolute_timeout,
            jiff::SignedDuration::from_hours(12),
            "from the profile"
        );
    }

    #[test]
    fn errors_name_the_bad_key() {
        let e =
            Settings::load(None, &env(&[("ESPACE__APP__ARGON2__MEMORY_KIB", "1024")])).unwrap_err();
        assert!(e.to_string().contains("argon2.memory_kib"), "{e}");
        let e = Settings::load(
            None,
            &env(&[("ESPACE__WEB__DISPLAY_TIMEZONE", "Mars/Olympus")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("web.display_timezone"), "{e}");
        let e = Settings::load(None, &env(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(e.to_string().contains("database_url"), "{e}");
    }

    #[test]
    fn database_url_falls_back_to_sqlite_in_the_data_dir() {
        let s = Settings::default();
        assert_eq!(s.database_url(true), "sqlite://data/espace-demo.db");
        let s = Settings::load(None, &env(&[("DATABASE_URL", "postgres://u@h/db")])).unwrap();
        assert_eq!(s.database_url(false), "postgres://u@h/db");
    }
}
