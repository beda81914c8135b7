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
