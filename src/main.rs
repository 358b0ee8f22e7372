use std::process::ExitCode;

fn main() -> ExitCode {
    lbtop::cmd::main()
}
