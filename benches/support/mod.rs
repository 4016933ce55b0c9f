//! What several benches need: a data file to write, and the process's resident
//! memory for those that report their peak (Linux).

use std::path::{Path, PathBuf};

/// The allocator the `yardstick` binary runs with (src/main.rs): the memory and time
/// measured are the product's, not glibc's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A CSV file `name` in `dir`, buffered for writing millions of rows.
pub fn bench_file(dir: &Path, name: &str) -> (PathBuf, std::io::BufWriter<std::fs::File>) {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("a bench file");
    (path, std::io::BufWriter::with_capacity(1 << 20, file))
}

/// Starts the process's peak resident memory afresh.
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's resident memory (`VmRSS:`), or its peak since the last reset
/// (`VmHWM:`), in MB.
pub fn resident_memory_mb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
