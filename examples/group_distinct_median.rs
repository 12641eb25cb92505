//! Ways to count distinct (group, value) pairs and to take per-group medians,
//! on random data shaped like the Graphic Walker benchmark's "distinct
//! customers + median price by product" (2,000 groups, 200,000 distinct
//! values): what `count_distinct` and `quantiles` in `src/query/aggregate.rs`
//! do today against the alternatives proposed in docs/walker-benchmark.md.
//! Standalone (does not call Quiver); each alternative is checked to give the
//! same answer as today's.
//!
//!   cargo run --release --example group_distinct_median -- 1000000
//!
//! CPU time from `/proc/thread-self/schedstat` (Linux), median of 5.
use std::collections::HashSet;
use std::time::Instant;

fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok())).map_or(f64::NAN, |ns| ns / 1e6)
}

fn time<T>(name: &str, f: impl Fn() -> T) -> T {
    let mut cpu = vec![];
    let mut out = None;
    for _ in 0..5 { let c = cpu_ms(); out = Some(std::hint::black_box(f())); cpu.push(cpu_ms() - c); }
    cpu.sort_by(f64::total_cmp);
    println!("{name:<50} {:>8.1} ms cpu (median of 5)", cpu[2]);
    out.unwrap()
}

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1_000_000);
    let groups = 2000usize;
    let mut x: u64 = 42;
    let mut rnd = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
    let ids: Vec<u32> = (0..n).map(|_| (rnd() % groups as u64) as u32).collect();
    let codes: Vec<u64> = (0..n).map(|_| rnd() % 200_000).collect();
    let prices: Vec<f64> = (0..n).map(|_| 1.0 + (rnd() % 49_900) as f64 / 100.0).collect();

    let a = time("distinct: std HashSet<(u32,u64)> SipHash (today)", || {
        let mut seen: HashSet<(u32, u64)> = HashSet::new();
        let mut out = vec![0i64; groups];
        for i in 0..n { if seen.insert((ids[i], codes[i])) { out[ids[i] as usize] += 1; } }
        out
    });
    let b = time("distinct: hashbrown foldhash, reserved", || {
        let mut seen: hashbrown::HashSet<u64> = hashbrown::HashSet::with_capacity(n);
        let mut out = vec![0i64; groups];
        for i in 0..n { if seen.insert((ids[i] as u64) << 32 | codes[i]) { out[ids[i] as usize] += 1; } }
        out
    });
    let c = time("distinct: packed u64 keys, sort_unstable, runs", || {
        let mut keys: Vec<u64> = (0..n).map(|i| (ids[i] as u64) << 32 | codes[i]).collect();
        keys.sort_unstable();
        let mut out = vec![0i64; groups];
        let mut last = u64::MAX;
        for k in keys { if k != last { out[(k >> 32) as usize] += 1; last = k; } }
        out
    });
    let d = time("distinct: bucket by group (counting sort), sort each", || {
        let mut start = vec![0usize; groups + 1];
        for &g in &ids { start[g as usize + 1] += 1; }
        for g in 0..groups { start[g + 1] += start[g]; }
        let mut fill = start.clone();
        let mut vals = vec![0u32; n];
        for i in 0..n { let g = ids[i] as usize; vals[fill[g]] = codes[i] as u32; fill[g] += 1; }
        let mut out = vec![0i64; groups];
        for g in 0..groups {
            let s = &mut vals[start[g]..start[g + 1]];
            s.sort_unstable();
            out[g] = s.chunk_by(|a, b| a == b).count() as i64;
        }
        out
    });
    assert_eq!(a, b); assert_eq!(a, c); assert_eq!(a, d);

    let m1 = time("median: (group, f64) pairs, sort_unstable_by (today)", || {
        let mut pairs: Vec<(u32, f64)> = (0..n).map(|i| (ids[i], prices[i])).collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut out = vec![None; groups];
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            let p = 0.5 * (run.len() - 1) as f64; let (lo, hi) = (p.floor() as usize, p.ceil() as usize);
            out[run[0].0 as usize] = Some(if lo == hi { run[lo].1 } else { run[lo].1 + (run[hi].1 - run[lo].1) * (p - lo as f64) });
        }
        out
    });
    let m2 = time("median: bucket by group, select_nth_unstable", || {
        let mut start = vec![0usize; groups + 1];
        for &g in &ids { start[g as usize + 1] += 1; }
        for g in 0..groups { start[g + 1] += start[g]; }
        let mut fill = start.clone();
        let mut vals = vec![0f64; n];
        for i in 0..n { let g = ids[i] as usize; vals[fill[g]] = prices[i]; fill[g] += 1; }
        let mut out = vec![None; groups];
        for g in 0..groups {
            let s = &mut vals[start[g]..start[g + 1]];
            if s.is_empty() { continue; }
            let p = 0.5 * (s.len() - 1) as f64; let (lo, hi) = (p.floor() as usize, p.ceil() as usize);
            let (_, &mut a, rest) = s.select_nth_unstable_by(lo, f64::total_cmp);
            let b = if hi == lo { a } else { *rest.iter().min_by(|x, y| x.total_cmp(y)).unwrap() };
            out[g] = Some(if lo == hi { a } else { a + (b - a) * (p - lo as f64) });
        }
        out
    });
    assert_eq!(m1, m2);
}
