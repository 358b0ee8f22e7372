//! `lbtop completions SHELL` and `lbtop man`: generated from the clap definitions, so they
//! cannot drift from the real options.

use super::Failure;
use crate::cli::Cli;
use clap::CommandFactory;
use std::io::{self, Write};

pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    // Into memory first: `generate` panics on a write error (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "lbtop", &mut buf);
    let mut out = io::stdout().lock();
    out.write_all(&buf)
        .and_then(|()| out.flush())
        .map_err(Failure::Io)
}

/// The lbtop(1) page, or lbtop-SUB(1) for a subcommand (its own options in full).
pub fn man(sub: Option<&str>) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    // Building names each subcommand `lbtop-SUB`, the page title.
    cmd.build();
    let page = match sub {
        None => cmd,
        Some(name) => cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| Failure::msg(format!("man: no subcommand `{name}`")))?,
    };
    let mut out = io::stdout().lock();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .and_then(|()| out.flush())
        .map_err(Failure::Io)
}
