//! Accuracy against known duplicates: a truth file (from [`crate::synth`],
//! or any JSONL with `id` and `cluster` per document) against a report.
//!
//! Pairwise precision, recall and F1 count pairs of documents put in the same
//! cluster; the adjusted Rand index compares the two clusterings as a whole.
//! Both come from the contingency table of (true cluster, found cluster)
//! counts, so no pair is ever enumerated. Recall is also given per band of
//! true Jaccard similarity, and F1 is given again on the documents whose
//! similarity to their original is at least a floor (originals included).

use neardup::error::{Error, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct TruthLine {
    id: String,
    cluster: String,
    #[serde(default)]
    jaccard: Option<f32>,
    #[serde(default)]
    kept: Option<f32>,
}

#[derive(Debug, Deserialize)]
struct ReportDoc {
    id: String,
    status: String,
    #[serde(default)]
    duplicate_of: Option<ReportRef>,
}

#[derive(Debug, Deserialize)]
struct ReportRef {
    id: String,
}

/// Pair counts and the scores made from them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairScores {
    pub documents: u64,
    pub true_pairs: u64,
    pub found_pairs: u64,
    pub correct_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub adjusted_rand: f64,
}

/// Recall of the copies whose true Jaccard with their original (or, for
/// copies cut short, share of its words kept) falls in a band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub from: f32,
    pub to: f32,
    pub copies: u64,
    pub found: u64,
}

/// Everything `neardup eval` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub all: PairScores,
    /// Scores on originals plus the copies with Jaccard >= `floor`.
    pub above_floor: PairScores,
    pub floor: f32,
    pub bands: Vec<Band>,
    /// Copies cut short, by the share of their original's words they keep.
    pub cut_bands: Vec<Band>,
    /// Documents dropped as a duplicate of a document of another true cluster.
    pub wrong_drops: u64,
}

fn c2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores a clustering given as (true cluster, found cluster) per document.
pub fn pair_scores(labels: &[(u32, u32)]) -> PairScores {
    let mut joint: HashMap<(u32, u32), u64> = HashMap::new();
    let mut truth: HashMap<u32, u64> = HashMap::new();
    let mut found: HashMap<u32, u64> = HashMap::new();
    for &(t, f) in labels {
        *joint.entry((t, f)).or_default() += 1;
        *truth.entry(t).or_default() += 1;
        *found.entry(f).or_default() += 1;
    }
    let correct: u64 = joint.values().map(|&n| c2(n)).sum();
    let true_pairs: u64 = truth.values().map(|&n| c2(n)).sum();
    let found_pairs: u64 = found.values().map(|&n| c2(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(correct, found_pairs);
    let recall = ratio(correct, true_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let all = c2(labels.len() as u64) as f64;
    let expected = if all == 0.0 {
        0.0
    } else {
        true_pairs as f64 * found_pairs as f64 / all
    };
    let max = 0.5 * (true_pairs + found_pairs) as f64;
    let adjusted_rand = if (max - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (correct as f64 - expected) / (max - expected)
    };
    PairScores {
        documents: labels.len() as u64,
        true_pairs,
        found_pairs,
        correct_pairs: correct,
        precision,
        recall,
        f1,
        adjusted_rand,
    }
}

/// Reads the truth (JSONL) and the report (neardup's `report.json`, one
/// document per line) and scores the report. `floor` is the Jaccard from
/// which copies count in [`Evaluation::above_floor`].
pub fn evaluate(truth: &Path, report: &Path, floor: f32) -> Result<Evaluation> {
    let mut names: HashMap<String, u32> = HashMap::new();
    let mut intern = |s: String| {
        let n = names.len() as u32;
        *names.entry(s).or_insert(n)
    };
    // Per document id: (true cluster, Jaccard with its original, share kept).
    let mut truths: HashMap<u32, (u32, Option<f32>, Option<f32>)> = HashMap::new();
    for_lines(truth, |line_no, line| {
        let t: TruthLine = serde_json::from_str(line).map_err(|e| Error::Json {
            path: truth.to_path_buf(),
            line: line_no,
            message: format!("not a truth record: {e}"),
        })?;
        let (id, cluster) = (intern(t.id), intern(t.cluster));
        truths.insert(id, (cluster, t.jaccard, t.kept));
        Ok(())
    })?;

    // Per document of the report: the found cluster (the kept document's id).
    let mut found: Vec<(u32, u32)> = Vec::new();
    for_lines(report, |line_no, line| {
        if !line.starts_with("{\"index\":") {
            return Ok(());
        }
        let d: ReportDoc =
            serde_json::from_str(line.trim_end_matches(',')).map_err(|e| Error::Json {
                path: report.to_path_buf(),
                line: line_no,
                message: format!("not a report document: {e}"),
            })?;
        let id = intern(d.id);
        let cluster = match (d.status.as_str(), d.duplicate_of) {
            ("dropped", Some(of)) => intern(of.id),
            _ => id,
        };
        found.push((id, cluster));
        Ok(())
    })?;
    let found_of: HashMap<u32, u32> = found.iter().copied().collect();

    let mut labels = Vec::with_capacity(found.len());
    let mut floor_labels = Vec::new();
    let mut wrong_drops = 0;
    let tenths = || -> Vec<Band> {
        (0..10)
            .map(|b| Band {
                from: b as f32 / 10.0,
                to: (b + 1) as f32 / 10.0,
                copies: 0,
                found: 0,
            })
            .collect()
    };
    let (mut bands, mut cut_bands) = (tenths(), tenths());
    for &(id, cluster) in &found {
        let Some(&(true_cluster, jaccard, kept)) = truths.get(&id) else {
            let name = names.iter().find(|(_, &v)| v == id).map(|(k, _)| k.clone());
            return Err(Error::Config(format!(
                "document {} of the report is not in the truth",
                name.unwrap_or_default()
            )));
        };
        labels.push((true_cluster, cluster));
        if jaccard.is_none_or(|j| j >= floor) {
            floor_labels.push((true_cluster, cluster));
        }
        if cluster != id && truths.get(&cluster).map(|t| t.0) != Some(true_cluster) {
            wrong_drops += 1;
        }
        // A copy is found when it shares a found cluster with its original.
        let with_original = u64::from(found_of.get(&true_cluster) == Some(&cluster));
        for (value, bands) in [(jaccard, &mut bands), (kept, &mut cut_bands)] {
            if let Some(v) = value {
                let band = &mut bands[((v * 10.0) as usize).min(9)];
                band.copies += 1;
                band.found += with_original;
            }
        }
    }
    bands.retain(|b| b.copies > 0);
    cut_bands.retain(|b| b.copies > 0);
    Ok(Evaluation {
        all: pair_scores(&labels),
        above_floor: pair_scores(&floor_labels),
        floor,
        bands,
        cut_bands,
        wrong_drops,
    })
}

fn for_lines(path: &Path, mut f: impl FnMut(u64, &str) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "zst") {
        Box::new(zstd::Decoder::new(file).map_err(|e| Error::io(path, e))?)
    } else {
        Box::new(file)
    };
    for (i, line) in std::io::BufReader::with_capacity(1 << 20, reader)
        .lines()
        .enumerate()
    {
        let line = line.map_err(|e| Error::io(path, e))?;
        if !line.trim().is_empty() {
            f(i as u64 + 1, &line)?;
        }
    }
    Ok(())
}

impl Evaluation {
    /// The table `neardup eval` prints.
    pub fn human(&self) -> String {
        let row = |name: &str, s: &PairScores| {
            format!(
                "{name:<28} {:>9} {:>9.4} {:>9.4} {:>9.4} {:>9.4}\n",
                s.documents, s.precision, s.recall, s.f1, s.adjusted_rand
            )
        };
        let mut out = format!(
            "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            "pairs", "documents", "precision", "recall", "F1", "ARI"
        );
        out += &row("all documents", &self.all);
        out += &row(
            &format!("copies with Jaccard >= {:.2}", self.floor),
            &self.above_floor,
        );
        out += &format!(
            "documents dropped as a copy of another true cluster: {}\n\nrecall by true Jaccard of copy and original:\n",
            self.wrong_drops
        );
        let rows = |bands: &[Band]| -> String {
            bands
                .iter()
                .map(|b| {
                    format!(
                        "  [{:.1}, {:.1}{} {:>8} copies {:>8} found  {:>6.1}%\n",
                        b.from,
                        b.to,
                        if b.to >= 1.0 { "]" } else { ")" },
                        b.copies,
                        b.found,
                        100.0 * b.found as f64 / b.copies as f64
                    )
                })
                .collect()
        };
        out += &rows(&self.bands);
        if !self.cut_bands.is_empty() {
            out += "\nrecall of copies cut short, by the share of their original's words kept:\n";
            out += &rows(&self.cut_bands);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_merged_clusterings() {
        // Truth: {0,1,2} {3} {4,5}
        let perfect = [(0, 0), (0, 0), (0, 0), (3, 3), (4, 4), (4, 4)];
        let s = pair_scores(&perfect);
        assert_eq!(
            (s.precision, s.recall, s.f1, s.adjusted_rand),
            (1.0, 1.0, 1.0, 1.0)
        );
        // Everything merged: all 4 true pairs found among 15 found pairs.
        let merged = [(0, 0), (0, 0), (0, 0), (3, 0), (4, 0), (4, 0)];
        let s = pair_scores(&merged);
        assert_eq!((s.true_pairs, s.found_pairs, s.correct_pairs), (4, 15, 4));
        assert!((s.precision - 4.0 / 15.0).abs() < 1e-12);
        assert_eq!(s.recall, 1.0);
        assert!(
            s.adjusted_rand.abs() < 1e-12,
            "merging all is no better than chance"
        );
        // Nothing found.
        let none = [(0, 10), (0, 11), (0, 12), (3, 13), (4, 14), (4, 15)];
        let s = pair_scores(&none);
        assert_eq!((s.recall, s.found_pairs), (0.0, 0));
    }

    #[test]
    fn evaluates_a_report_against_truth() {
        let dir = tempfile::tempdir().unwrap();
        let truth = dir.path().join("t.jsonl");
        std::fs::write(
            &truth,
            r#"{"id":"a","cluster":"a"}
{"id":"b","cluster":"a","jaccard":0.95}
{"id":"c","cluster":"a","jaccard":0.55,"kept":0.42}
{"id":"d","cluster":"d"}
"#,
        )
        .unwrap();
        let report = dir.path().join("r.json");
        std::fs::write(
            &report,
            r#"{"format":"neardup-report","documents":[
{"index":0,"id":"a","status":"kept","removed":[]},
{"index":1,"id":"b","status":"dropped","duplicate_of":{"index":0,"id":"a","similarity":0.9}},
{"index":2,"id":"c","status":"kept","removed":[]},
{"index":3,"id":"d","status":"dropped","duplicate_of":{"index":0,"id":"a","similarity":0.8}}
]}
"#,
        )
        .unwrap();
        let e = evaluate(&truth, &report, 0.85).unwrap();
        // Found clusters {a,b,d} {c}: pairs ab (right), ad, bd (wrong); true ab, ac, bc.
        assert_eq!(
            (e.all.correct_pairs, e.all.found_pairs, e.all.true_pairs),
            (1, 3, 3)
        );
        assert_eq!(e.wrong_drops, 1);
        // Above 0.85: documents a, b, d.
        assert_eq!((e.above_floor.documents, e.above_floor.true_pairs), (3, 1));
        let bands: Vec<(u64, u64)> = e.bands.iter().map(|b| (b.copies, b.found)).collect();
        assert_eq!(bands, [(1, 0), (1, 1)]);
        let cut: Vec<(f32, u64, u64)> = e
            .cut_bands
            .iter()
            .map(|b| (b.from, b.copies, b.found))
            .collect();
        assert_eq!(cut, [(0.4, 1, 0)]);
    }
}
