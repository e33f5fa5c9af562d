//! The `ocpizza` command: see `ocpizza --help`.

/// Every request, event and delivery allocates and frees small buffers on whichever worker
/// thread runs it; mimalloc serves those from per-thread pages, where the C library's
/// allocator spent a quarter of the server's CPU in a rush (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ocpizza::cli::main()
}
