//! Configuration: command-line flags, with environment variables as
//! defaults (`QUIVER_STORE_*`), so a container can be set up either way.

pub const USAGE: &str = "\
quiver-store: stores files and streams them back (upload, list, Range download, delete).

Options (environment variable in brackets):
  --listen ADDR         address to listen on [QUIVER_STORE_LISTEN] (default 127.0.0.1:8787)
  --store URL           where files live [QUIVER_STORE_URL] (default ./store-data):
                          a directory, file:///abs/dir, or s3://bucket/prefix
                          (S3 and compatible stores read AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                          AWS_REGION, AWS_ENDPOINT, AWS_ALLOW_HTTP … from the environment)
  --max-bytes N         largest upload in bytes [QUIVER_STORE_MAX_BYTES] (default 20 GiB)
  --cors-origin ORIGIN  an origin allowed to call the API, repeatable
                          [QUIVER_STORE_CORS_ORIGINS, comma-separated]
                          (default http://127.0.0.1:5173 and http://localhost:5173)
  --token TOKEN         require `Authorization: Bearer TOKEN` [QUIVER_STORE_TOKEN]
  --help                this text";

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: String,
    pub store: String,
    pub max_bytes: u64,
    pub cors_origins: Vec<String>,
    pub token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8787".into(),
            store: "./store-data".into(),
            max_bytes: 20 << 30,
            cors_origins: vec!["http://127.0.0.1:5173".into(), "http://localhost:5173".into()],
            token: None,
        }
    }
}

impl Config {
    /// From the environment, then the flags in `args`; `Err` is the text to print.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut config = Config::default();
        if let Some(v) = env("QUIVER_STORE_LISTEN") {
            config.listen = v;
        }
        if let Some(v) = env("QUIVER_STORE_URL") {
            config.store = v;
        }
        if let Some(v) = env("QUIVER_STORE_MAX_BYTES") {
            config.max_bytes = bytes(&v)?;
        }
        if let Some(v) = env("QUIVER_STORE_CORS_ORIGINS") {
            config.cors_origins = v.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
        }
        config.token = env("QUIVER_STORE_TOKEN");
        let mut args = args.into_iter();
        let mut origins_given = false;
        while let Some(flag) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"));
            match flag.as_str() {
                "--listen" => config.listen = value("--listen")?,
                "--store" => config.store = value("--store")?,
                "--max-bytes" => config.max_bytes = bytes(&value("--max-bytes")?)?,
                "--cors-origin" => {
                    if !origins_given {
                        config.cors_origins.clear();
                        origins_given = true;
                    }
                    config.cors_origins.push(value("--cors-origin")?);
                }
                "--token" => config.token = Some(value("--token")?),
                "--help" | "-h" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown option {other}\n\n{USAGE}")),
            }
        }
        Ok(config)
    }
}

fn bytes(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("--max-bytes takes a number of bytes, not {text:?}"))
}
