//! The `ocpizza` command: see `ocpizza --help`.

fn main() -> std::process::ExitCode {
    ocpizza::cli::main()
}
