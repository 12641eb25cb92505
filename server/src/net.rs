//! Connections: accepting, limiting, and cutting off clients that hold a
//! connection without using it.
//!
//! - **Headers**: a request's line and headers must arrive within
//!   `--header-timeout`; the same timer closes a kept-alive connection idle
//!   that long between requests (hyper's `header_read_timeout` starts
//!   whenever the connection waits for a request).
//! - **Bodies**: an upload silent for `--body-timeout` is stopped by the
//!   store (`staging::Appender::pull`), not here.
//! - **Answers**: a client that reads nothing of an answer for
//!   `--write-timeout` is cut off ([`Guarded`] notes when a write starts
//!   waiting; a watchdog per connection drops it once that is too long).
//! - **How many**: at most `--max-connections` are served at once (and fewer
//!   if the open-file limit is low: two descriptors each, plus a reserve).
//!   One more gets `503` with a JSON error and `Retry-After`, at once, and is
//!   closed; refusals themselves are capped, beyond which a connection is
//!   simply closed.
//! - Header bytes per connection are capped at 64 KiB (`MAX_BUF`), which
//!   also bounds what a connection buffers of a body.
//!
//! `tests/store/slow-clients.test.mjs` holds each of these.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

/// hyper's buffer limit per connection: the largest request head, and the
/// most of a body it reads ahead. Measured against 256 KiB: 100 concurrent
/// uploads took the server from 21 to 46 MB (local disk) and from 109 to
/// 158 MB (S3) for no throughput gain beyond noise (`memory.test.mjs`,
/// `basics.test.mjs`), so the default's 400 KiB is not used.
const MAX_BUF: usize = 64 << 10;
/// Connections being refused (503) at once; beyond, refused by closing.
const MAX_REFUSING: usize = 64;
/// Descriptors kept for everything but connections (files, S3 sockets, refusals).
const RESERVED_FDS: u64 = 64 + MAX_REFUSING as u64;

#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
}

/// Listens on `address` (`host:port`) with a deep accept queue (4,096, or
/// the kernel's `somaxconn` if lower), so a burst of connections waits to be
/// accepted rather than retrying a second later.
pub async fn listen(address: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(address).await? {
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(4096)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{address} names no address"))))
}

/// Raises the open-file limit to its hard maximum and returns the
/// connection limit that fits under it (each connection may hold a second
/// descriptor: a staged file, or a socket to S3).
pub fn fit_connections(wanted: usize) -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return wanted;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
        limit.rlim_cur
    };
    let fits = (soft.saturating_sub(RESERVED_FDS) / 2).max(1);
    wanted.min(usize::try_from(fits).unwrap_or(usize::MAX))
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops
/// accepting, lets requests in progress finish for up to 10 s, and returns.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        while tasks.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors (EMFILE/ENFILE) or a connection reset
                // before it was accepted: wait a little rather than spin.
                eprintln!("quiver-store: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            if let Ok(refusal) = refusing.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(refusal);
                });
            }
            continue;
        };
        let app = app.clone();
        let limits = limits.clone();
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let guarded = Guarded::new(stream);
            let stall = guarded.stall.clone();
            let io = TokioIo::new(guarded);
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_BUF).max_header_size(MAX_BUF).keep_alive(true);
            let connection = builder.serve_connection(io, TowerToHyperService::new(app));
            let mut connection = std::pin::pin!(connection);
            let stopping = async move {
                let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
            };
            // Checks on a clock of its own (not only when hyper polls the
            // socket) whether a write has been pending too long.
            let timeout = limits.write_timeout;
            let watchdog = async move {
                let tick = (timeout / 4).max(Duration::from_millis(50));
                loop {
                    tokio::time::sleep(tick).await;
                    if stall.pending_for() >= timeout {
                        break;
                    }
                }
            };
            tokio::select! {
                _ = connection.as_mut() => {}
                () = watchdog => {} // dropping the connection closes the socket
                () = stopping => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async { while tasks.join_next().await.is_some() {} }).await;
}

/// Answers one connection over the limit: a 503 with a JSON body, then
/// reads (and drops) what the client sent for up to a second, so that it
/// sees the answer rather than a reset.
async fn refuse(mut stream: TcpStream) {
    let body = crate::error::body("too_many_connections", "the store is serving as many connections as it allows; retry in a moment");
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let work = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), work).await;
}

/// When a connection's write started waiting (the client stopped reading).
#[derive(Default)]
pub struct Stall {
    /// Milliseconds since `origin` + 1 when the pending write began; 0: none pending.
    since: AtomicU64,
    origin: OnceLock<Instant>,
}

impl Stall {
    fn now(&self) -> u64 {
        self.origin.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
    }

    fn pending(&self) {
        if self.since.load(Ordering::Relaxed) == 0 {
            self.since.store(self.now(), Ordering::Relaxed);
        }
    }

    fn progressed(&self) {
        self.since.store(0, Ordering::Relaxed);
    }

    /// How long the current write has been pending (zero when none is).
    pub fn pending_for(&self) -> Duration {
        match self.since.load(Ordering::Relaxed) {
            0 => Duration::ZERO,
            since => Duration::from_millis(self.now().saturating_sub(since)),
        }
    }
}

/// A connection that notes when a write starts waiting for the client, for
/// the write-timeout watchdog in `serve`.
pub struct Guarded {
    inner: TcpStream,
    stall: Arc<Stall>,
}

impl Guarded {
    fn new(inner: TcpStream) -> Guarded {
        Guarded { inner, stall: Default::default() }
    }

    fn noted<T>(&self, poll: Poll<T>) -> Poll<T> {
        match poll {
            Poll::Pending => {
                self.stall.pending();
                Poll::Pending
            }
            done => {
                self.stall.progressed();
                done
            }
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.noted(poll)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.noted(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
