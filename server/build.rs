//! `sqlx::migrate!` embeds the `migrations/` folders into the binary when it is compiled:
//! tell cargo to compile again when a migration is added or changed, not only when Rust code
//! is.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
