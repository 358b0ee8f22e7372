use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    lbtop::cmd::run(lbtop::cli::Cli::parse())
}
