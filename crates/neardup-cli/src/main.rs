//! The `neardup` command: flags in, library calls, exit code out.
//! 0 on success; 1 for an error in the data or the files (printed as one
//! line naming the file); 2 for a usage error (an option or combination of
//! options that cannot work); 130 when interrupted.

mod cli;
mod eval;
mod synth;

use clap::Parser;
use cli::{Cli, Command, IndexCommand};
use neardup::corpus::ReadOptions;
use neardup::Config;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use synth::{Generator, SentencePool, SynthParams};

fn main() -> ExitCode {
    let cli = Cli::parse();
    on_signals();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("neardup: {}", message(&e));
            if interrupted(&e) {
                ExitCode::from(130)
            } else if usage_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM ask the run to stop: it removes what it had
/// begun to write and exits with 130. A second signal exits at once; what
/// that leaves is removed by the next run.
fn on_signals() {
    let result = ctrlc::set_handler(|| {
        if neardup::interrupt::requested() {
            eprintln!("neardup: stopped at once; the next run removes what was left");
            std::process::exit(130);
        }
        eprintln!("neardup: stopping; removing the unfinished output (again to stop at once)");
        neardup::interrupt::request();
    });
    if let Err(e) = result {
        eprintln!("neardup: cannot handle Ctrl-C ({e}); an interrupted run leaves its unfinished output for the next run to remove");
    }
}

/// The error and its causes, each said once: an error that already quotes
/// its cause (a file's path and the system's error) is not followed by it.
fn message(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        let cause = neardup::error::without_os_code(&cause);
        if !text.ends_with(cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

/// An option the run cannot use (the command line's own errors exit with
/// 2 through clap): exit code 2, as opposed to 1 for data and files.
fn usage_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<neardup::Error>(),
            Some(neardup::Error::Config(_) | neardup::Error::IndexParameters { .. })
        )
    })
}

fn interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<neardup::Error>(),
            Some(neardup::Error::Interrupted)
        )
    })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (input, verb) = match &cli.command {
        Command::Clean { input, .. } => (input, "clean"),
        Command::Scan { input, .. } => (input, "scan"),
        Command::Synth(args) => return synth(args),
        Command::Index(command) => return index(command),
        Command::Restore {
            cleaned,
            report,
            out,
            force,
        } => return restore(cleaned, report.as_deref(), out, *force),
        Command::Eval {
            truth,
            report,
            floor,
        } => {
            let floor = floor.unwrap_or(Config::default().threshold as f32 + 0.05);
            print!("{}", eval::evaluate(truth, report, floor)?.human());
            return Ok(());
        }
    };
    if input.json && matches!(&cli.command, Command::Scan { report: None, .. }) {
        anyhow::bail!(
            "--json prints the summary on standard output, where scan writes the report without --report; give --report FILE"
        );
    }
    let bars = Bars::new(input.quiet);
    let options = input.options()?;
    let neardup::Run {
        summary,
        stages,
        index,
    } = match &cli.command {
        Command::Clean {
            out,
            force,
            annotate,
            dropped,
            report_compress,
            ..
        } => {
            let clean = neardup::output::CleanOptions {
                force: *force,
                mode: if *annotate {
                    neardup::output::Mode::Annotate
                } else {
                    neardup::output::Mode::Cut
                },
                dropped: dropped.clone(),
                report_compress: *report_compress,
            };
            neardup::clean(&input.inputs, out, &options, &clean, &bars)?
        }
        Command::Scan {
            report,
            dropped,
            summary,
            ..
        } => {
            let extra = neardup::output::pipeline_files::PipelineFiles {
                dropped: dropped.clone(),
                summary: summary.clone(),
            };
            let stdout = std::io::BufWriter::new(std::io::stdout());
            neardup::scan(
                &input.inputs,
                report.as_deref(),
                stdout,
                &extra,
                &options,
                &bars,
            )?
        }
        Command::Synth(_) | Command::Eval { .. } | Command::Restore { .. } | Command::Index(_) => {
            unreachable!("handled above")
        }
    };
    if input.json {
        let mut out = std::io::stdout().lock();
        out.write_all(neardup::output::pipeline_files::summary_json(verb, &summary).as_bytes())?;
        out.flush()?;
    } else if !input.quiet {
        let mut text = summary.human(verb, &stages, input.verbose);
        if let (Some(update), Some(dir)) = (index, &input.index) {
            text.push_str(&index_line(dir, &update));
        }
        match cli.command {
            // The report may be on stdout: the summary goes to stderr.
            Command::Scan { .. } => eprint!("{text}"),
            _ => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
        }
    }
    Ok(())
}

/// The summary's line about the run's index.
fn index_line(dir: &std::path::Path, u: &neardup::pipeline::IndexUpdate) -> String {
    format!(
        "  index {}: {} documents dropped as copies of indexed ones, {} added; {} documents in {} runs\n",
        dir.display(),
        u.copies,
        u.added,
        u.documents,
        u.runs
    )
}

/// `neardup index ...`.
fn index(command: &IndexCommand) -> anyhow::Result<()> {
    use neardup::index::Index;
    match command {
        IndexCommand::Create { input } | IndexCommand::Add { input } => {
            // Usage errors (exit 2), as the library's option errors are.
            let misused = |message: String| Err(neardup::Error::Config(message).into());
            let create = matches!(command, IndexCommand::Create { .. });
            let Some((dir, sources)) = input.inputs.split_last().filter(|(_, s)| !s.is_empty())
            else {
                return misused(
                    "give the sources, then the index folder: index create SOURCES... IDX".into(),
                );
            };
            match (create, Index::exists(dir)) {
                (true, true) => {
                    return misused(format!(
                        "{}: an index is already there; `index add` adds to it",
                        dir.display()
                    ))
                }
                (false, false) => {
                    return misused(format!(
                        "{}: no index there; `index create` makes one",
                        dir.display()
                    ))
                }
                _ => {}
            }
            if input.read_only || input.index.is_some() {
                return misused(
                    "index create and add take the index as their last path, and add to it; to match a dump without adding, use clean --index IDX --read-only".into(),
                );
            }
            let mut options = input.options()?;
            options.index = Some(dir.clone());
            let update = neardup::add_to_index(sources, &options, &Bars::new(input.quiet))?;
            if !input.quiet {
                print!("{}", index_line(dir, &update));
            }
            Ok(())
        }
        IndexCommand::Stats { index, json } => {
            let ix = Index::open_existing(index)?;
            let stats = serde_json::json!({
                "documents": ix.documents(),
                "runs": ix.runs(),
                "bytes": ix.bytes(),
                "format_version": neardup::index::VERSION,
                "params": ix.params(),
            });
            if *json {
                println!("{stats}");
            } else {
                println!(
                    "{}: {} documents in {} runs, {} bytes\nparameters: {}",
                    index.display(),
                    ix.documents(),
                    ix.runs(),
                    ix.bytes(),
                    ix.params().describe()
                );
            }
            Ok(())
        }
        IndexCommand::Query { index, text, limit } => {
            let ix = Index::open_existing(index)?;
            let path = std::path::Path::new(text);
            let text = if path.is_file() {
                std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            } else {
                text.clone()
            };
            let mut out = std::io::stdout().lock();
            for (doc, similarity, by) in ix.query_text(&text, *limit)? {
                let hit = serde_json::json!({
                    "id": doc.id,
                    "similarity": similarity,
                    "match": by.rule().name(),
                    "document": doc.document,
                    "source": {"file": doc.file, "line": doc.line},
                });
                writeln!(out, "{hit}")?;
            }
            Ok(())
        }
        IndexCommand::Compact { index } => {
            let params = Index::open_existing(index)?.params().clone();
            let mut ix = Index::open(index, &params, true)?;
            let runs = ix.runs();
            ix.compact()?;
            println!(
                "{}: {} runs merged into {}; {} documents",
                index.display(),
                runs,
                ix.runs(),
                ix.documents()
            );
            Ok(())
        }
    }
}

fn restore(
    cleaned: &std::path::Path,
    report: Option<&std::path::Path>,
    out: &std::path::Path,
    force: bool,
) -> anyhow::Result<()> {
    let report = report.map_or_else(|| neardup::restore::report_in(cleaned), ToOwned::to_owned);
    let done = neardup::restore::restore(&report, cleaned, out, force)?;
    for swept in &done.swept {
        eprintln!(
            "neardup restore: {}",
            neardup::output::interrupted_note(out, swept)
        );
    }
    println!(
        "neardup restore: {} files, {} bytes rebuilt into {}, each checked against the length and hash recorded when cleaning",
        done.files,
        done.bytes,
        out.display()
    );
    for file in &done.unreadable {
        eprintln!("neardup restore: {file} was unreadable when cleaned and is not rebuilt");
    }
    Ok(())
}

fn synth(args: &cli::SynthArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let pool = if args.sources.is_empty() {
        SentencePool::bundled()
    } else {
        let fields = ReadOptions {
            text: args.text_field.clone(),
            id: "id".into(),
            max_bytes: Config::default().max_document_bytes(),
            records: false,
        };
        SentencePool::from_paths(&args.sources, &fields)?
    };
    let params = SynthParams {
        docs: args.docs,
        dup_rate: args.dup_rate,
        max_strength: args.max_strength,
        boilerplate_rate: args.boilerplate_rate,
        cut_rate: args.cut_rate,
        sites: args.sites,
        seed: args.seed,
    };
    for (name, v) in [
        ("--dup-rate", params.dup_rate),
        ("--max-strength", params.max_strength),
        ("--boilerplate-rate", params.boilerplate_rate),
        ("--cut-rate", params.cut_rate),
    ] {
        anyhow::ensure!(
            (0.0..=1.0).contains(&v),
            "{name} must be in [0, 1], got {v}"
        );
    }
    let (sentences, skipped) = (pool.len(), pool.skipped);
    let stats = Generator::new(pool, params).write(&args.out, &args.truth)?;
    eprintln!(
        "neardup synth: {} documents ({} originals, {} near copies), {} bytes, from {sentences} sentences \
         ({skipped} unreadable source documents passed over), in {:.2} s",
        stats.documents,
        stats.originals,
        stats.copies,
        stats.bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Progress bars on stderr, for people: hidden when stderr is not a
/// terminal or with --quiet, and drawn only once a stage has run for a
/// couple of seconds.
struct Bars {
    stage: std::sync::Mutex<Option<(indicatif::ProgressBar, &'static str, u64)>>,
    show: bool,
    quiet: bool,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        Bars {
            stage: std::sync::Mutex::new(None),
            show: !quiet && std::io::stderr().is_terminal(),
            quiet,
        }
    }
}

impl neardup::pipeline::Progress for Bars {
    fn start(&self, stage: &'static str, documents: Option<u64>) {
        if !self.show {
            return;
        }
        let (bar, template) = match documents {
            Some(n) => (
                indicatif::ProgressBar::new(n),
                "{msg} [{bar:30}] {human_pos}/{human_len} documents, eta {eta}",
            ),
            None => (
                indicatif::ProgressBar::new_spinner(),
                "{msg} {spinner} {human_pos} documents",
            ),
        };
        let style = indicatif::ProgressStyle::with_template(template)
            .expect("a valid template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        *self.stage.lock().expect("progress lock") = Some((bar, stage, 0));
    }

    fn advance(&self, documents: u64, bytes: u64) {
        let mut stage = self.stage.lock().expect("progress lock");
        if let Some((bar, name, total)) = stage.as_mut() {
            *total += bytes;
            bar.inc(documents);
            let seconds = bar.elapsed().as_secs_f64().max(1e-3);
            let mb = *total as f64 / 1e6;
            bar.set_message(format!("{name}: {mb:.0} MB, {:.0} MB/s", mb / seconds));
            if bar.is_hidden() && bar.elapsed().as_secs_f64() > 2.0 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some((bar, ..)) = self.stage.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }

    fn note(&self, message: &str) {
        if self.quiet {
            return;
        }
        match self.stage.lock().expect("progress lock").as_ref() {
            Some((bar, ..)) => bar.suspend(|| eprintln!("neardup: {message}")),
            None => eprintln!("neardup: {message}"),
        }
    }
}
