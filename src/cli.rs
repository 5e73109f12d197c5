//! Command-line definitions (clap) only.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "onus",
    version,
    about = "Lint Kubernetes manifests against the customer's duties in the shared responsibility model"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Load your own rules from DIR (rule files like onus's `rules/*.yaml`, and a
    /// `responsibilities.yaml` of duties of your own); repeatable.
    #[arg(long = "rules", value_name = "DIR", global = true)]
    pub rules: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files, directories, glob patterns, or `-` for standard input.
    Check(Box<CheckArgs>),
    /// List every rule: id, default severity, responsibility, summary.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Explain a rule: what, why (the responsibility), how to fix, examples.
    Explain {
        rule: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Every activity of the responsibility model, with the rules that enforce it.
    Responsibilities {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Test your own rules: each rule file of DIR against `DIR/<id>/bad` (flagged exactly on
    /// the lines marked `# expect: <id>`) and `DIR/<id>/good` (not flagged).
    TestRules { dir: String },
    /// Print the kustomization of DIR rendered as onus lints it (like `kubectl kustomize DIR`).
    Build {
        dir: String,
        /// Also say, as a comment before each object, which files wrote it.
        #[arg(long)]
        origins: bool,
    },
    /// Write a commented starter `.onus.yaml` in the current directory.
    Init {
        /// Replace an existing `.onus.yaml`.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files, directories or glob patterns (default: the current directory).
    pub paths: Vec<String>,
    /// Report format (repeatable: each `--format` pairs with the `--output` in the same
    /// position; one without goes to standard output). Default: human.
    #[arg(long, value_enum)]
    pub format: Vec<Format>,
    /// Write the report of the matching `--format` to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Rule or responsibility ids to enable (replaces the default set).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Rule or responsibility ids to disable.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Namespace of resources that name none (default: the configuration's, else `default`).
    #[arg(long, value_name = "NS")]
    pub default_namespace: Option<String>,
    /// The Kubernetes release the manifests target, `X.Y` (deprecated-api-version; default:
    /// the configuration's, else the newest release onus knows).
    #[arg(long, value_name = "X.Y")]
    pub kube_version: Option<String>,
    /// Configuration file (default: the nearest `.onus.yaml` from the current directory up).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Read PATH into the linted set without reporting its own findings (repeatable): the
    /// cross-object rules see it. The pre-commit hook passes the repository.
    #[arg(long, value_name = "PATH")]
    pub context: Vec<String>,
    /// Skip matching paths (globset syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Name standard input in the report.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Plain output, no colour (same as `--color never`).
    #[arg(long)]
    pub no_color: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE or FORCE_COLOR
    /// force it), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// After the report, count findings by rule and by responsibility.
    #[arg(long)]
    pub statistics: bool,
    /// Only findings and errors: no summary line.
    #[arg(long)]
    pub quiet: bool,
    /// List the files and documents not linted, with the reason.
    #[arg(long)]
    pub show_skipped: bool,
    /// Report only findings not recorded in FILE (the others are suppressed by `baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<String>,
    /// Record today's findings in FILE, to pass as --baseline later.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<String>,
    /// Also print suppressed findings, each with what suppressed it.
    #[arg(long)]
    pub show_suppressed: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Concise,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Human,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}
