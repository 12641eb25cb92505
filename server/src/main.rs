//! `quiver-store`: the server that only stores files (see the crate docs and
//! the README, "The file store"). `quiver-store --help` lists the options.

fn main() {
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
