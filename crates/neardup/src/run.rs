//! One call per command: [`clean`] and [`scan`] do what `neardup clean` and
//! `neardup scan` do, from [`Options`] and input paths to written files and
//! a [`Summary`]; [`clean_streams`] cleans readers into a sink. The command
//! line and the Python module are thin shells over them, so both check the
//! same things in the same order and write the same bytes.

use crate::config::Options;
use crate::error::{Error, Result};
use crate::output::pipeline_files::{self, PipelineFiles};
use crate::output::report::Summary;
use crate::output::{self, CleanOptions};
use crate::pipeline::{self, Progress, Stage};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a run did: its totals and the wall time of each stage.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run's totals, as `summary.json` has them.
    pub summary: Summary,
    /// Wall time per stage, in order.
    pub stages: Vec<Stage>,
    /// What the run did with its index, when it had one.
    pub index: Option<crate::pipeline::IndexUpdate>,
}

/// Cleans `inputs` into the folder `out`, as `neardup clean` does: the
/// cleaned copies, `report.json`, `report.html`, `summary.json` and
/// `removed.jsonl.zst`, and the dropped documents to `clean.dropped` when
/// asked. What an interrupted earlier run left is removed first (and told
/// to `progress`); the folder appears only when complete.
pub fn clean(
    inputs: &[PathBuf],
    out: &Path,
    options: &Options,
    clean: &CleanOptions,
    progress: &dyn Progress,
) -> Result<Run> {
    if let Some(path) = &clean.dropped {
        pipeline_files::check_path(path)?;
    }
    if let Some(index) = &options.index {
        // Lexically: neither needs to exist yet.
        let absolute = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
        let (index_abs, out_abs) = (absolute(index)?, absolute(out)?);
        if index_abs.starts_with(&out_abs) {
            return Err(Error::Config(format!(
                "--index {} is inside the output folder {}, which a run replaces; keep the index apart",
                index.display(),
                out.display()
            )));
        }
    }
    for swept in crate::staging::sweep(out)? {
        progress.note(&output::interrupted_note(out, &swept));
    }
    options.install(|| {
        let analysis = pipeline::analyze(inputs, options.config()?, progress)?;
        let written = Instant::now();
        let summary = output::write_clean(&analysis, out, clean, progress)?;
        finished(analysis, summary, written)
    })
}

/// Scans `inputs` as `neardup scan` does: the report goes to the file
/// `report` (with `report.html` beside it) or, when None, as JSON to
/// `stdout`; the dropped documents and the totals go to the files of
/// `extra` when asked.
pub fn scan(
    inputs: &[PathBuf],
    report: Option<&Path>,
    stdout: impl Write + Send,
    extra: &PipelineFiles,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Run> {
    // What an interrupted earlier run left is removed now, before the long
    // first pass, so that the user hears of it at once.
    if let Some(report) = report {
        output::report_files(report)?;
    }
    for path in [&extra.dropped, &extra.summary].into_iter().flatten() {
        pipeline_files::check_path(path)?;
    }
    options.install(|| {
        let analysis = pipeline::analyze(inputs, options.config()?, progress)?;
        let written = Instant::now();
        let summary = output::write_report(&analysis, report, stdout, extra, progress)?;
        finished(analysis, summary, written)
    })
}

/// Adds to the index `options.index` (made when missing) the documents of
/// `inputs` that a run keeps, as `neardup index create|add` does: the run
/// of `scan` without its report, so without the second pass. Gives what it
/// did with the index.
pub fn add_to_index(
    inputs: &[PathBuf],
    options: &Options,
    progress: &dyn Progress,
) -> Result<pipeline::IndexUpdate> {
    if options.index.is_none() || options.read_only {
        return Err(Error::Config(
            "adding to an index needs the index, and not read-only".into(),
        ));
    }
    options.install(|| {
        let mut analysis = pipeline::analyze(inputs, options.config()?, progress)?;
        Ok(analysis
            .commit_index()?
            .expect("the run was given an index"))
    })
}

/// One input given as a stream rather than a path.
#[derive(Debug)]
pub struct Source<R> {
    /// Its name, which says its format as a file's name does
    /// (`news.jsonl`, `shard-00001.jsonl.zst`, `part.parquet`,
    /// `article.txt`) and may hold folders (`site/a.txt`): `/`-separated,
    /// relative, without `.` or `..`. It is the document's id for a text
    /// file, and its place in the input order.
    pub name: String,
    /// Its bytes.
    pub reader: R,
}

/// Cleans `sources` as `neardup clean` cleans the same files in one folder
/// (the same documents dropped, the same text cut, in the order of the
/// names) and hands each cleaned copy to `sink` with its source's name, in
/// that order; a text source whose document was dropped has no copy. The
/// sources are first copied into the run's work folder
/// ([`Options::temp_dir`]) and the copies cleaned there, since neardup reads
/// each input twice; the work folder is removed at the end. Errors name the
/// sources by their names.
///
/// The reports of a cleaning name its input paths, so they are not written
/// here: [`clean`] writes them beside the cleaned copies of files.
pub fn clean_streams<R: Read>(
    sources: impl IntoIterator<Item = Source<R>>,
    sink: &mut dyn FnMut(&str, &mut dyn Read) -> Result<()>,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Summary> {
    let work = options.config()?.work_dir()?;
    let root = work.path().join("sources");
    let names = spool(sources, &root)?;
    let out = work.path().join("cleaned");
    let shown = Path::new("");
    let run = clean(
        std::slice::from_ref(&root),
        &out,
        options,
        &CleanOptions::default(),
        progress,
    )
    .map_err(|e| e.relocated(&root, shown).relocated(&out, shown))?;
    for name in &names {
        let path = out.join(name);
        match std::fs::File::open(&path) {
            Ok(mut copy) => sink(name, &mut copy)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(Path::new(name), e)),
        }
    }
    Ok(run.summary)
}

/// Writes each source into `root` under its name; gives the names in order.
fn spool<R: Read>(
    sources: impl IntoIterator<Item = Source<R>>,
    root: &Path,
) -> Result<Vec<String>> {
    // By path, as a folder is walked: "a/x.txt" before "a.txt".
    let mut names = std::collections::BTreeMap::new();
    for mut source in sources {
        let name = &source.name;
        let rel = Path::new(name);
        let plain =
            !name.contains('\\') && name.split('/').all(|part| !matches!(part, "" | "." | ".."));
        let refuse = |message: &str| Error::Output {
            path: rel.to_path_buf(),
            message: message.to_string(),
        };
        if !plain {
            return Err(refuse(
                "a source's name must be a relative, /-separated path without . or ..",
            ));
        }
        let top = rel.components().next().map(|c| c.as_os_str());
        if crate::staging::RESERVED
            .iter()
            .any(|r| top == Some(r.as_ref()))
        {
            return Err(refuse(
                "is a name neardup writes in the output folder; rename the source",
            ));
        }
        if names.insert(rel.to_path_buf(), name.clone()).is_some() {
            return Err(refuse("is given twice"));
        }
        let path = root.join(rel);
        let io = |e| Error::io(rel, e);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = std::fs::File::create_new(&path).map_err(io)?;
        std::io::copy(&mut source.reader, &mut file).map_err(io)?;
    }
    if names.is_empty() {
        return Err(Error::Config("no source to clean".into()));
    }
    Ok(names.into_values().collect())
}

/// The run's outcome once its outputs are written: its kept documents are
/// added to its index now, so that a run that failed adds nothing.
fn finished(mut analysis: pipeline::Analysis, summary: Summary, written: Instant) -> Result<Run> {
    let mut stages = analysis.timings.clone();
    stages.push(Stage::since("read again + write", written, true));
    let added = Instant::now();
    let index = analysis.commit_index()?;
    if index.is_some() {
        stages.push(Stage::since("add to index", added, false));
    }
    Ok(Run {
        summary,
        stages,
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Silent;
    use std::fs;

    const ARTICLE: &str = "The council voted on Tuesday to close the old bridge to traffic \
        for two years while engineers replace its deck and strengthen the piers.\n\n\
        Residents said the detour would add twenty minutes to the school run.\n";

    /// A paragraph, captured twice in one page.
    const PAGE: &str = "The museum reopens on Saturday after a two-year renovation that \
        added a glass roof over the courtyard and a new wing for the textile collection.\n";

    fn sources<'a>(files: &'a [(&str, String)]) -> Vec<Source<&'a [u8]>> {
        files
            .iter()
            .map(|(name, text)| Source {
                name: name.to_string(),
                reader: text.as_bytes(),
            })
            .collect()
    }

    #[test]
    fn streams_clean_as_the_same_files_in_a_folder() {
        let record = |id: &str, text: &str| {
            format!(
                "{{\"id\":\"{id}\",\"text\":{}}}\n",
                serde_json::to_string(text).unwrap()
            )
        };
        let files = [
            (
                "b.jsonl",
                record("b1", ARTICLE) + &record("b2", "A short note."),
            ),
            ("a.jsonl", record("a1", ARTICLE)),
            ("site/page.txt", format!("{PAGE}\n{PAGE}")),
            (
                "site.txt",
                "Another page altogether, with words of its own.".into(),
            ),
        ];
        let options = Options::default();
        let mut got = Vec::new();
        let summary = clean_streams(
            sources(&files),
            &mut |name, copy| {
                let mut bytes = Vec::new();
                copy.read_to_end(&mut bytes).unwrap();
                got.push((name.to_string(), bytes));
                Ok(())
            },
            &options,
            &Silent,
        )
        .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        for (name, text) in &files {
            let path = input.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let out = dir.path().join("out");
        let run = clean(&[input], &out, &options, &CleanOptions::default(), &Silent).unwrap();
        assert_eq!(summary, run.summary);
        // b.jsonl's first record copies a.jsonl's, which comes first.
        assert_eq!(summary.documents_dropped, 1);
        let want: Vec<(String, Vec<u8>)> = ["a.jsonl", "b.jsonl", "site/page.txt", "site.txt"]
            .iter()
            .map(|n| (n.to_string(), fs::read(out.join(n)).unwrap()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(got[1].1, record("b2", "A short note.").into_bytes());
    }

    #[test]
    fn stream_errors_name_the_source() {
        let options = Options::default();
        let mut sink = |_: &str, _: &mut dyn Read| Ok(());
        let bad = [("x/bad.jsonl", "{\"text\":\"fine\"}\nnot json\n".to_string())];
        let err = clean_streams(sources(&bad), &mut sink, &options, &Silent).unwrap_err();
        assert_eq!(err.path(), Some(Path::new("x/bad.jsonl")), "{err}");
        assert!(err.to_string().starts_with("x/bad.jsonl:2: "), "{err}");
        for name in ["../up.txt", "/abs.txt", "a/./b.txt", "", "report.json"] {
            let one = [(name, "Some words.".to_string())];
            let err = clean_streams(sources(&one), &mut sink, &options, &Silent).unwrap_err();
            assert!(matches!(err, Error::Output { .. }), "{name:?}: {err}");
        }
        let twice = [("a.txt", "One.".to_string()), ("a.txt", "Two.".to_string())];
        let err = clean_streams(sources(&twice), &mut sink, &options, &Silent).unwrap_err();
        assert!(err.to_string().contains("given twice"), "{err}");
    }
}
