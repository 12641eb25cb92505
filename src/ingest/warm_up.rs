//! A synthetic CSV that exercises every parsing path (see `wasm::warm_up`).

use super::{Ingest, IngestOptions};

/// Ingests about 2 MB of generated rows covering every column kind.
pub fn run() {
    let mut ingest = Ingest::new(IngestOptions::default()).expect("default options are valid");
    let mut text = String::with_capacity(1 << 20);
    text.push_str("id,when,day,city,name,qty,price,share,flag,note\n");
    for i in 0..20_000u32 {
        let h = i.wrapping_mul(2_654_435_761);
        text.push_str(&format!(
            "{i},2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z,2024-{:02}-{:02},City {},\"Name {}, {}\",{},{}.{:02},{},{},{}\n",
            1 + h % 12,
            1 + h % 28,
            h % 24,
            h % 60,
            (h >> 8) % 60,
            h % 1000,
            1 + (h >> 4) % 12,
            1 + (h >> 4) % 28,
            h % 50,
            h % 5000,
            h % 977,
            h % 20,
            h % 1000,
            h % 100,
            if h % 3 == 0 { String::new() } else { format!("0.{}", h % 97) },
            h % 2 == 0,
            if h % 10 == 0 { "checked" } else { "" },
        ));
        if text.len() >= 1 << 20 {
            let _ = ingest.push(text.as_bytes());
            text.clear();
        }
    }
    let _ = ingest.push(text.as_bytes());
    let _ = ingest.finish();
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_warm_up_file_loads() {
        super::run();
    }
}
