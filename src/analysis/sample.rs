//! Samplers over the unit cube: Latin hypercube, Sobol' low-discrepancy
//! points, Saltelli's A/B/AB matrices and Morris trajectories. Each is a
//! plain function of its sizes and a seed, so a design is the same list of
//! points on every machine and every shard.

use rand::RngExt;

use crate::rng::{Kind, Purpose, SimRng, StreamKey, name_id};

/// A deterministic generator for the analyses' own draws (LHS permutations,
/// Morris starts, bootstrap resamples), keyed by the seed and a purpose name.
pub fn analysis_rng(seed: u64, purpose: &str) -> SimRng {
    StreamKey::new(seed, u64::MAX, Kind::Parameter, name_id(purpose)).rng(Purpose::Draw, 0)
}

/// A random index in `0..n`.
pub fn index(rng: &mut SimRng, n: usize) -> usize {
    ((rng.random::<f64>() * n as f64) as usize).min(n.saturating_sub(1))
}

/// `n` points of a Latin hypercube in `k` dimensions: each coordinate takes
/// one value in each of the `n` equal strata, placed at random within it.
pub fn latin_hypercube(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = analysis_rng(seed, "analysis.lhs");
    let mut points = vec![vec![0.0; k]; n];
    for j in 0..k {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, index(&mut rng, i + 1));
        }
        for (i, p) in points.iter_mut().enumerate() {
            p[j] = (perm[i] as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// Joe & Kuo (2008) direction numbers (`new-joe-kuo-6.21201`) for dimensions
/// 2 onward, as `s a m_1 .. m_s` (dimension 1 is van der Corput).
const JOE_KUO: &str = "1 0 1|2 1 1 3|3 1 1 3 1|3 2 1 1 1|4 1 1 1 3 3|4 4 1 3 5 13|5 2 1 1 5 5 17|5 4 1 1 5 5 5|\
5 7 1 1 7 11 19|5 11 1 1 5 1 1|5 13 1 1 1 3 11|5 14 1 3 5 5 31|6 1 1 3 3 9 7 49|6 13 1 1 1 15 21 21|\
6 16 1 3 1 13 27 49|6 19 1 1 1 15 7 5|6 22 1 3 1 15 13 25|6 25 1 1 5 5 19 61|7 1 1 3 7 11 23 15 103|\
7 4 1 3 7 13 13 15 69|7 7 1 1 3 13 7 35 63|7 8 1 3 5 9 1 25 53|7 14 1 3 1 13 9 35 107|7 19 1 3 1 5 27 61 31|\
7 21 1 1 5 11 19 41 61|7 28 1 3 5 3 3 13 69|7 31 1 1 7 13 1 19 1|7 32 1 3 7 5 13 19 59|7 37 1 1 3 9 25 29 41|\
7 41 1 3 5 13 23 1 55|7 42 1 3 7 3 13 59 17|7 50 1 3 1 3 5 53 69|7 55 1 1 5 5 23 33 13|7 56 1 1 7 7 1 61 123|\
7 59 1 1 7 9 13 61 49|7 62 1 3 3 5 3 55 33|8 14 1 3 1 15 31 13 49 245|8 21 1 3 5 15 31 59 63 97|\
8 22 1 3 1 11 11 11 77 249|8 38 1 3 1 11 27 43 71 9|8 47 1 1 7 15 21 11 81 45|8 49 1 3 7 3 25 31 65 79|\
8 50 1 3 1 1 19 11 3 205|8 52 1 1 5 9 19 21 29 157|8 56 1 3 7 11 1 33 89 185|8 67 1 3 3 3 15 9 79 71|\
8 70 1 3 7 11 15 39 119 27|8 84 1 1 3 1 11 31 97 225|8 97 1 1 1 3 23 43 57 177|8 103 1 3 7 7 17 17 37 71|\
8 115 1 3 1 5 27 63 123 213|8 122 1 1 3 5 11 43 53 133";

/// Most dimensions [`sobol`] supports.
pub fn sobol_max_dims() -> usize {
    JOE_KUO.split('|').count() + 1
}

const BITS: usize = 32;

/// Direction numbers `v_1..v_32` (scaled by 2^32) of dimension `d` (0-based).
fn directions(d: usize) -> [u32; BITS] {
    let mut v = [0u32; BITS];
    if d == 0 {
        for (i, x) in v.iter_mut().enumerate() {
            *x = 1 << (31 - i);
        }
        return v;
    }
    let row: Vec<u32> = JOE_KUO
        .split('|')
        .nth(d - 1)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let (s, a, m) = (row[0] as usize, row[1], &row[2..]);
    for i in 0..s.min(BITS) {
        v[i] = m[i] << (31 - i);
    }
    for i in s..BITS {
        let mut x = v[i - s] ^ (v[i - s] >> s);
        for k in 1..s {
            x ^= ((a >> (s - 1 - k)) & 1) * v[i - k];
        }
        v[i] = x;
    }
    v
}

/// Points `1..=n` of the `dims`-dimensional Sobol' sequence (Gray-code order;
/// point 0, the origin, is skipped). `dims` must not exceed [`sobol_max_dims`].
pub fn sobol(n: usize, dims: usize) -> Vec<Vec<f64>> {
    let dirs: Vec<[u32; BITS]> = (0..dims).map(directions).collect();
    let mut x = vec![0u32; dims];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let c = (!i).trailing_zeros() as usize;
        for (xj, d) in x.iter_mut().zip(&dirs) {
            *xj ^= d[c.min(BITS - 1)];
        }
        out.push(x.iter().map(|&b| f64::from(b) / 4_294_967_296.0).collect());
    }
    out
}

/// Saltelli's design for `k` factors and base size `n`: rows of A, rows of B,
/// then for each factor i the rows of AB_i (A with column i taken from B);
/// `n * (k + 2)` points. A and B are the two halves of a `2k`-dimensional
/// Sobol' sequence.
pub fn saltelli(n: usize, k: usize) -> Vec<Vec<f64>> {
    let base = sobol(n, 2 * k);
    let a: Vec<Vec<f64>> = base.iter().map(|p| p[..k].to_vec()).collect();
    let b: Vec<Vec<f64>> = base.iter().map(|p| p[k..].to_vec()).collect();
    let mut out = a.clone();
    out.extend(b.iter().cloned());
    for i in 0..k {
        out.extend(a.iter().zip(&b).map(|(ra, rb)| {
            let mut r = ra.clone();
            r[i] = rb[i];
            r
        }));
    }
    out
}

/// Levels of a Morris grid: `p` centred levels (j + 1/2)/p, so a distribution
/// never reaches its infinite tails; steps of `p/2` levels (half the range).
pub const MORRIS_LEVELS: usize = 4;

/// The step of a Morris trajectory in unit coordinates.
pub const MORRIS_DELTA: f64 = 0.5;

/// One Morris trajectory's steps: (factor moved, signed step in unit coordinates).
pub type Moves = Vec<(usize, f64)>;

/// `r` Morris trajectories in `k` dimensions: each is `k + 1` points, one
/// factor moved by +-[`MORRIS_DELTA`] per step, in a random order. Returns
/// the points (trajectory by trajectory) and, per trajectory, the factor moved
/// at each step and the signed step.
pub fn morris(r: usize, k: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Moves>) {
    let mut rng = analysis_rng(seed, "analysis.morris");
    let half = MORRIS_LEVELS / 2;
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut moves = Vec::with_capacity(r);
    for _ in 0..r {
        let mut x: Vec<f64> = (0..k)
            .map(|_| (index(&mut rng, MORRIS_LEVELS) as f64 + 0.5) / MORRIS_LEVELS as f64)
            .collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            order.swap(i, index(&mut rng, i + 1));
        }
        points.push(x.clone());
        let mut steps = Vec::with_capacity(k);
        for &i in &order {
            let level = (x[i] * MORRIS_LEVELS as f64).floor() as usize;
            let d = if level < half { MORRIS_DELTA } else { -MORRIS_DELTA };
            x[i] += d;
            steps.push((i, d));
            points.push(x.clone());
        }
        moves.push(steps);
    }
    (points, moves)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sobol_points_stratify_every_dimension_and_every_pair() {
        let dims = sobol_max_dims();
        // Points 0..2^m (the skipped origin included) are a (t, m, s)-net: in
        // one dimension, one point per interval of width 2^-m.
        let mut pts = vec![vec![0.0; dims]];
        pts.extend(sobol(255, dims));
        for d in 0..dims {
            let mut cells: Vec<usize> = pts.iter().map(|p| (p[d] * 256.0) as usize).collect();
            cells.sort_unstable();
            assert_eq!(cells, (0..256).collect::<Vec<_>>(), "dimension {d}");
        }
        // Pairs are evenly spread: among the first 16 dimensions (8 keys of a
        // Saltelli design) each cell of a 4 x 4 grid holds 16 points; across all
        // dimensions each quadrant holds 64.
        for a in 0..dims {
            for b in a + 1..dims {
                let g = if b < 16 { 4 } else { 2 };
                let mut count = vec![0usize; g * g];
                for p in &pts {
                    count[(p[a] * g as f64) as usize * g + (p[b] * g as f64) as usize] += 1;
                }
                assert!(
                    count.iter().all(|&c| c == 256 / (g * g)),
                    "dimensions {a}, {b}: {count:?}"
                );
            }
        }
        // The first two dimensions are a (0, 8, 2)-net: one point per 16 x 16 cell.
        let mut cells: Vec<usize> = pts
            .iter()
            .map(|p| (p[0] * 16.0) as usize * 16 + (p[1] * 16.0) as usize)
            .collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 256);
    }

    #[test]
    fn latin_hypercube_has_one_point_per_stratum() {
        let p = latin_hypercube(20, 3, 9);
        for j in 0..3 {
            let mut s: Vec<usize> = p.iter().map(|x| (x[j] * 20.0) as usize).collect();
            s.sort_unstable();
            assert_eq!(s, (0..20).collect::<Vec<_>>());
        }
        assert_eq!(p, latin_hypercube(20, 3, 9));
        assert_ne!(p, latin_hypercube(20, 3, 10));
    }

    #[test]
    fn morris_trajectories_move_one_factor_at_a_time_inside_the_cube() {
        let (pts, moves) = morris(6, 4, 1);
        assert_eq!(pts.len(), 6 * 5);
        for (t, steps) in moves.iter().enumerate() {
            let mut seen: Vec<usize> = steps.iter().map(|s| s.0).collect();
            seen.sort_unstable();
            assert_eq!(seen, vec![0, 1, 2, 3]);
            for (s, &(i, d)) in steps.iter().enumerate() {
                let (a, b) = (&pts[t * 5 + s], &pts[t * 5 + s + 1]);
                assert!((b[i] - a[i] - d).abs() < 1e-12);
                assert!((0..4).filter(|&j| j != i).all(|j| a[j] == b[j]));
                assert!(b.iter().all(|x| (0.0..1.0).contains(x)));
            }
        }
    }
}
