//! `drydock`: see the README.

fn main() -> std::process::ExitCode {
    drydock::cli::main()
}
