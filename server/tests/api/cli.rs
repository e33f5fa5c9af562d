//! The `ocpizza` binary: `check`, `migrate`, `seed`, `user create` on a real database file.

use std::process::{Command, Output, Stdio};

fn ocpizza(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocpizza"));
    cmd.args(args)
        .env_clear()
        .env("OCPIZZA_DATA_DIR", data_dir)
        .env("OCPIZZA_ARGON2_MEMORY_KIB", "64")
        .env("OCPIZZA_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ocpizza");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().expect("ocpizza output")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn check_fails_before_migrating_and_passes_after() {
    let dir = tempfile::tempdir().unwrap();
    let before = ocpizza(dir.path(), &["check"], None);
    assert!(!before.status.success(), "{}", text(&before));
    assert!(text(&before).contains("pending"), "{}", text(&before));
    let migrate = ocpizza(dir.path(), &["migrate"], None);
    assert!(migrate.status.success(), "{}", text(&migrate));
    let after = ocpizza(dir.path(), &["check"], None);
    assert!(after.status.success(), "{}", text(&after));
    assert!(text(&after).contains("migrations current"));
}

#[test]
fn a_bad_configuration_is_reported_with_the_variable_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocpizza"));
    let out = cmd
        .args(["check"])
        .env_clear()
        .env("OCPIZZA_DATA_DIR", dir.path())
        .env("OCPIZZA_BIND", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("OCPIZZA_BIND"));
}

#[test]
fn seeding_twice_creates_nothing_new_and_users_can_be_created_for_a_shop() {
    let dir = tempfile::tempdir().unwrap();
    let first = ocpizza(dir.path(), &["seed"], None);
    assert!(text(&first).contains("5 shops"), "{}", text(&first));
    assert!(
        text(&first).contains("0 accounts"),
        "no demo accounts without --demo"
    );
    let second = ocpizza(dir.path(), &["seed", "--demo"], None);
    assert!(
        text(&second).contains("0 shops, 0 ingredients, 0 pizzas, 6 accounts"),
        "{}",
        text(&second)
    );
    let create = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "nina@ocpizza.fr",
            "--name",
            "Nina",
            "--role",
            "cook",
            "--shop",
            "2",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(create.status.success(), "{}", text(&create));
    let again = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "nina@ocpizza.fr",
            "--name",
            "Nina",
            "--role",
            "cook",
            "--shop",
            "2",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already has an account"));
    let no_shop = ocpizza(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "x@ocpizza.fr",
            "--name",
            "X",
            "--role",
            "driver",
            "--password-stdin",
        ],
        Some("a-long-password\n"),
    );
    assert!(text(&no_shop).contains("--shop is required"));
}
