//! Following growing files (`lbtop scan --follow`, the TUI's live mode). Wired to
//! `source::Follower` once it lands.
