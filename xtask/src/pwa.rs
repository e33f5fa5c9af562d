//! `cargo xtask pwa`: builds the PWA into `pwa/dist` with nothing but cargo.
//!
//! The app is built as two bundles: the customers' (`index.html`, `app-…`: shops, menu,
//! checkout, tracking; built without the `staff` feature) and the staff's (`staff.html`,
//! `staff-…`: every screen). The customers' one is what a phone downloads and what the service
//! worker precaches; the staff one is kept offline once a staff page asked for it. Each wasm is
//! compiled with the size-optimised `pwa` profile (the customers' in a target folder of its own,
//! so that switching features never rebuilds the other), its JavaScript glue generated
//! in-process by `wasm-bindgen-cli-support` (same version as the `wasm-bindgen` crate), assets
//! renamed after a hash of their content (served with long-lived cache headers), icons drawn,
//! and the service worker's precache list written.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask pwa`.
#[derive(Debug, clap::Args)]
pub struct Args {}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Writes `bytes` as `stem-HASH.ext` in `dir` and returns the file name.
fn hashed(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> anyhow::Result<String> {
    let hash = hex::encode(&Sha256::digest(bytes)[..6]);
    let name = format!("{stem}-{hash}.{ext}");
    std::fs::write(dir.join(&name), bytes).with_context(|| format!("writing {name}"))?;
    Ok(name)
}

/// Draws the app icon: a pizza on the brand red; `maskable` keeps it in the safe zone.
fn icon(size: u32, maskable: bool) -> anyhow::Result<Vec<u8>> {
    let (red, cream, tomato, basil) = (
        [0xb3, 0x26, 0x1e],
        [0xff, 0xf1, 0xd6],
        [0xd9, 0x48, 0x2b],
        [0x2e, 0x7d, 0x32],
    );
    let c = f64::from(size) / 2.0;
    let radius = c * if maskable { 0.62 } else { 0.86 };
    let toppings: [(f64, f64, [u8; 3]); 6] = [
        (-0.35, -0.3, tomato),
        (0.3, -0.35, tomato),
        (0.0, 0.35, tomato),
        (0.38, 0.2, basil),
        (-0.4, 0.15, basil),
        (0.02, -0.02, tomato),
    ];
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (f64::from(x) + 0.5 - c, f64::from(y) + 0.5 - c);
            let d = (dx * dx + dy * dy).sqrt();
            let mut colour = if d <= radius { cream } else { red };
            if d <= radius * 0.82 {
                colour = [0xf2, 0xc0, 0x5c];
            }
            for (tx, ty, t) in toppings {
                let (ex, ey) = (dx - tx * radius, dy - ty * radius);
                if (ex * ex + ey * ey).sqrt() <= radius * 0.13 {
                    colour = t;
                }
            }
            pixels.extend_from_slice(&colour);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(out)
}

/// Installs the wasm32 target with rustup when the toolchain lacks it.
fn ensure_wasm_target() {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output();
    let has_target = sysroot.is_ok_and(|o| {
        let root = String::from_utf8_lossy(&o.stdout).trim().to_owned();
        Path::new(&root)
            .join("lib/rustlib/wasm32-unknown-unknown")
            .is_dir()
    });
    if !has_target {
        println!("installing the wasm32-unknown-unknown target (rustup target add)");
        let _ = Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .status();
    }
}

/// One bundle of the app.
struct Bundle {
    /// File-name stem of its assets (`app`, `staff`).
    stem: &'static str,
    /// Its page (`index.html`, `staff.html`).
    page: &'static str,
    /// Cargo arguments selecting its features.
    features: &'static [&'static str],
    /// Target folder under the workspace's.
    target: Option<&'static str>,
}

const BUNDLES: [Bundle; 2] = [
    Bundle {
        stem: "app",
        page: "index.html",
        features: &["--no-default-features"],
        target: Some("pwa-customer"),
    },
    Bundle {
        stem: "staff",
        page: "staff.html",
        features: &[],
        target: None,
    },
];

/// The hashed names of a built bundle's page assets.
struct Built {
    js: String,
    wasm: String,
}

/// Compiles `bundle` and writes its glue and wasm, hashed, into `dist`.
fn compile(bundle: &Bundle, dist: &Path) -> anyhow::Result<Built> {
    let target = match bundle.target {
        Some(sub) => target_dir().join(sub),
        None => target_dir(),
    };
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "-p",
            "ocpizza-pwa",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "pwa",
        ])
        .args(bundle.features)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .context("running cargo build for the PWA")?;
    if !status.success() {
        bail!("building the PWA ({} bundle) failed", bundle.stem);
    }
    let wasm = target.join("wasm32-unknown-unknown/pwa/ocpizza_pwa.wasm");
    let glue = target.join("pwa-bindgen");
    let _ = std::fs::remove_dir_all(&glue);
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        .omit_default_module_path(false)
        .generate(&glue)
        .context("generating the JavaScript glue")?;
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    Ok(Built {
        js: hashed(
            dist,
            bundle.stem,
            "js",
            &read(&glue.join("ocpizza_pwa.js"))?,
        )?,
        wasm: hashed(
            dist,
            bundle.stem,
            "wasm",
            &read(&glue.join("ocpizza_pwa_bg.wasm"))?,
        )?,
    })
}

/// Builds the PWA into `pwa/dist`; returns that folder.
pub fn build() -> anyhow::Result<PathBuf> {
    ensure_wasm_target();
    let root = root();
    let dist = root.join("pwa/dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(dist.join("icons"))?;
    let static_dir = root.join("pwa/static");
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let style = hashed(&dist, "style", "css", &read(&static_dir.join("style.css"))?)?;
    for (name, size, maskable) in [
        ("icon-192.png", 192, false),
        ("icon-512.png", 512, false),
        ("maskable-512.png", 512, true),
    ] {
        std::fs::write(dist.join("icons").join(name), icon(size, maskable)?)?;
    }
    for name in ["manifest.webmanifest", "register-sw.js", "robots.txt"] {
        std::fs::copy(static_dir.join(name), dist.join(name))?;
    }
    let template = String::from_utf8(read(&static_dir.join("index.html"))?)?;
    let mut pages = String::new();
    let mut built = Vec::new();
    for bundle in &BUNDLES {
        let b = compile(bundle, &dist)?;
        let page = template
            .replace("@BUNDLE@", bundle.stem)
            .replace("@JS@", &b.js)
            .replace("@WASM@", &b.wasm)
            .replace("@STYLE@", &style);
        std::fs::write(dist.join(bundle.page), &page)?;
        pages.push_str(&page);
        built.push(b);
    }
    let (customer, staff) = (&built[0], &built[1]);
    let shell = [
        "/".to_owned(),
        "/index.html".to_owned(),
        format!("/{}", customer.js),
        format!("/{}", customer.wasm),
        format!("/{style}"),
        "/manifest.webmanifest".to_owned(),
        "/register-sw.js".to_owned(),
        "/icons/icon-192.png".to_owned(),
    ];
    let staff_shell = [
        "/staff.html".to_owned(),
        format!("/{}", staff.js),
        format!("/{}", staff.wasm),
    ];
    let version = hex::encode(&Sha256::digest(pages.as_bytes())[..6]);
    let sw = String::from_utf8(read(&static_dir.join("sw.js"))?)?
        .replace("@VERSION@", &version)
        .replace("@PRECACHE@", &serde_json::to_string(&shell)?)
        .replace("@STAFF_SHELL@", &serde_json::to_string(&staff_shell)?)
        .replace(
            "@STAFF_PATHS@",
            &serde_json::to_string(ocpizza_proto::STAFF_PATHS)?,
        );
    std::fs::write(dist.join("sw.js"), sw)?;
    // Which server version this build belongs to: `ocpizza check` compares it with its own.
    let stamp = serde_json::json!({ "version": env!("CARGO_PKG_VERSION"), "build": version });
    std::fs::write(dist.join("version.json"), serde_json::to_string(&stamp)?)?;
    let size = |name: &str| std::fs::metadata(dist.join(name)).map_or(0, |m| m.len() / 1024);
    println!("PWA built in {}:", dist.display());
    for (bundle, b) in BUNDLES.iter().zip(&built) {
        println!(
            "  {:<10} {} ({} KB), {} ({} KB)",
            bundle.page,
            b.js,
            size(&b.js),
            b.wasm,
            size(&b.wasm)
        );
    }
    Ok(dist)
}

/// `cargo xtask pwa`.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    build().map(|_| ())
}

/// `cargo xtask run`: builds the PWA, then runs the server serving it with the demo accounts
/// (extra arguments go to `ocpizza serve --demo`).
pub fn serve(extra: &[String]) -> anyhow::Result<()> {
    let dist = build()?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "-p", "ocpizza", "--", "serve", "--demo"])
        .args(extra)
        .env("OCPIZZA_STATIC_DIR", dist)
        .status()
        .context("running the server")?;
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}
