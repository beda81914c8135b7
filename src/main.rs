//! The `neardup` command: flags in, library calls, exit code out.
//! 0 on success, 2 on any error (printed as one line naming the file).

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("neardup: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let started = Instant::now();
    let (input, verb) = match &cli.command {
        Command::Clean { input, .. } => (input, "clean"),
        Command::Scan { input, .. } => (input, "scan"),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(input.threads)
        .build()?;
    let summary = pool.install(|| -> anyhow::Result<_> {
        let analysis = neardup::pipeline::analyze(&input.inputs, input.config())?;
        Ok(match &cli.command {
            Command::Clean { out, force, .. } => {
                neardup::output::write_clean(&analysis, out, *force)?
            }
            Command::Scan { report, .. } => {
                let stdout = std::io::stdout().lock();
                neardup::output::write_report(
                    &analysis,
                    report.as_deref(),
                    std::io::BufWriter::new(stdout),
                )?
            }
        })
    })?;
    if !input.quiet {
        let text = summary.human(verb, started.elapsed().as_secs_f64());
        match cli.command {
            // The report may be on stdout: the summary goes to stderr.
            Command::Scan { .. } => eprint!("{text}"),
            Command::Clean { .. } => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
        }
    }
    Ok(())
}
