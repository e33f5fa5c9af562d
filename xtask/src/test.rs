//! `cargo xtask test` (to be written).

/// Options of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs every check.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    anyhow::bail!("not written yet")
}
