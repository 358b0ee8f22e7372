//! Integration tests: the real `lbtop` binary on files it reads, its JSON contract, its errors,
//! and the TUI driven in tmux.

mod bench;
mod config;
mod export;
mod hooks;
mod scan;
mod tui;
mod util;
