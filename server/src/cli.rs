//! The `ocpizza` command line: `serve`, `migrate`, `seed`, `user create`, `check`,
//! `maintenance`, `backup`, `catalogue`.

use crate::config::{Config, LogFormat};
use crate::db::Db;
use crate::events::Bus;
use crate::state::AppState;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use ocpizza_proto::{ShopId, StaffRole};
use std::net::SocketAddr;
use std::process::ExitCode;

/// OC Pizza: real-time order platform for a group of pizzerias.
#[derive(Debug, Parser)]
#[command(
    name = "ocpizza",
    version,
    about,
    after_help = "Monitoring: OCPIZZA_METRICS_BIND=IP:PORT serves Prometheus metrics at \
                  http://IP:PORT/metrics (unset: no metrics listener; never the public port). \
                  SENTRY_DSN=https://KEY@HOST/PROJECT reports panics and errors to Sentry, \
                  personal data removed (unset: nothing is loaded or sent); SENTRY_ENVIRONMENT \
                  names the environment (default production)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (applies migrations first; seeds the shops and menu into an empty
    /// embedded database). With OCPIZZA_METRICS_BIND, also serves Prometheus metrics there.
    /// Under systemd socket activation (`ocpizza.socket`: LISTEN_FDS,
    /// LISTEN_PID) it serves the socket it is passed instead of binding, so that a restart
    /// refuses no connection. On SIGTERM it stops accepting, closes live connections with
    /// 1012 (reconnect), answers the requests it accepted, then exits.
    Serve {
        /// Address to listen on, unless systemd passes the socket [env: OCPIZZA_BIND]
        /// [default: 127.0.0.1:8080].
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Also create the demo accounts (password `demo-pizza`); refused over https.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations (refused while instances serve the database with
    /// maintenance mode off).
    Migrate,
    /// Create the group's shops, ingredients and menu with opening stock (idempotent).
    Seed {
        /// Also create the demo accounts (password `demo-pizza`).
        #[arg(long)]
        demo: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Back up, list, verify, restore and prune backups (OCPIZZA_BACKUP_DIR, default
    /// <data dir>/backups; off-site copy to OCPIZZA_BACKUP_COPY_TO; retention
    /// OCPIZZA_BACKUP_KEEP; in-process daily run at OCPIZZA_BACKUP_AT).
    Backup {
        #[command(subcommand)]
        command: crate::backup::BackupCommand,
    },
    /// Check that everything is in place (configuration, database, migrations, shops, an
    /// administrator, Redis, the web app, the data folder, pg_dump, maintenance mode): one
    /// ✓/!/✗ line each, with what to do; non-zero exit on any ✗.
    Check {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Maintenance mode: customers see a banner and cannot order; staff keep working.
    Maintenance {
        #[command(subcommand)]
        command: crate::maintenance::cli::MaintenanceCommand,
    },
    /// Export or import the whole catalogue (ingredients, pizzas, prices, recipes) as JSON;
    /// `import --dry-run` prints what would change and changes nothing.
    Catalogue {
        #[command(subcommand)]
        command: crate::catalogue::cli::CatalogueCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account (and give it a role).
    Create {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// What the account is.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Shop id, for staff roles.
        #[arg(long)]
        shop: Option<i64>,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Customer,
    Manager,
    OrderTaker,
    Cook,
    Driver,
}

impl RoleArg {
    fn staff(self) -> Option<StaffRole> {
        match self {
            RoleArg::Manager => Some(StaffRole::Manager),
            RoleArg::OrderTaker => Some(StaffRole::OrderTaker),
            RoleArg::Cook => Some(StaffRole::Cook),
            RoleArg::Driver => Some(StaffRole::Driver),
            RoleArg::Admin | RoleArg::Customer => None,
        }
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = match (Config::from_env(), &cli.command) {
        (Err(e), Command::Check { json }) => {
            return runtime.block_on(crate::check::run(Err(e), *json));
        }
        (Ok(c), _) => c,
        (Err(e), _) => {
            eprintln!("configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Before anything else runs, so that a panic anywhere is reported (when SENTRY_DSN is set).
    let reporting = crate::reporting::init(&config);
    // `check` prints its own report (which `--json` keeps parseable): no log lines in it.
    if !matches!(cli.command, Command::Check { .. }) {
        init_logging(config.log_format, reporting.is_some());
    }
    match runtime.block_on(run(cli, config)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "ocpizza failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat, sentry: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(crate::reporting::tracing_layer(sentry));
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
        LogFormat::Text => registry.with(fmt::layer()).try_init(),
    };
}

async fn run(cli: Cli, mut config: Config) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                config.bind = bind;
                if !std::env::var("OCPIZZA_PUBLIC_URL").is_ok_and(|v| !v.is_empty()) {
                    config.public_url = format!("http://{bind}");
                }
            }
            if demo {
                refuse_demo_over_https(&config)?;
            }
            serve(config, demo).await?;
        }
        Command::Migrate => {
            let db = Db::connect(&config).await?;
            let applied = migrate_unless_live(&db).await?;
            println!("migrations applied: {applied}");
        }
        Command::Seed { demo } => {
            if demo {
                refuse_demo_over_https(&config)?;
            }
            let db = Db::connect(&config).await?;
            db.migrate().await?;
            let r = crate::seed::run(&db, &Bus::new(), config.hashing, demo).await?;
            println!(
                "seeded: {} shops, {} ingredients, {} pizzas, {} accounts (existing data kept)",
                r.shops, r.ingredients, r.pizzas, r.accounts
            );
        }
        Command::User { command } => create_user(&config, command).await?,
        Command::Check { json } => return Ok(crate::check::run(Ok(config), json).await),
        Command::Backup { command } => crate::backup::run(&config, command).await?,
        Command::Maintenance { command } => crate::maintenance::cli::run(&config, command).await?,
        Command::Catalogue { command } => crate::catalogue::cli::run(&config, command).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo accounts share a published password, so a site reachable over https (a real
/// deployment) never gets them, whatever the command line says.
fn refuse_demo_over_https(config: &Config) -> anyhow::Result<()> {
    if config.is_https() {
        bail!(
            "--demo refused: the public URL {} is https, and the demo accounts' password is \
             published; create real accounts with `ocpizza user create`",
            config.public_url
        );
    }
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    // Every live connection is a file descriptor: use all the process may have.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open files limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open files limit"),
    }
    let db = Db::connect(&config).await?;
    migrate_unless_live(&db).await?;
    let state = AppState::new(config.clone(), db.clone()).await?;
    let empty = crate::seed::is_empty(&db).await?;
    let demo_missing = demo && !crate::seed::has_demo_accounts(&db).await?;
    if demo_missing || (empty && config.is_embedded()) {
        let r = crate::seed::run(&db, &state.bus, config.hashing, demo).await?;
        tracing::info!(shops = r.shops, accounts = r.accounts, "seed data created");
    } else if empty {
        tracing::warn!(
            "the database has no shop yet: run `ocpizza seed` (add --demo for demo accounts)"
        );
    }
    let listener = crate::listener::open(config.bind).await?;
    let demo = crate::seed::has_demo_accounts(&db).await?;
    if demo && config.is_https() {
        tracing::warn!(
            "this database holds the demo accounts, whose password is published, and the site \
             is served over https: delete them"
        );
    }
    let admin = crate::auth::db::any_admin(db.pool()).await?;
    print_banner(&config, demo, admin);
    state.metrics.probe_last_good_backup(|state| async move {
        Ok(crate::backup::last_good(&state.db)
            .await
            .and_then(|run| run.finished_at))
    });
    state
        .metrics
        .watch_disk("backup", crate::backup::backup_dir(&config));
    state
        .metrics
        .probe_maintenance(|state| async move { Ok(state.maintenance.current().on) });
    if let Some(metrics) = crate::metrics::bind(&config).await? {
        let addr = metrics.local_addr()?;
        tracing::info!(%addr, "metrics at http://{addr}/metrics");
        tokio::spawn(crate::metrics::serve(
            metrics,
            state.clone(),
            std::future::pending(),
        ));
    }
    crate::housekeeping::spawn(state.clone(), std::time::Duration::from_hours(1));
    crate::payments::reconcile::spawn(state.clone(), std::time::Duration::from_secs(15));
    state
        .notify
        .spawn(&state.bus, std::time::Duration::from_secs(2));
    crate::backup::schedule::spawn(&config, &db);
    crate::notify::push::watch::spawn(state.clone(), crate::notify::push::watch::EVERY);
    let (switch, bind) = (state.maintenance.clone(), config.bind.to_string());
    let instance = crate::maintenance::instances::register(&switch, &db, &bind).await?;
    crate::systemd::ready();
    crate::systemd::spawn_watchdog();
    crate::app::serve(listener, state, shutdown_signal()).await?;
    crate::maintenance::instances::deregister(&switch, &db, &instance).await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(config: &Config, demo: bool, admin: bool) {
    let db = if config.is_embedded() {
        format!("SQLite {}", config.sqlite_path().display())
    } else {
        "PostgreSQL".to_owned()
    };
    println!("\nOC Pizza is running at {}  ({db})", config.public_url);
    println!("  API description: {}/api/openapi.json", config.public_url);
    match &config.static_dir {
        Some(dir) => println!("  Web app: {}", dir.display()),
        None => println!(
            "  No web app found (API only): build it with `cargo xtask pwa`, or set \
             OCPIZZA_STATIC_DIR"
        ),
    }
    if demo {
        println!("  Demo logins (password `{}`):", crate::seed::DEMO_PASSWORD);
        for (email, name, role, admin) in crate::seed::DEMO_ACCOUNTS {
            let what = match (role, admin) {
                (_, true) => "admin of the group".to_owned(),
                (Some(r), _) => format!("{} of shop 1", r.as_str()),
                (None, _) => "customer".to_owned(),
            };
            println!("    {email:<28} {what:<24} ({name})");
        }
    }
    if !admin {
        println!("  No administrator yet: create the first one with");
        println!(
            "    ocpizza user create --role admin --email you@example.com --name \"Your Name\""
        );
        println!("  (or start with --demo for the demo accounts, never over https)");
    }
    println!("Press Ctrl+C to stop.\n");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    crate::systemd::stopping();
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn create_user(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        email,
        name,
        role,
        shop,
        password_stdin,
    } = command;
    let email = crate::validate::email("email", &email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    };
    crate::auth::password::check_strength("password", &password, &email, &name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = Db::connect(config).await?;
    db.migrate().await?;
    let staff = match (role.staff(), shop) {
        (Some(r), Some(s)) => {
            crate::shops::db::get(db.pool(), ShopId(s))
                .await?
                .with_context(|| format!("no shop with id {s}"))?;
            Some((r, ShopId(s)))
        }
        (Some(_), None) => bail!("--shop is required for a staff role"),
        (None, Some(_)) => bail!("--shop only applies to staff roles"),
        (None, None) => None,
    };
    if crate::auth::db::credentials(db.pool(), &email)
        .await?
        .is_some()
    {
        bail!("{email} already has an account");
    }
    let hash = crate::auth::password::hash(password, config.hashing).await?;
    let mut tx = db.begin().await?;
    let admin = matches!(role, RoleArg::Admin);
    let id = crate::auth::db::insert_user(&mut tx, &email, &name, None, &hash, admin).await?;
    if let Some((role, shop)) = staff {
        crate::auth::db::grant(&mut tx, id, shop, role).await?;
    }
    tx.commit().await?;
    println!("created account {id} for {email}");
    Ok(())
}

/// Applies pending migrations, unless other instances serve the database with maintenance
/// mode off (a rolling restart with nothing to apply is never refused); returns how many.
async fn migrate_unless_live(db: &Db) -> anyhow::Result<usize> {
    let pending = db.pending_migrations().await?;
    if !pending.is_empty() {
        crate::maintenance::ensure_maintenance_or_idle(db)
            .await
            .with_context(|| format!("refusing to apply {} pending migration(s)", pending.len()))?;
    }
    db.migrate().await?;
    Ok(pending.len())
}
