//! External sorting of fixed-size records, so that the corpus-wide stages
//! (LSH buckets, template counts, shared passages) run in bounded memory.
//!
//! Records are pushed into a buffer; a full buffer is sorted and written to a
//! temporary file as a run. Reading merges the runs and the last buffer in
//! order (a k-way merge on a binary heap). A corpus that fits in the buffer
//! never touches the disk. The run files are deleted when the sorter, or its
//! merged stream, is dropped.

use crate::error::{Error, Result};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A record that can be written as a fixed number of little-endian bytes.
pub trait Record: Copy + Ord + Send + Sync {
    /// Bytes per record.
    const SIZE: usize;
    /// Writes the record into `out`, [`Record::SIZE`] bytes.
    fn write(&self, out: &mut [u8]);
    /// Reads a record from [`Record::SIZE`] bytes.
    fn read(bytes: &[u8]) -> Self;
}

impl Record for (u64, u32) {
    const SIZE: usize = 12;
    fn write(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..12].copy_from_slice(&self.1.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        (
            u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
        )
    }
}

impl Record for (u64, u32, u32) {
    const SIZE: usize = 16;
    fn write(&self, out: &mut [u8]) {
        (self.0, self.1).write(&mut out[..12]);
        out[12..16].copy_from_slice(&self.2.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        let (k, a) = <(u64, u32)>::read(&b[..12]);
        (
            k,
            a,
            u32::from_le_bytes(b[12..16].try_into().expect("4 bytes")),
        )
    }
}

/// Sorts records in at most `capacity` records of memory.
#[derive(Debug)]
pub struct Sorter<T: Record> {
    buffer: Vec<T>,
    capacity: usize,
    dir: PathBuf,
    runs: Vec<PathBuf>,
    name: &'static str,
}

impl<T: Record> Sorter<T> {
    /// A sorter whose runs go into `dir`, named after `name`.
    pub fn new(name: &'static str, dir: &Path, capacity: usize) -> Self {
        Sorter {
            buffer: Vec::new(),
            capacity: capacity.max(1024),
            dir: dir.to_path_buf(),
            runs: Vec::new(),
            name,
        }
    }

    /// Adds a record, spilling a sorted run to disk when the buffer is full.
    pub fn push(&mut self, record: T) -> Result<()> {
        self.buffer.push(record);
        if self.buffer.len() >= self.capacity {
            self.spill()?;
        }
        Ok(())
    }

    /// Runs written to disk so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn spill(&mut self) -> Result<()> {
        crate::interrupt::check()?;
        self.buffer.par_sort_unstable();
        let path = self.dir.join(format!(
            "neardup-{}-{}-{}.run",
            self.name,
            std::process::id(),
            self.runs.len()
        ));
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        self.runs.push(path.clone());
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let mut bytes = vec![0u8; T::SIZE];
        for r in &self.buffer {
            r.write(&mut bytes);
            out.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
        }
        out.flush().map_err(|e| Error::io(&path, e))?;
        self.buffer.clear();
        Ok(())
    }

    /// All records in order.
    pub fn sorted(mut self) -> Result<Merged<T>> {
        self.buffer.par_sort_unstable();
        let runs = std::mem::take(&mut self.runs);
        let mut readers = Vec::with_capacity(runs.len());
        for path in &runs {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            readers.push((BufReader::with_capacity(1 << 18, file), path.clone()));
        }
        let mut merged = Merged {
            memory: std::mem::take(&mut self.buffer).into_iter().peekable(),
            readers,
            heap: BinaryHeap::new(),
            paths: runs,
            bytes: vec![0u8; T::SIZE],
        };
        for i in 0..merged.readers.len() {
            merged.refill(i)?;
        }
        Ok(merged)
    }
}

impl<T: Record> Drop for Sorter<T> {
    fn drop(&mut self) {
        for p in &self.runs {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The merged, ordered stream of a [`Sorter`]'s records.
pub struct Merged<T: Record> {
    memory: std::iter::Peekable<std::vec::IntoIter<T>>,
    readers: Vec<(BufReader<File>, PathBuf)>,
    heap: BinaryHeap<Reverse<(T, usize)>>,
    paths: Vec<PathBuf>,
    bytes: Vec<u8>,
}

impl<T: Record> Merged<T> {
    fn refill(&mut self, i: usize) -> Result<()> {
        let (reader, path) = &mut self.readers[i];
        match reader.read_exact(&mut self.bytes) {
            Ok(()) => {
                self.heap.push(Reverse((T::read(&self.bytes), i)));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// The next record in order.
    pub fn next_record(&mut self) -> Result<Option<T>> {
        let from_disk = self.heap.peek().map(|Reverse((r, _))| *r);
        let from_memory = self.memory.peek().copied();
        match (from_disk, from_memory) {
            (None, None) => Ok(None),
            (Some(d), Some(m)) if m <= d => Ok(self.memory.next()),
            (None, Some(_)) => Ok(self.memory.next()),
            (Some(_), _) => {
                let Reverse((r, i)) = self.heap.pop().expect("peeked");
                self.refill(i)?;
                Ok(Some(r))
            }
        }
    }

    /// Hands each run of consecutive records with the same `key` to `f`.
    pub fn for_each_group<K: PartialEq>(
        mut self,
        key: impl Fn(&T) -> K,
        mut f: impl FnMut(&[T]) -> Result<()>,
    ) -> Result<()> {
        let mut group: Vec<T> = Vec::new();
        while let Some(r) = self.next_record()? {
            if group.last().is_some_and(|g| key(g) != key(&r)) {
                crate::interrupt::check()?;
                f(&group)?;
                group.clear();
            }
            group.push(r);
        }
        if !group.is_empty() {
            f(&group)?;
        }
        Ok(())
    }
}

impl<T: Record> Drop for Merged<T> {
    fn drop(&mut self) {
        for p in &self.paths {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sort_all(records: &[(u64, u32)], capacity: usize) -> Vec<(u64, u32)> {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Sorter::new("test", dir.path(), capacity);
        for &r in records {
            s.push(r).unwrap();
        }
        let mut merged = s.sorted().unwrap();
        let mut out = Vec::new();
        while let Some(r) = merged.next_record().unwrap() {
            out.push(r);
        }
        drop(merged);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "runs removed"
        );
        out
    }

    proptest! {
        #[test]
        fn merges_runs_into_order(records in prop::collection::vec((0u64..500, 0u32..50), 0..6000)) {
            let mut expected = records.clone();
            expected.sort_unstable();
            prop_assert_eq!(sort_all(&records, 1024), expected);
        }
    }

    #[test]
    fn groups_by_key_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut s: Sorter<(u64, u32, u32)> = Sorter::new("g", dir.path(), 1024);
        for i in 0..5000u32 {
            s.push(((i % 7) as u64, i, i * 2)).unwrap();
        }
        assert!(s.runs() >= 4);
        let mut sizes = Vec::new();
        s.sorted()
            .unwrap()
            .for_each_group(
                |r| r.0,
                |g| {
                    assert!(g.windows(2).all(|w| w[0] <= w[1]));
                    sizes.push((g[0].0, g.len()));
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(sizes.len(), 7);
        assert_eq!(sizes.iter().map(|s| s.1).sum::<usize>(), 5000);
    }
}
