//! `espace`: the secure customer space. See `espace --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use espace::config::{LogFormat, Settings};
use espace::{StartError, open, system_clock};

/// How often the outbox worker looks for due messages.
const OUTBOX_POLL: Duration = Duration::from_secs(1);

/// The start-up banner of the demo.
struct DemoBanner;

#[derive(Parser)]
#[command(name = "espace", version, about = "Espace — secure customer space")]
struct Cli {
    /// TOML configuration file (layered over the defaults, under ESPACE__… variables).
    #[arg(long, global = true, env = "ESPACE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Seed and use the demonstration data (SQLite in the data dir unless DATABASE_URL is set).
        #[arg(long)]
        demo: bool,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Directory for the embedded SQLite database.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Load and validate the configuration, print it (secrets hidden) and exit.
    CheckConfig,
    /// Measure how many password hashes per second the configured Argon2 pool sustains.
    BenchHash {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut settings = match Settings::load(cli.config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("espace: {e}");
            return ExitCode::from(2);
        }
    };
    if let Command::Serve {
        listen, data_dir, ..
    } = &cli.command
    {
        if let Some(l) = listen {
            settings.listen = *l;
        }
        if let Some(d) = data_dir {
            settings.data_dir = d.clone();
        }
    }
    init_tracing(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("espace: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, .. } => serve(settings, demo).await,
            Command::Migrate => {
                let (_, db) = open(&settings, false, system_clock()).await?;
                println!("migrations applied ({})", db.engine().as_str());
                Ok(())
            }
            Command::CheckConfig => {
                let mut shown = settings.clone();
                if shown.database_url.is_some() {
                    shown.database_url = Some("(set)".into());
                }
                println!("configuration is valid:\n{shown:#?}");
                Ok(())
            }
            Command::BenchHash { seconds } => bench_hash(settings, seconds).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("espace: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // No colour codes when logs go to a file or a collector.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_ansi(ansi)
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// The demo relies on the test FranceConnect+ provider of the browser
/// suite, started apart (`node e2e/op/fcplus-op.mjs`, README): its
/// defaults are these.
fn demo_franceconnect() -> espace_app::config::FranceConnectConfig {
    espace_app::config::FranceConnectConfig {
        enabled: true,
        discovery_url: "http://127.0.0.1:9090/.well-known/openid-configuration".into(),
        client_id: "espace-demo".into(),
        client_secret: Some(espace_app::config::KeyMaterial(
            "espace-demo-secret-0123456789abcdef".into(),
        )),
        allow_http: true,
        ..Default::default()
    }
}

impl DemoBanner {
    fn print(url: &str) {
        println!("\nEspace demo is running at {url}");
        println!(
            "Demo logins (password for all: {}):",
            espace_app::demo::DEMO_PASSWORD
        );
        for (login, role) in espace_app::demo::demo_logins() {
            println!("  {login:<16} {role}");
        }
        println!();
    }
}

async fn serve(mut settings: Settings, demo: bool) -> Result<(), StartError> {
    if demo && !settings.app.franceconnect.enabled {
        settings.app.franceconnect = demo_franceconnect();
    }
    let (app, db) = open(&settings, demo, system_clock()).await?;
    if demo {
        let added = app.seed_demo().await?;
        tracing::info!(added, "demo data ready");
    }
    if let Some(addr) = settings.metrics_listen.as_deref().filter(|m| !m.is_empty()) {
        let addr: std::net::SocketAddr = addr
            .parse()
            .map_err(|_| std::io::Error::other("metrics_listen is not an address"))?;
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()
            .map_err(|e| std::io::Error::other(format!("metrics listener {addr}: {e}")))?;
        tracing::info!(%addr, "metrics listener");
    }
    let state = espace_web::AppState::new(app.clone(), settings.web.clone())
        .map_err(|e| StartError::App(espace_app::AppError::Config(e)))?
        .with_demo(demo);
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, engine = db.engine().as_str(), hash_workers = app.hasher().workers(), "listening");
    let url = format!("http://{local}/");
    if demo {
        DemoBanner::print(&url);
    } else {
        println!("Espace is running at {url}");
    }

    // Housekeeping: expired sessions and stale counters are removed periodically.
    let housekeeping = app.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(espace_web::HOUSEKEEPING_EVERY).await;
            match housekeeping.housekeeping().await {
                Ok(n) if n > 0 => {
                    tracing::info!(removed = n, "expired sessions and counters purged")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    });

    // Delivery: the outbox is polled; several instances may run it at once.
    let worker = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OUTBOX_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Anonymous recovery requests first: what they send is queued
            // here, out of the request path (issue 15, item 4).
            if let Err(e) = worker.handle_recovery_requests().await {
                tracing::warn!(error = %e, "recovery requests pass failed");
            }
            match worker.deliver_due().await {
                Ok(r) if r.sent + r.retried + r.failed > 0 => {
                    tracing::info!(
                        sent = r.sent,
                        retried = r.retried,
                        failed = r.failed,
                        "outbox pass"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
            }
        }
    });

    espace_web::serve(listener, espace_web::router(state), shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// The Argon2 bound of this machine with the configured pool: as many
/// concurrent hashes as the pool accepts, for `seconds`.
async fn bench_hash(settings: Settings, seconds: u64) -> Result<(), StartError> {
    let pool = espace_app::crypto::PasswordHasherPool::new(&settings.app.argon2).await?;
    let workers = pool.workers();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..workers * 2 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                if pool
                    .verify(None, secrecy::SecretString::from("Espace#2026".to_owned()))
                    .await
                    .is_ok()
                {
                    n += 1;
                }
            }
            n
        }));
    }
    let start = Instant::now();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    let rate = total as f64 / start.elapsed().as_secs_f64();
    println!(
        "argon2id m={} t={} p={} workers={workers}: {total} hashes in {:.1}s = {rate:.1} hashes/s",
        settings.app.argon2.memory_kib,
        settings.app.argon2.iterations,
        settings.app.argon2.parallelism,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
