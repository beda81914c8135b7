//! Clusters: union-find over verified pairs. Every item ends up labelled with
//! the smallest item of its cluster, which is also the one that survives
//! (first in input order).

/// Disjoint sets over `0..n` with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` elements, each its own set.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set (halving the path on the way).
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }

    /// For every item, the smallest item of its set.
    pub fn smallest_members(mut self) -> Vec<u32> {
        let n = self.parent.len();
        let mut smallest = vec![u32::MAX; n];
        for x in 0..n as u32 {
            let r = self.find(x) as usize;
            smallest[r] = smallest[r].min(x);
        }
        (0..n as u32)
            .map(|x| smallest[self.find(x) as usize])
            .collect()
    }
}

/// Labels each of `n` items with the smallest item connected to it by `edges`.
pub fn components(n: usize, edges: impl IntoIterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for (a, b) in edges {
        uf.union(a, b);
    }
    uf.smallest_members()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Connected components by repeated relaxation: slow, obviously right.
    fn naive(n: usize, edges: &[(u32, u32)]) -> Vec<u32> {
        let mut label: Vec<u32> = (0..n as u32).collect();
        loop {
            let mut changed = false;
            for &(a, b) in edges {
                let m = label[a as usize].min(label[b as usize]);
                for x in [a, b] {
                    if label[x as usize] != m {
                        label[x as usize] = m;
                        changed = true;
                    }
                }
            }
            if !changed {
                return label;
            }
        }
    }

    proptest! {
        #[test]
        fn matches_naive_components(n in 1usize..60, raw in prop::collection::vec((0u32..60, 0u32..60), 0..120)) {
            let edges: Vec<(u32, u32)> = raw.into_iter().map(|(a, b)| (a % n as u32, b % n as u32)).collect();
            prop_assert_eq!(components(n, edges.iter().copied()), naive(n, &edges));
        }
    }

    #[test]
    fn long_chain_is_one_cluster() {
        let labels = components(1000, (0..999).rev().map(|i| (i + 1, i)));
        assert!(labels.iter().all(|&l| l == 0));
    }
}
