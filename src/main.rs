//! The `lockout` command: parse the command line, call the library, map errors to exit codes.

use std::process::ExitCode;

fn main() -> ExitCode {
    lockout::cli::main()
}
