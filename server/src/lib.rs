//! The server that only stores files.
//!
//! In Quiver's design all parsing and querying happens in the browser; the
//! server keeps files and streams them back. This crate is that server: an
//! HTTP API (see the README, "The file store") over the `object_store`
//! crate, so files live on the local disk by default and in any
//! S3-compatible store by configuration. It never executes or parses what it
//! stores.
//!
//! - [`config`]: command line and environment;
//! - [`names`]: which file names are allowed;
//! - [`range`]: `Range` headers;
//! - [`store`]: uploads made visible only when complete, listing, reading;
//! - [`routes`]: the HTTP API;
//! - [`error`]: errors as JSON.

pub mod config;
pub mod error;
pub mod names;
pub mod range;
pub mod routes;
pub mod store;

pub use config::Config;

/// Serves `config` until Ctrl-C (or SIGTERM).
pub async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let files = store::Files::open(&config.store)?;
    let app = routes::router(routes::State::new(files, &config));
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let address = listener.local_addr()?;
    // The line tests and scripts wait for.
    println!("quiver-store listening on http://{address} (store: {})", config.store);
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
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
