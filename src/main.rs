use clap::Parser;
use std::process::ExitCode;
use yardstick::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked for the whole run: the server's worker threads log while it serves.
    match cli.run(&mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
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
