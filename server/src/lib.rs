//! The server that only stores files.
//!
//! In Quiver's design all parsing and querying happens in the browser; the
//! server keeps files and streams them back. This crate is that server: an
//! HTTP API (see the README, "The file store") over the `object_store`
//! crate, so files live on the local disk by default and in any
//! S3-compatible store by configuration. It never executes or parses what it
//! stores.
//!
//! - [`config`]: command line and environment (every limit);
//! - [`net`]: connections: limits and timeouts against slow clients;
//! - [`guard`]: Host, Origin, token and cross-site checks;
//! - [`routes`]: the HTTP API; [`tus`]: resumable uploads;
//! - [`names`], [`range`], [`conditions`]: names, `Range`, `If-*` headers;
//! - [`store`]: pointers to immutable blobs, staged uploads, sweeping;
//! - [`error`]: errors as JSON.

pub mod conditions;
pub mod config;
pub mod error;
pub mod guard;
pub mod names;
pub mod net;
pub mod range;
pub mod routes;
pub mod store;
pub mod tus;

use std::sync::Arc;

pub use config::Config;

/// Serves `config` until Ctrl-C (or SIGTERM).
pub async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let options = store::Options { upload_memory: config.upload_memory, max_bytes: config.max_bytes, upload_expiry: config.upload_expiry };
    let files = store::Files::open(&config.store, &options)?;
    let imported = files.import_legacy().await?;
    if imported > 0 {
        println!("quiver-store: {imported} files of the previous layout imported");
    }
    // Before listening: what a crash left staged goes first.
    let swept = files.sweep_staging(true).await?;
    if swept != store::sweep::Swept::default() {
        println!("quiver-store: start-up sweep: {swept:?}");
    }
    tokio::spawn({
        let files = files.clone();
        async move {
            match files.sweep_orphans().await {
                Ok(0) => {}
                Ok(n) => println!("quiver-store: {n} orphaned blobs removed"),
                Err(e) => eprintln!("quiver-store: orphan sweep failed: {e}"),
            }
        }
    });
    tokio::spawn({
        let files = files.clone();
        let every = config.sweep_interval;
        async move {
            loop {
                tokio::time::sleep(every).await;
                match files.sweep_staging(false).await {
                    Ok(swept) if swept != store::sweep::Swept::default() => println!("quiver-store: sweep: {swept:?}"),
                    Ok(_) => {}
                    Err(e) => eprintln!("quiver-store: sweep failed: {e}"),
                }
            }
        }
    });
    let guard = guard::Guard::new(config.token.as_deref(), &config.cors_origins, &config.allowed_hosts, &config.listen);
    let state = routes::State {
        files: files.clone(),
        max_bytes: config.max_bytes,
        body_timeout: config.body_timeout,
        upload_expiry: config.upload_expiry,
        guard: Arc::new(guard),
    };
    let app = routes::router(state);
    let limits = net::Limits {
        header_timeout: config.header_timeout,
        write_timeout: config.write_timeout,
        max_connections: net::fit_connections(config.max_connections),
    };
    let listener = net::listen(&config.listen).await?;
    let address = listener.local_addr()?;
    // The line tests and scripts wait for.
    println!(
        "quiver-store listening on http://{address} (store: {}, up to {} connections, {} MiB of upload buffers)",
        config.store,
        limits.max_connections,
        files.upload_memory() >> 20
    );
    net::serve(listener, app, limits, shutdown()).await;
    Ok(())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
        tokio::select! { _ = interrupt => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
