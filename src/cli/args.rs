//! Command-line arguments (clap derive). Flags that have an environment twin
//! say so in `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::lint::report::Format;

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// drydock: enforce the containerisation standard on Dockerfiles and
/// `.dockerignore` files.
#[derive(Debug, Parser)]
#[command(name = "drydock", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles and .dockerignore files.
    Lint(LintArgs),
    /// List every rule: code, standard tag, severity, fix, summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    #[command(alias = "rule")]
    Explain(ExplainArgs),
    /// Run the GitHub App: receive webhooks, lint pull requests, report check runs.
    #[cfg(feature = "service")]
    Serve(Box<super::serve::ServeArgs>),
    /// Ask a running `drydock serve` whether it is healthy (for container HEALTHCHECKs); exit 0 or 1.
    #[cfg(feature = "service")]
    Healthcheck(super::healthcheck::HealthcheckArgs),
    /// Run a stored webhook delivery again (enqueue its jobs, or POST it to a server with --to).
    #[cfg(feature = "service")]
    Replay(super::replay::ReplayArgs),
    /// Check, pin and update image digests against their registries.
    #[cfg(feature = "digest")]
    Digest(DigestArgs),
}

/// Failure thresholds of `lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ThresholdArg {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on info, warnings and errors (the default, as in hadolint).
    Info,
    /// Fail on any finding.
    Style,
    /// Never fail because of findings.
    None,
}

/// `drydock lint`.
// Each flag is one independent switch; an enum would not read better.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint (`-` reads stdin). Directories are searched
    /// for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.* and .dockerignore.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format: tty, json, sarif, checkstyle, gitlab (Code Quality) or
    /// github (workflow commands).
    #[arg(long, short = 'f', env = "DRYDOCK_FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// Exit 1 only for findings at or above this severity.
    #[arg(long, short = 't', value_enum, env = "DRYDOCK_FAILURE_THRESHOLD")]
    pub failure_threshold: Option<ThresholdArg>,
    /// Switch a rule off (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Run only these rules (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Use this config file (`.drydock.yml` schema, or `.hadolint.yaml` when its
    /// name contains `hadolint`) instead of discovering one.
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Treat this stage as the final one.
    #[arg(long)]
    pub target: Option<String>,
    /// Build context directory (default: each Dockerfile's directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Path to report for stdin input; its directory is the build context.
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// Apply safe fixes in place.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the safe fixes as a unified diff; change nothing.
    #[arg(long)]
    pub diff: bool,
    /// Do not run ShellCheck on RUN scripts (also: `shellcheck: false` in the config).
    #[arg(long, env = "DRYDOCK_NO_SHELLCHECK")]
    pub no_shellcheck: bool,
    /// Never color the output (also: `NO_COLOR`).
    #[arg(long)]
    pub no_color: bool,
    /// Lint this many files at once (default: one per CPU; `1` lints one after another).
    #[arg(long, short = 'j', value_name = "N", env = "DRYDOCK_THREADS")]
    pub threads: Option<std::num::NonZeroUsize>,
}

/// `drydock rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `drydock explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule code, e.g. DL3006 or DD001.
    pub code: String,
}

/// `drydock digest`.
#[cfg(feature = "digest")]
#[derive(Debug, Args)]
pub struct DigestArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DigestCommand,
}

/// `drydock digest` subcommands.
#[cfg(feature = "digest")]
#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// List pinned references whose tag now points elsewhere, and references
    /// that are not pinned.
    Check(DigestCheckArgs),
    /// Pin unpinned references to their tag's current digest.
    Pin(DigestEditArgs),
    /// Move stale pins to their tag's current digest.
    Update(DigestEditArgs),
    /// Ask the App to scan a repository now: enqueues a digest scan into the App's database; a running
    /// `drydock serve` worker opens or updates the repository's digest PR.
    #[cfg(feature = "service")]
    Run(DigestRunArgs),
}

/// `drydock digest run`.
#[cfg(feature = "service")]
#[derive(Debug, Args)]
pub struct DigestRunArgs {
    /// The repository, `owner/name`; the App must be installed on it (and the installation synced).
    #[arg(long)]
    pub repo: String,
    /// The App's database: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://drydock.db", hide_env_values = true)]
    pub database_url: String,
}

/// Registry access for `drydock digest`.
#[cfg(feature = "digest")]
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Allow one more registry, `HOST[:PORT]`, even on a loopback or private
    /// address (repeatable, or comma-separated). A loopback registry is
    /// spoken to over plain HTTP.
    #[arg(long, env = "DRYDOCK_REGISTRY_ALLOW", value_delimiter = ',')]
    pub registry_allow: Vec<String>,
    /// JSON file of registry credentials:
    /// `{"ghcr.io": {"username": "me", "password_env": "GHCR_TOKEN"}}`.
    #[arg(long, env = "DRYDOCK_REGISTRY_CREDENTIALS")]
    pub registry_credentials: Option<PathBuf>,
    /// Do not read docker's config.json (`$DOCKER_CONFIG`) for credentials.
    #[arg(long)]
    pub no_docker_config: bool,
    /// Longest rate-limit wait (`Retry-After`), in seconds, before giving up.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub max_wait: u64,
}

/// `drydock digest check`.
#[cfg(feature = "digest")]
#[derive(Debug, Args)]
pub struct DigestCheckArgs {
    /// Dockerfiles or directories to search.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Print JSON (findings and request counts).
    #[arg(long)]
    pub json: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `drydock digest pin` and `update`.
#[cfg(feature = "digest")]
#[derive(Debug, Args)]
pub struct DigestEditArgs {
    /// Dockerfiles or directories to search.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write the files instead of printing a unified diff.
    #[arg(long)]
    pub write: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}
