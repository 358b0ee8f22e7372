//! Integration tests: the real binary, sources on disk, the TUI in tmux.
