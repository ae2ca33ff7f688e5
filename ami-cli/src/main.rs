//! `ami`: decode AMI captures, send one typed action, print the event
//! stream; everything as JSON lines on stdout.

use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ami_cli::decode::{decode, Failure};
use ami_cli::mock;
use ami_cli::net::{self, Login, SendMode};
use ami_runtime::client::Secret;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ami",
    version,
    about = "Asterisk Manager Interface tool: decode captures, send actions, watch events (JSON lines)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a raw AMI byte stream (a capture; banner optional) into one
    /// JSON object per message: {"kind", "name", "typed": {...}}, or
    /// {"kind", "name", "untyped": true, "headers", "error"}. Exits 1 when
    /// a message did not type or a frame was refused.
    Decode {
        /// The capture; stdin when absent.
        file: Option<PathBuf>,
    },
    /// Log in, send one action checked against the spec (and against the
    /// server's version), print the typed reply (and list items) as JSON.
    Send {
        #[command(flatten)]
        login: LoginArgs,
        /// Send even when the spec says the server's version lacks the action.
        #[arg(long)]
        ignore_version: bool,
        /// Send the Key=Value pairs as given, without the spec's checks; the
        /// action need not be in the spec (the reply is printed untyped).
        #[arg(long)]
        raw: bool,
        /// With --raw: the reply is an event list that ends with this event
        /// (e.g. --list-complete DBGetTreeComplete).
        #[arg(long, requires = "raw", value_name = "EVENT")]
        list_complete: Option<String>,
        /// Action name (any case), e.g. Ping, Originate, CoreShowChannels.
        action: String,
        /// Parameters as Key=Value (repeat a key for repeated headers).
        params: Vec<String>,
    },
    /// Print the event stream as JSON lines until interrupted.
    Events {
        #[command(flatten)]
        login: LoginArgs,
        /// Stop after this many events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Serve a scripted mock AMI server (a TOML script: logins, replies per
    /// action, pushed events, a capture to replay) until interrupted.
    Mock {
        /// The script (see ami-cli/examples/mock.toml).
        script: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port (0: any free port; the first output line tells which).
        #[arg(long, default_value_t = 5038)]
        port: u16,
    },
}

#[derive(Args)]
struct LoginArgs {
    /// Server host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, default_value_t = 5038)]
    port: u16,
    /// Manager user.
    #[arg(long)]
    user: String,
    /// Its secret (prefer the AMI_SECRET environment variable: arguments
    /// are visible to other users).
    #[arg(long, env = "AMI_SECRET", hide_env_values = true)]
    secret: String,
    /// Log in with an MD5 challenge instead of a plain secret.
    #[arg(long)]
    md5: bool,
    /// Timeout of login and of the action, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

impl LoginArgs {
    fn login(self) -> Login {
        Login {
            host: self.host,
            port: self.port,
            user: self.user,
            secret: Secret::new(self.secret),
            md5: self.md5,
            timeout: Duration::from_secs(self.timeout),
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("cannot start the tokio runtime")
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Decode { file } => {
            let input: Box<dyn Read> = match &file {
                Some(path) => match File::open(path) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        eprintln!("ami decode: cannot read {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                },
                None => Box::new(io::stdin().lock()),
            };
            match decode(input, BufWriter::new(io::stdout().lock())) {
                Ok(summary) => {
                    eprintln!("ami decode: {summary}");
                    ExitCode::from(summary.exit_code())
                }
                Err(Failure::Read(e)) => {
                    eprintln!("ami decode: cannot read the input: {e}");
                    ExitCode::from(2)
                }
                // The reader of our output went away (`| head`): not our failure.
                Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                    ExitCode::SUCCESS
                }
                Err(Failure::Write(e)) => {
                    eprintln!("ami decode: cannot write the output: {e}");
                    ExitCode::from(3)
                }
            }
        }
        Command::Send {
            login,
            ignore_version,
            raw,
            list_complete,
            action,
            params,
        } => {
            let login = login.login();
            let mode = SendMode {
                ignore_version,
                raw,
                list_complete,
            };
            let code = runtime().block_on(net::send(
                &login,
                &action,
                &params,
                &mode,
                &mut io::stdout(),
            ));
            ExitCode::from(code)
        }
        Command::Events { login, count } => {
            let login = login.login();
            let interrupted = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            let code =
                runtime().block_on(net::events(&login, count, &mut io::stdout(), interrupted));
            ExitCode::from(code)
        }
        Command::Mock { script, host, port } => {
            let interrupted = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            let addr = if host.contains(':') && !host.starts_with('[') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            let code =
                runtime().block_on(mock::serve(&script, &addr, &mut io::stdout(), interrupted));
            ExitCode::from(code)
        }
    }
}
