//! Live-hub load test (to be written).

/// Options of `cargo xtask ws-bench`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the load test.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    anyhow::bail!("not written yet")
}
