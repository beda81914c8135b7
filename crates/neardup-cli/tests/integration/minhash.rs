//! MinHash against its oracle, exact Jaccard: the estimate is unbiased and its
//! error shrinks as the binomial bound says it should.

use neardup::sketch::minhash::similarity;
use neardup::sketch::MinHasher;
use neardup::sketch::SketchParams;
use proptest::prelude::*;

fn hasher(perms: usize, seed: u64) -> MinHasher {
    MinHasher::new(SketchParams {
        permutations: perms,
        shingle_size: 5,
        seed,
    })
}

/// Two sets with `both` shared elements and `only` elements each of their own,
/// drawn from pseudo-random 32-bit values (as shingle hashes are).
fn sets(seed: u64, both: usize, only: usize) -> (Vec<u32>, Vec<u32>) {
    let mut rng = crate::helpers::Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut v = |n: usize| (0..n).map(|_| rng.next() as u32).collect::<Vec<u32>>();
    let (shared, a_own, b_own) = (v(both), v(only), v(only));
    ([shared.clone(), a_own].concat(), [shared, b_own].concat())
}

fn estimate(h: &MinHasher, a: &[u32], b: &[u32], perms: usize) -> f64 {
    let (mut sa, mut sb) = (vec![0; perms], vec![0; perms]);
    h.sign(a, &mut sa);
    h.sign(b, &mut sb);
    similarity(&sa, &sb)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn estimate_within_error_bound(seed in any::<u64>(), both in 1usize..400, only in 0usize..400) {
        let (a, b) = sets(seed, both, only);
        let j = both as f64 / (both + 2 * only) as f64;
        let est = estimate(&hasher(256, seed), &a, &b, 256);
        // Six standard deviations of a binomial proportion over 256 trials,
        // plus slack for the rare 32-bit hash collision.
        let bound = 6.0 * (j * (1.0 - j) / 256.0).sqrt() + 0.02;
        prop_assert!((est - j).abs() <= bound, "J={j} est={est}");
    }
}

#[test]
fn permutations_behave_independently() {
    // If the permutations were correlated, the squared error would exceed the
    // binomial variance J(1-J)/k. Average it over many pairs at J = 1/3.
    let perms = 128;
    let mut sq = 0.0;
    let mut sum = 0.0;
    let trials = 400;
    for t in 0..trials {
        let (a, b) = sets(1000 + t, 200, 200);
        let est = estimate(&hasher(perms, t), &a, &b, perms);
        sum += est - 1.0 / 3.0;
        sq += (est - 1.0 / 3.0).powi(2);
    }
    let var = (1.0 / 3.0) * (2.0 / 3.0) / perms as f64;
    let mse = sq / trials as f64;
    let bias = sum / trials as f64;
    assert!(bias.abs() < 0.01, "bias {bias}");
    assert!(
        mse < 1.3 * var && mse > 0.7 * var,
        "mse {mse} vs binomial {var}"
    );
}
