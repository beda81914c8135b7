//! Criterion benches of the pipeline's kernels, each reporting throughput in
//! bytes of source text: tokenise (with every token's facts, as the
//! paragraph work needs them, and hashes only), the signature stage
//! (normalise, shingle, MinHash; hashes only, as document dedup runs it),
//! normalise + shingle, MinHash alone, the whole per-document
//! stage, banding, matching (bucket sort and resolution), union-find.
//!
//! Input: the bundled `corpora/news-sample` articles, repeated to 4 MiB with a
//! counter word changed per copy so that no two copies are identical.
//!
//! Run: `cargo bench --bench kernels`; CI runs `cargo bench --bench kernels -- --test`.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use neardup::analyze::{Analyzer, Scratch};
use neardup::boilerplate::template::{DocKeys, SharedLines};
use neardup::config::Config;
use neardup::matching::cluster::components;
use neardup::matching::lsh::band_keys;
use neardup::matching::verify::BitSignatures;
use neardup::sketch::{shingles, MinHasher};
use neardup::spill::Sorter;
use neardup::text::{Hashes, Tokenizer, Tokens};

/// About `bytes` of article text as separate documents.
fn documents(bytes: usize) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpora/news-sample");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpora/news-sample")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("utf-8"))
        .collect();
    let mut docs = Vec::new();
    let mut total = 0;
    let mut n = 0;
    while total < bytes {
        let text = format!("copy{n} {}", texts[n % texts.len()]);
        total += text.len();
        docs.push(text);
        n += 1;
    }
    docs
}

fn bench(c: &mut Criterion) {
    let config = Config::default().validate().expect("defaults are valid");
    let docs = documents(4 << 20);
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let tokenizer = Tokenizer::new(config.doc_sketch.seed);
    let hasher = MinHasher::new(config.doc_sketch);
    let k = config.doc_sketch.shingle_size;

    let mut g = c.benchmark_group("kernels");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);

    g.bench_function("tokenise", |b| {
        let mut tokens = Tokens::default();
        b.iter(|| {
            for d in &docs {
                tokenizer.tokenize(d, &mut tokens);
                black_box(&tokens);
            }
        })
    });

    g.bench_function("tokenise (hashes only)", |b| {
        let mut hashes = Hashes::default();
        b.iter(|| {
            for d in &docs {
                tokenizer.tokenize(d, &mut hashes);
                black_box(&hashes);
            }
        })
    });

    // As document dedup runs it: the tokens' hashes only.
    g.bench_function("signature stage (normalise+shingle+MinHash)", |b| {
        let (mut tokens, mut sh) = (Hashes::default(), Vec::new());
        let mut sig = vec![0; config.doc_sketch.permutations];
        b.iter(|| {
            for d in &docs {
                tokenizer.tokenize(d, &mut tokens);
                sh.clear();
                shingles(&tokens.hashes, k, &mut sh);
                hasher.sign(&sh, &mut sig);
                black_box(&sig);
            }
        })
    });

    g.bench_function("template keys (census)", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            for d in &docs {
                black_box(DocKeys::of(d, 42, &mut buf));
            }
        })
    });

    g.bench_function("normalise+shingle", |b| {
        let (mut tokens, mut sh) = (Hashes::default(), Vec::new());
        b.iter(|| {
            for d in &docs {
                tokenizer.tokenize(d, &mut tokens);
                sh.clear();
                shingles(&tokens.hashes, k, &mut sh);
                black_box(&sh);
            }
        })
    });

    let all_shingles: Vec<Vec<u32>> = docs
        .iter()
        .map(|d| {
            let (mut tokens, mut sh) = (Tokens::default(), Vec::new());
            tokenizer.tokenize(d, &mut tokens);
            shingles(&tokens.hashes, k, &mut sh);
            sh
        })
        .collect();
    g.bench_function("signature (128 permutations)", |b| {
        let mut sig = vec![0; config.doc_sketch.permutations];
        b.iter(|| {
            for sh in &all_shingles {
                hasher.sign(sh, &mut sig);
                black_box(&sig);
            }
        })
    });

    g.bench_function("whole per-document stage", |b| {
        let analyzer = Analyzer::new(&config);
        let mut scratch = Scratch::default();
        let shared = SharedLines::default();
        b.iter(|| {
            for (i, d) in docs.iter().enumerate() {
                black_box(analyzer.analyze(i as u32, d, &mut scratch, &shared, None));
            }
        })
    });

    let sigs: Vec<Vec<u32>> = all_shingles
        .iter()
        .map(|sh| {
            let mut sig = vec![0; config.doc_sketch.permutations];
            hasher.sign(sh, &mut sig);
            sig
        })
        .collect();
    let lsh = config.doc_lsh();
    g.bench_function("banding", |b| {
        let mut keys = Vec::new();
        b.iter(|| {
            keys.clear();
            for sig in &sigs {
                band_keys(sig, lsh, 42, &mut keys);
            }
            black_box(&keys);
        })
    });

    let mut keys = Vec::new();
    for sig in &sigs {
        band_keys(sig, lsh, 42, &mut keys);
    }
    let records: Vec<(u64, u32)> = keys
        .chunks(lsh.bands)
        .enumerate()
        .flat_map(|(d, ks)| ks.iter().map(move |&k| (k, d as u32)))
        .collect();
    let temp = std::env::temp_dir();
    let mut bits = BitSignatures::new(config.doc_sketch.permutations);
    for sig in &sigs {
        bits.push(sig);
    }
    let exact: Vec<Option<u64>> = (0..sigs.len() as u64).map(Some).collect();
    g.bench_function("matching (bucket sort, resolution)", |b| {
        b.iter_batched(
            || {
                let mut s = Sorter::new("bench", &temp, records.len() + 1);
                for &r in &records {
                    s.push(r).expect("in memory");
                }
                s
            },
            |s| {
                neardup::matching::resolve(
                    &exact,
                    s,
                    |a, b| bits.similarity(a, b),
                    config.threshold,
                    neardup::matching::unsettled(exact.len()),
                    &temp,
                    records.len() + 1,
                )
                .expect("in memory")
            },
            BatchSize::LargeInput,
        )
    });

    let n = sigs.len();
    let edges: Vec<(u32, u32)> = (0..n as u32 * 4)
        .map(|i| {
            (
                (i.wrapping_mul(2_654_435_761)) % n as u32,
                (i.wrapping_mul(40_503)) % n as u32,
            )
        })
        .collect();
    g.bench_function("union-find", |b| {
        b.iter(|| black_box(components(n, edges.iter().copied())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
