//! Integration tests: the real `lbtop` binary on files it reads, its JSON contract, its errors,
//! and the TUI driven in tmux.

mod export;
mod scan;
mod tui;
mod util;
