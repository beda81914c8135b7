//! The second pass: every input read again, in step with the store of
//! first-pass results ([`crate::store`]), each document checked to be the
//! one the first pass read, then handed with its first-pass record to a
//! caller's per-document work, run in parallel batches, whose results come
//! back in input order with the bytes between documents.
//!
//! It takes the [`Analysis`] and gives, in order, [`Step`]s: a file starts,
//! the bytes of the input that are no document ([`OwnedGap`]), a document's
//! result, the file ends. What a document's work is (deciding its plan,
//! rendering its report entry, cutting its copy) is the caller's: the output
//! stage ([`crate::output`]) writes cleaned copies and reports from it,
//! [`crate::table`] the rows of a table. So this stage knows nothing of
//! reports or copies, and each caller reads the inputs the same way.

use crate::config::OnError;
use crate::corpus::{self, Document, Gap, ReadOptions};
use crate::error::{Error, Result};
use crate::pipeline::{Analysis, Progress};
use crate::store::LocalRecord;
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::PathBuf;

/// Bytes of an input that are not a document ([`Gap`]), owned.
#[derive(Debug, Clone)]
pub struct OwnedGap {
    /// The input they are in.
    pub input: usize,
    /// The file they are in.
    pub file: PathBuf,
    /// Their offset in the (decompressed) file.
    pub offset: u64,
    /// The bytes, with a JSONL line's `\n`; None when the file, from here
    /// on, could not be read.
    pub bytes: Option<Vec<u8>>,
    /// A blank JSONL line, not an error.
    pub blank: bool,
}

/// One document read again, with what the first pass recorded of it.
#[derive(Debug)]
pub struct Reread {
    /// Its number, in input order from 0.
    pub index: u32,
    /// The document as read now (the same as in the first pass).
    pub document: Document,
    /// What the first pass recorded of it.
    pub local: LocalRecord,
}

/// What the second pass hands on, in order.
#[derive(Debug)]
pub enum Step<'a, T> {
    /// A file of input number `.0` starts.
    File(usize, &'a corpus::Part<'a>),
    /// Bytes of the input that are not a document.
    Gap(&'a OwnedGap),
    /// The result of a document's work.
    Document(&'a T),
    /// The file has been read to its end.
    FileEnd,
}

/// Documents worked on per parallel batch.
const BATCH_DOCS: usize = 4096;
/// Bytes of text per parallel batch, at most (about).
const BATCH_BYTES: usize = 64 << 20;
/// Gaps up to this size wait for the next document's batch; larger ones
/// (pieces of a record too large to read) are handed on at once.
const SMALL_GAP: usize = 64 << 10;

/// Reads every input of `analysis` again and hands on, in order, each
/// file's start and end, its gaps (when `gaps`) and the result of `work` on
/// each document, run in parallel batches. A document that is not the one
/// the first pass read (its text's hash, its id, or the number of
/// documents differ) is [`Error::InputChanged`]; a document that could not
/// be read is passed over when the run skips such documents (the first pass
/// recorded it), else its error ends the pass.
pub fn run<T: Send>(
    analysis: &Analysis,
    gaps: bool,
    progress: &dyn Progress,
    work: impl Fn(Reread) -> Result<T> + Sync,
    f: impl FnMut(Step<T>) -> Result<()>,
) -> Result<()> {
    progress.start("read again + write", Some(analysis.len() as u64));
    let fields = ReadOptions::of(&analysis.config, true);
    let mut store = analysis.store.reader()?;
    let mut index: u32 = 0;
    let flush = |batch: &mut Vec<(Reread, Vec<OwnedGap>)>,
                 f: &mut dyn FnMut(Step<T>) -> Result<()>| {
        let done: Vec<(T, usize, Vec<OwnedGap>)> = batch
            .par_drain(..)
            .map(|(reread, gaps)| {
                let bytes = reread.document.text.len();
                Ok((work(reread)?, bytes, gaps))
            })
            .collect::<Result<_>>()?;
        for (result, bytes, gaps) in &done {
            for g in gaps {
                f(Step::Gap(g))?;
            }
            f(Step::Document(result))?;
            progress.advance(1, *bytes as u64);
        }
        Ok::<(), Error>(())
    };

    // The reader hands documents and gaps to two callbacks; both need the
    // batch and the consumer.
    let emit = RefCell::new((flush, f));
    let batch = RefCell::new(Vec::new());
    let pending: RefCell<Vec<OwnedGap>> = RefCell::new(Vec::new());
    let flush_batch = || -> Result<()> {
        let (flush, f) = &mut *emit.borrow_mut();
        flush(&mut batch.borrow_mut(), f)
    };
    let hand_on = |g: &OwnedGap| -> Result<()> { (emit.borrow_mut().1)(Step::Gap(g)) };
    for (i, part) in analysis
        .inputs
        .iter()
        .enumerate()
        .flat_map(|(i, input)| input.parts().map(move |part| (i, part)))
    {
        flush_batch()?;
        let mut batch_bytes = 0;
        (emit.borrow_mut().1)(Step::File(i, &part))?;
        corpus::read_part(
            &part,
            i as u32,
            &fields,
            &mut |doc| {
                crate::interrupt::check()?;
                let doc = match doc {
                    Ok(doc) => doc,
                    // Recorded in the first pass.
                    Err(_) if analysis.config.on_error == OnError::Skip => return Ok(()),
                    Err(e) => return Err(e),
                };
                let changed = || Error::InputChanged {
                    path: doc.file.clone(),
                };
                let local = store.next_record()?.ok_or_else(changed)?;
                if local.text_hash != doc.hash()
                    || index as usize >= analysis.len()
                    || analysis.id(index) != doc.id
                {
                    return Err(changed());
                }
                batch_bytes += doc.text.len();
                let full = {
                    let mut batch = batch.borrow_mut();
                    let reread = Reread {
                        index,
                        document: doc,
                        local,
                    };
                    batch.push((reread, pending.take()));
                    batch.len() >= BATCH_DOCS || batch_bytes >= BATCH_BYTES
                };
                index += 1;
                if full {
                    flush_batch()?;
                    batch_bytes = 0;
                }
                Ok(())
            },
            &mut |g: Gap| {
                if !gaps {
                    return Ok(());
                }
                let owned = OwnedGap {
                    input: i,
                    file: g.file.to_path_buf(),
                    offset: g.offset,
                    bytes: g.bytes.map(<[u8]>::to_vec),
                    blank: g.blank,
                };
                if owned.bytes.as_ref().is_none_or(|b| b.len() <= SMALL_GAP) {
                    // Handed on with the next document, in its batch.
                    pending.borrow_mut().push(owned);
                    return Ok(());
                }
                // A piece of a long gap (a record too large to read): handed
                // on at once, so that its pieces are never all held.
                flush_batch()?;
                for g in &pending.take() {
                    hand_on(g)?;
                }
                hand_on(&owned)
            },
        )?;
        flush_batch()?;
        for g in &pending.take() {
            hand_on(g)?;
        }
        (emit.borrow_mut().1)(Step::FileEnd)?;
    }
    progress.finish();
    if index as usize != analysis.len() || store.next_record()?.is_some() {
        let path = analysis
            .inputs
            .last()
            .map(|i| i.path.clone())
            .unwrap_or_default();
        return Err(Error::InputChanged { path });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Silent};
    use crate::Options;
    use std::fs;

    /// The steps of a pass over `dir`, each in words.
    fn steps(dir: &std::path::Path, gaps: bool) -> Result<Vec<String>> {
        let options = Options::default();
        let analysis = pipeline::analyze(&[dir.to_path_buf()], options.config()?, &Silent)?;
        let mut out = Vec::new();
        run(
            &analysis,
            gaps,
            &Silent,
            |r| Ok(format!("{} {}", r.index, r.document.id)),
            |step| {
                out.push(match step {
                    Step::File(i, part) => format!("file {i} {}", part.name.display()),
                    Step::Gap(g) => format!("gap {} {}", g.offset, g.blank),
                    Step::Document(d) => format!("doc {d}"),
                    Step::FileEnd => "end".to_string(),
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    #[test]
    fn hands_on_every_file_gap_and_document_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "The first article, in full.\n").unwrap();
        fs::write(
            dir.path().join("b.jsonl"),
            "{\"id\":\"x\",\"text\":\"One record.\"}\n\n{\"id\":\"y\",\"text\":\"Another.\"}\n",
        )
        .unwrap();
        assert_eq!(
            steps(dir.path(), true).unwrap(),
            [
                "file 0 a.txt",
                "doc 0 a.txt",
                "end",
                "file 0 b.jsonl",
                "doc 1 x",
                "gap 32 true",
                "doc 2 y",
                "end"
            ]
        );
        // Without gaps, the same documents and files.
        let without = steps(dir.path(), false).unwrap();
        assert_eq!(without.len(), 7);
        assert!(!without.iter().any(|s| s.starts_with("gap")));
    }

    #[test]
    fn a_document_changed_between_the_passes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, "The first article, in full.\n").unwrap();
        let options = Options::default();
        let analysis = pipeline::analyze(
            &[dir.path().to_path_buf()],
            options.config().unwrap(),
            &Silent,
        )
        .unwrap();
        // Same length, other bytes.
        fs::write(&path, "The first article, in FULL.\n").unwrap();
        let err = run(&analysis, false, &Silent, |_| Ok(()), |_| Ok(())).unwrap_err();
        assert!(
            matches!(&err, Error::InputChanged { path: p } if *p == path),
            "{err}"
        );
    }
}
