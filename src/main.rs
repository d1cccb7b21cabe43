//! The `infrastructor` command line: `serve`, `check`, `config validate`, `devices
//! import-ssh-config`. Everything else lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use infrastructor::{app, check, config, history, logging};

#[derive(Parser)]
#[command(version, about = "Agentless SSH monitoring for a fleet of Linux machines")]
struct Cli {
    /// Config file (default: $INFRASTRUCTOR_CONFIG, then ./infrastructor.toml, then built-in
    /// defaults that monitor this machine).
    #[arg(short, long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Connect to every device, verify host key and auth, detect tools, print a table.
    Check,
    /// Create or migrate the history database (the server also does this at start-up).
    Migrate,
    /// Configuration commands.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Device registry commands.
    #[command(subcommand)]
    Devices(DevicesCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Load the config and print what the server would run with.
    Validate,
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// Add the hosts of an OpenSSH client config as devices.
    ImportSshConfig {
        /// Print what would be added without writing.
        #[arg(long)]
        dry_run: bool,
        /// OpenSSH client config to read.
        #[arg(long, default_value = "~/.ssh/config")]
        ssh_config: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    let runtime = tokio::runtime::Runtime::new().expect("starting the tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let env = &config::env::process_env;
    let explicit = cli.config.as_deref();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let cfg = config::load(explicit, env)?;
            for w in &cfg.warnings {
                tracing::warn!("{w}");
            }
            let opts = app::AppOptions {
                listen: cfg.listen,
                devices: cfg.devices,
                fleet: cfg.fleet,
                history: Some(history::HistoryOptions {
                    retention: cfg.retention,
                    ..history::HistoryOptions::new(cfg.data_dir, cfg.database_url)
                }),
                api: cfg.api,
                alerts: cfg.alerts,
            };
            app::serve(opts).await?;
        }
        Command::Check => {
            let cfg = config::load(explicit, env)?;
            let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
            if !check::run_check(&cfg.devices, &cfg.fleet, &mut out, &mut err).await? {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Migrate => {
            let cfg = config::load(explicit, env)?;
            let opts = history::HistoryOptions::new(cfg.data_dir, cfg.database_url);
            history::migrate(&opts, &mut std::io::stdout()).await?;
        }
        Command::Config(ConfigCommand::Validate) => {
            config::validate::run_validate(explicit, env, &mut std::io::stdout())?;
        }
        Command::Devices(DevicesCommand::ImportSshConfig { dry_run, ssh_config }) => {
            let ssh_config = match ssh_config.strip_prefix("~/") {
                Some(rest) => PathBuf::from(env("HOME").unwrap_or_default()).join(rest),
                None => PathBuf::from(ssh_config),
            };
            let target = explicit
                .map(PathBuf::from)
                .or_else(|| env("INFRASTRUCTOR_CONFIG").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from(config::DEFAULT_FILE));
            config::ssh_import::run_import(&ssh_config, &target, dry_run, &mut std::io::stdout())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The error and its causes joined with `: `, leaving out a cause whose text the message
/// already carries (config errors spell out their I/O reason).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.to_lowercase().contains(&text.to_lowercase()) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
