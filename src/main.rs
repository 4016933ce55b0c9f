use clap::Parser;
use std::io::{self, Write};
use std::process::ExitCode;
use yardstick::cli::Cli;

/// jemalloc returns what a scored period no longer needs to the system, where glibc's
/// malloc keeps the peak of every scoring resident (see Cargo.toml).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked for the whole run: the server's worker threads log while it serves.
    let mut out = Stdout { closed: false };
    match cli.run(&mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // `yardstick evaluate | head`: the reader has what it wanted.
        Err(_) if out.closed => ExitCode::SUCCESS,
        Err(failure) => {
            // A list of problems already names each place; a single message gets a label.
            if failure.message.contains('\n') {
                eprintln!("{}", failure.message);
            } else {
                eprintln!("error: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Standard output that remembers when its reader went away, so the command that
/// stops on the failed write ends quietly instead of reporting "Broken pipe".
struct Stdout {
    closed: bool,
}

impl Stdout {
    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if result.as_ref().is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
            self.closed = true;
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = io::stdout().write(buf);
        self.note(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = io::stdout().flush();
        self.note(flushed)
    }
}
