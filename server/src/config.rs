//! Configuration: command-line flags, with environment variables as
//! defaults (`QUIVER_STORE_*`), so a container can be set up either way.
//!
//! Every limit the server enforces is here, with its default; the README
//! ("The file store", "Limits") lists them and the tests that exercise each.
//! A new flag changes `USAGE`, `Config`, `Default` and `from_args` together.

use std::time::Duration;

pub const USAGE: &str = "\
quiver-store: stores files and streams them back (upload, resumable upload, list, Range download, delete).

Options (environment variable in brackets):
  --listen ADDR           address to listen on [QUIVER_STORE_LISTEN] (default 127.0.0.1:8787)
  --store URL             where files live [QUIVER_STORE_URL] (default ./store-data):
                            a directory, file:///abs/dir, or s3://bucket/prefix
                            (S3 and compatible stores read AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                            AWS_REGION, AWS_ENDPOINT, AWS_ALLOW_HTTP … from the environment)
  --max-bytes N           largest upload in bytes [QUIVER_STORE_MAX_BYTES] (default 20 GiB)
  --cors-origin ORIGIN    an origin allowed to call the API (and the only origins whose pages may
                            write), repeatable [QUIVER_STORE_CORS_ORIGINS, comma-separated]
                            (default http://127.0.0.1:5173 and http://localhost:5173)
  --allowed-host HOST     a Host name requests may carry, repeatable [QUIVER_STORE_ALLOWED_HOSTS];
                            on a loopback address localhost, 127.0.0.1 and [::1] always are, and
                            nothing else unless given here (against DNS rebinding)
  --token TOKEN           require `Authorization: Bearer TOKEN` [QUIVER_STORE_TOKEN]
  --header-timeout SECS   a connection's request line and headers must arrive within this, and
                            an idle kept-alive connection is closed after it [QUIVER_STORE_HEADER_TIMEOUT] (default 10)
  --body-timeout SECS     an upload that sends nothing for this long is stalled: a plain upload is
                            aborted, a resumable one keeps what arrived [QUIVER_STORE_BODY_TIMEOUT] (default 30)
  --write-timeout SECS    a client that reads nothing of an answer for this long is cut off
                            [QUIVER_STORE_WRITE_TIMEOUT] (default 30)
  --max-connections N     connections served at once; more are answered 503 at once
                            [QUIVER_STORE_MAX_CONNECTIONS] (default 1000, lowered to fit the open-file limit)
  --upload-memory BYTES   bytes of uploads buffered in memory at once, all uploads together
                            [QUIVER_STORE_UPLOAD_MEMORY] (default 64 MiB; at least one part, 5 MiB on S3)
  --upload-expiry SECS    a resumable upload untouched this long is removed [QUIVER_STORE_UPLOAD_EXPIRY] (default 86400)
  --sweep-interval SECS   how often expired and abandoned uploads are looked for [QUIVER_STORE_SWEEP_INTERVAL] (default 300)
  --help                  this text";

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: String,
    pub store: String,
    pub max_bytes: u64,
    pub cors_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub token: Option<String>,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub upload_memory: u64,
    pub upload_expiry: Duration,
    pub sweep_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8787".into(),
            store: "./store-data".into(),
            max_bytes: 20 << 30,
            cors_origins: vec!["http://127.0.0.1:5173".into(), "http://localhost:5173".into()],
            allowed_hosts: Vec::new(),
            token: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            max_connections: 1000,
            upload_memory: 64 << 20,
            upload_expiry: Duration::from_secs(24 * 3600),
            sweep_interval: Duration::from_secs(300),
        }
    }
}

impl Config {
    /// From the environment, then the flags in `args`; `Err` is the text to print.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let list = |v: String| v.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect::<Vec<_>>();
        let mut config = Config::default();
        if let Some(v) = env("QUIVER_STORE_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("QUIVER_STORE_URL") {
            config.store = v;
        }
        if let Some(v) = env("QUIVER_STORE_MAX_BYTES") {
            config.max_bytes = number("QUIVER_STORE_MAX_BYTES", &v)?;
        }
        if let Some(v) = env("QUIVER_STORE_CORS_ORIGINS") {
            config.cors_origins = list(v);
        }
        if let Some(v) = env("QUIVER_STORE_ALLOWED_HOSTS") {
            config.allowed_hosts = list(v);
        }
        config.token = env("QUIVER_STORE_TOKEN");
        for (var, slot) in [
            ("QUIVER_STORE_HEADER_TIMEOUT", &mut config.header_timeout),
            ("QUIVER_STORE_BODY_TIMEOUT", &mut config.body_timeout),
            ("QUIVER_STORE_WRITE_TIMEOUT", &mut config.write_timeout),
            ("QUIVER_STORE_UPLOAD_EXPIRY", &mut config.upload_expiry),
            ("QUIVER_STORE_SWEEP_INTERVAL", &mut config.sweep_interval),
        ] {
            if let Some(v) = env(var) {
                *slot = seconds(var, &v)?;
            }
        }
        if let Some(v) = env("QUIVER_STORE_MAX_CONNECTIONS") {
            config.max_connections = number("QUIVER_STORE_MAX_CONNECTIONS", &v)? as usize;
        }
        if let Some(v) = env("QUIVER_STORE_UPLOAD_MEMORY") {
            config.upload_memory = number("QUIVER_STORE_UPLOAD_MEMORY", &v)?;
        }
        let mut args = args.into_iter();
        let mut origins_given = false;
        let mut hosts_given = false;
        while let Some(flag) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"));
            match flag.as_str() {
                "--listen" => config.listen = value("--listen")?,
                "--store" => config.store = value("--store")?,
                "--max-bytes" => config.max_bytes = number("--max-bytes", &value("--max-bytes")?)?,
                "--cors-origin" => {
                    if !origins_given {
                        config.cors_origins.clear();
                        origins_given = true;
                    }
                    config.cors_origins.push(value("--cors-origin")?);
                }
                "--allowed-host" => {
                    if !hosts_given {
                        config.allowed_hosts.clear();
                        hosts_given = true;
                    }
                    config.allowed_hosts.push(value("--allowed-host")?);
                }
                "--token" => config.token = Some(value("--token")?),
                "--header-timeout" => config.header_timeout = seconds("--header-timeout", &value("--header-timeout")?)?,
                "--body-timeout" => config.body_timeout = seconds("--body-timeout", &value("--body-timeout")?)?,
                "--write-timeout" => config.write_timeout = seconds("--write-timeout", &value("--write-timeout")?)?,
                "--max-connections" => config.max_connections = number("--max-connections", &value("--max-connections")?)? as usize,
                "--upload-memory" => config.upload_memory = number("--upload-memory", &value("--upload-memory")?)?,
                "--upload-expiry" => config.upload_expiry = seconds("--upload-expiry", &value("--upload-expiry")?)?,
                "--sweep-interval" => config.sweep_interval = seconds("--sweep-interval", &value("--sweep-interval")?)?,
                "--help" | "-h" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown option {other}\n\n{USAGE}")),
            }
        }
        if config.token.as_deref() == Some("") {
            return Err("--token must not be empty".into());
        }
        if config.max_connections == 0 {
            return Err("--max-connections must be at least 1".into());
        }
        Ok(config)
    }
}

fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("{flag} takes a whole number, not {text:?}"))
}

fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{flag} takes a number of seconds, not {text:?}"))?;
    if !(value > 0.0 && value.is_finite()) {
        return Err(format!("{flag} must be a positive number of seconds, not {text:?}"));
    }
    Ok(Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        let c = parse(&["--header-timeout", "0.5", "--max-connections", "7", "--allowed-host", "files.example", "--upload-memory", "1048576"]).unwrap();
        assert_eq!(c.header_timeout, Duration::from_millis(500));
        assert_eq!(c.max_connections, 7);
        assert_eq!(c.allowed_hosts, ["files.example"]);
        assert_eq!(c.upload_memory, 1 << 20);
        assert!(parse(&["--body-timeout", "0"]).is_err());
        assert!(parse(&["--body-timeout", "NaN"]).is_err());
        assert!(parse(&["--max-connections", "0"]).is_err());
        assert!(parse(&["--max-bytes", "lots"]).is_err());
        assert!(parse(&["--nope"]).is_err());
    }
}
