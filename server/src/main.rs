//! `quiver-store`: the server that only stores files (see the crate docs and
//! the README, "The file store"). `quiver-store --help` lists the options.

fn main() {
    // Upload buffers (S3 parts of 5 MiB, and what hyper reads) come and go
    // all the time. glibc raises its mmap threshold after the first such
    // buffer is freed, and from then on serves them from its heaps, which
    // fragment and keep the memory; a fixed threshold keeps every buffer of
    // 1 MiB or more mmapped, so it goes back to the system when freed
    // (`tests/store/memory.test.mjs` measures the difference).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
    let config = match quiver_store::Config::from_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    if let Err(e) = runtime.block_on(quiver_store::run(config)) {
        eprintln!("quiver-store: {e}");
        std::process::exit(1);
    }
}
