//! `ocpizza catalogue export FILE` and `ocpizza catalogue import FILE [--dry-run]`: the whole
//! catalogue as one JSON document, imported all or nothing. Running servers see an import
//! through the event log like any other change (open menus reload).

use super::{apply, db, run_import};
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::events::Bus;
use anyhow::{Context, bail};
use clap::Subcommand;
use ocpizza_proto::Money;
use ocpizza_proto::api::catalogue::{Catalogue, Changes, ImportReport};
use std::fmt::Write as _;
use std::path::PathBuf;

/// What `ocpizza catalogue` does.
#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// Write the whole catalogue (ingredients, pizzas, sizes, prices, recipes, steps,
    /// extras, thresholds; not the photos) to FILE as JSON (`-` for standard output).
    Export {
        /// Where to write.
        file: PathBuf,
    },
    /// Replace the whole catalogue with FILE (as written by `export`): checked first, then
    /// applied in one transaction, or not at all. Prints what changed.
    Import {
        /// The JSON document (`-` for standard input).
        file: PathBuf,
        /// Print what would change (pizzas, ingredients, prices) and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs the subcommand.
pub async fn run(config: &Config, command: CatalogueCommand) -> anyhow::Result<()> {
    let db = Db::connect(config).await?;
    match command {
        CatalogueCommand::Export { file } => {
            let mut conn = db.pool().acquire().await?;
            let catalogue = apply::portable(db::load(&mut conn).await?);
            drop(conn);
            let text = serde_json::to_string_pretty(&catalogue)? + "\n";
            if file.as_os_str() == "-" {
                print!("{text}");
            } else {
                std::fs::write(&file, text)
                    .with_context(|| format!("writing {}", file.display()))?;
                eprintln!(
                    "exported {} ingredients and {} pizzas to {}",
                    catalogue.ingredients.len(),
                    catalogue.pizzas.len(),
                    file.display()
                );
            }
        }
        CatalogueCommand::Import { file, dry_run } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let catalogue: Catalogue = match crate::extract::parse_json(text.as_bytes()) {
                Ok(c) => c,
                Err(e) => bail!("{}: {}", file.display(), describe(&e)),
            };
            match run_import(&db, &Bus::new(), None, &catalogue, dry_run).await {
                Ok(report) => print!("{}", summary(&report)),
                Err(e) => bail!("{}: {} (nothing was changed)", file.display(), describe(&e)),
            }
        }
    }
    Ok(())
}

fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Invalid { message, .. } => message.clone(),
        ApiError::Database(e) => format!("database error: {e}"),
        other => other.to_string(),
    }
}

fn euros(m: Option<Money>) -> String {
    m.map_or_else(
        || "—".to_owned(),
        |m| format!("{}.{:02} €", m.0 / 100, m.0 % 100),
    )
}

fn list(out: &mut String, what: &str, c: &Changes) {
    for (label, keys) in [
        ("added", &c.added),
        ("changed", &c.changed),
        ("removed", &c.removed),
    ] {
        if !keys.is_empty() {
            let _ = writeln!(out, "{what} {label}: {}", keys.join(", "));
        }
    }
}

/// The report as operators read it.
pub fn summary(r: &ImportReport) -> String {
    let mut out = String::new();
    if r.dry_run {
        out.push_str("dry run: nothing was changed; the import would do this\n");
    }
    if r.is_empty() {
        out.push_str("the catalogue is already the same: nothing to change\n");
        return out;
    }
    list(&mut out, "ingredients", &r.ingredients);
    list(&mut out, "pizzas", &r.pizzas);
    for p in &r.prices {
        let what = match &p.extra {
            Some(extra) => format!("{} {} + {extra}", p.pizza, p.size),
            None => format!("{} {}", p.pizza, p.size),
        };
        let _ = writeln!(
            out,
            "price {what}: {} -> {}",
            euros(p.before),
            euros(p.after)
        );
    }
    if !r.dry_run {
        out.push_str("imported\n");
    }
    out
}
