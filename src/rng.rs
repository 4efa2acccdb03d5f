//! Random streams keyed by meaning (MODEL.md section 4).
//!
//! Every draw in the simulator comes from a generator whose seed is a hash of
//! `(master seed, replication, entity kind, entity id, purpose…)`. No key ever
//! contains a thread index, a chunk size or a scenario name, so
//!
//! * results are bit-identical for any number of threads;
//! * two scenarios run with the same seed share their random shocks (common
//!   random numbers): a customer who would have had a bad day in the baseline
//!   has the same bad day in the alternative;
//! * changing one customer's draws does not shift anybody else's.
//!
//! Keys are 256 bits wide (four independently salted SplitMix64 lanes), so
//! distinct keys do not funnel through a single 64-bit value; the streams of
//! creation and of the employees and the firm are xoshiro256++ seeded from all
//! four. A customer's month, opened ten thousand times a month, takes the
//! cheaper [`MonthRng`] (SplitMix64) seeded from one lane: a 64-bit hash of
//! the key xor the month's salt.

use std::convert::Infallible;

use rand::{Rng, TryRng};

/// The generator used everywhere: xoshiro256++ (Blackman & Vigna), the
/// algorithm of `rand::rngs::Xoshiro256PlusPlus`, with the same output bit
/// for bit (tested below). About 1 ns per `u64`.
///
/// Why not rand's type itself: its `from_seed` takes bytes and replaces an
/// all-zero seed by another one. That test costs a dozen instructions every
/// time a customer's monthly stream is opened, 2% of a customer-month, and
/// it can never fire here: the four state words are SplitMix64 outputs of
/// independent lanes, all zero with probability 2^-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRng {
    s: [u64; 4],
}

impl SimRng {
    /// The generator with state `s` (not all zero).
    #[inline]
    fn from_state(s: [u64; 4]) -> Self {
        debug_assert_ne!(s, [0; 4], "xoshiro256++ needs a state that is not all zero");
        SimRng { s }
    }
}

impl TryRng for SimRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(high_half(self.next_u64()))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        Ok(out)
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        fill_le(dst, || self.next_u64());
        Ok(())
    }
}

/// A 32-bit draw from a 64-bit one: the upper bits, as rand does (the lowest
/// ones of xoshiro are the weakest).
#[inline]
fn high_half(x: u64) -> u32 {
    (x >> 32) as u32
}

/// Fills `dst` with the little-endian bytes of successive `next()` draws, as rand's
/// generators do.
#[inline]
fn fill_le(dst: &mut [u8], mut next: impl FnMut() -> u64) {
    for chunk in dst.chunks_mut(8) {
        let bytes = next().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// SplitMix64's increment (the golden ratio): the state of a [`MonthRng`] walks
/// by it, and each output is the finaliser of the state.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The stream of one customer-month: SplitMix64 (Steele, Lea & Flood 2014, the
/// generator `java.util.SplittableRandom` and Vigna's `splitmix64.c` use), a
/// 64-bit state that walks by a constant and the finaliser of
/// [`splitmix64`] on it. Opening one costs an xor instead of the four hashes
/// of a [`SimRng`], it is one register wide (so the encounter loop keeps it in
/// one), and its `i`-th output is a pure function of the seed and `i`: lanes of
/// customers can compute theirs side by side. It passes BigCrush; a month draws
/// a few dozen numbers from it at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRng {
    state: u64,
}

impl MonthRng {
    /// The generator with state `state`.
    #[inline]
    pub const fn from_state(state: u64) -> Self {
        MonthRng { state }
    }
}

impl TryRng for MonthRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(high_half(self.next_u64()))
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        // `splitmix64` adds the increment itself before the finaliser.
        let out = splitmix64(self.state);
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        Ok(out)
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        fill_le(dst, || self.next_u64());
        Ok(())
    }
}

/// Kinds of entity a stream can belong to (the second element of every key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Kind {
    /// One uncertain scenario parameter (id = hash of its key path).
    Parameter = 1,
    /// One customer (id = customer number within the replication).
    Customer = 2,
    /// One employee (id = employee number within the replication).
    Employee = 3,
    /// The firm as a whole: acquisition, market-level shocks.
    Firm = 4,
}

/// What a stream is used for (the last element of every key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing a replication's value of an uncertain parameter.
    Draw = 1,
    /// A new customer's or employee's initial attributes.
    Init = 2,
    /// One month of an agent's life (month number is mixed in as well).
    Month = 3,
    /// Acquisition of new customers in one month.
    Acquisition = 4,
    /// One month of an agent's life in the history before month 0 (its number mixed in).
    History = 5,
}

/// SplitMix64 finaliser: bijective, with strong avalanche.
#[inline(always)]
pub const fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit fingerprint of a string (FNV-1a, then SplitMix64), used to turn a
/// parameter's key path into a stable entity id.
pub fn name_id(name: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    splitmix64(h)
}

/// The identity of one agent's streams within a replication: computed once
/// when the agent is created and stored beside it, so that deriving a monthly
/// stream costs four hash rounds and no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamKey([u64; 4]);

impl StreamKey {
    /// Key for `(master, replication, kind, id)`.
    pub fn new(master: u64, replication: u64, kind: Kind, id: u64) -> Self {
        let mut lanes = [0u64; 4];
        for (lane, out) in lanes.iter_mut().enumerate() {
            let mut h = splitmix64(master ^ (lane as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
            for k in [replication, kind as u64, id] {
                h = splitmix64(h ^ k);
            }
            *out = h;
        }
        StreamKey(lanes)
    }

    /// The key of copy `copy` (1, 2, ...) of this agent: an agent of its own, whose
    /// streams depend only on this key and the copy's number.
    pub fn copy(&self, copy: u64) -> Self {
        let salt = splitmix64(copy ^ 0xC0B1_E5C0_B1E5_C0B1);
        StreamKey(self.0.map(|lane| splitmix64(lane ^ salt)))
    }

    /// The generator for `purpose` and a sub-key (a month number, or 0).
    #[inline]
    pub fn rng(&self, purpose: Purpose, sub: u64) -> SimRng {
        self.rng_salted(Salt::new(purpose, sub))
    }

    /// [`StreamKey::rng`] with the `(purpose, sub-key)` part worked out once
    /// beforehand, for loops that open the same stream of many agents.
    #[inline]
    pub fn rng_salted(&self, salt: Salt) -> SimRng {
        SimRng::from_state(self.0.map(|lane| splitmix64(lane ^ salt.0)))
    }

    /// The cheap stream for `salt` (a customer's month): SplitMix64 seeded with
    /// one lane of the key (itself a 64-bit hash of the whole identity) xor the
    /// salt (a hash of the month). No further hash: each output is already the
    /// finaliser of the state, and two such seeds come within a month's few dozen
    /// steps of each other with probability about 2^-58.
    #[inline]
    pub fn month_rng(&self, salt: Salt) -> MonthRng {
        MonthRng::from_state(self.0[0] ^ salt.0)
    }
}

/// The hashed `(purpose, sub-key)` part of a stream's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Salt(u64);

impl Salt {
    /// The salt for `purpose` and a sub-key (a month number, or 0).
    #[inline]
    pub fn new(purpose: Purpose, sub: u64) -> Self {
        Salt(splitmix64((purpose as u64) << 32 ^ sub))
    }
}

/// A uniform on [0, 1) from 32 random bits (resolution 2.3e-10).
#[inline]
pub fn unit32(bits: u32) -> f64 {
    f64::from(bits) * (1.0 / 4_294_967_296.0)
}

/// Two independent uniforms on [0, 1) from one 64-bit draw, 32 bits each:
/// half the generator calls of two `random::<f64>()`, with a resolution far
/// finer than any monthly probability needs.
#[inline]
pub fn uniform_pair<R: Rng + ?Sized>(rng: &mut R) -> (f64, f64) {
    let x = rng.next_u64();
    (unit32((x >> 32) as u32), unit32(x as u32))
}

/// A uniform on [0, 1) from 16 random bits (resolution 1.5e-5), for a probability
/// compared once, such as an encounter's failure.
#[inline]
pub fn unit16(bits: u16) -> f64 {
    f64::from(bits) * (1.0 / 65_536.0)
}

/// An index below `n` from 16 random bits, by multiplication: the bias is below
/// `n / 2^16` (0.06% for 40 employees).
#[inline]
pub fn index16(bits: u16, n: usize) -> usize {
    ((u64::from(bits) * n as u64) >> 16) as usize
}

/// An index below `n` from 32 random bits, by multiplication (Lemire's
/// method without the rejection step: the bias is below `n / 2^32`).
#[inline]
pub fn index32(bits: u32, n: usize) -> usize {
    ((u64::from(bits) * n as u64) >> 32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_key_same_stream_and_different_keys_differ() {
        let a = StreamKey::new(7, 3, Kind::Customer, 11);
        let b = StreamKey::new(7, 3, Kind::Customer, 11);
        assert_eq!(a, b);
        assert_eq!(a.rng(Purpose::Month, 5).next_u64(), b.rng(Purpose::Month, 5).next_u64());
        let mut seen = std::collections::HashSet::new();
        for (m, r, k, id, p, s) in [
            (8, 3, Kind::Customer, 11, Purpose::Month, 5),
            (7, 4, Kind::Customer, 11, Purpose::Month, 5),
            (7, 3, Kind::Employee, 11, Purpose::Month, 5),
            (7, 3, Kind::Customer, 12, Purpose::Month, 5),
            (7, 3, Kind::Customer, 11, Purpose::Init, 5),
            (7, 3, Kind::Customer, 11, Purpose::Month, 6),
            (7, 3, Kind::Customer, 11, Purpose::Month, 5),
        ] {
            seen.insert(StreamKey::new(m, r, k, id).rng(p, s).next_u64());
        }
        assert_eq!(seen.len(), 7, "every key component must change the stream");
    }

    #[test]
    fn the_generator_is_rands_xoshiro256plusplus_bit_for_bit() {
        use rand::SeedableRng;
        for key in [
            StreamKey::new(1, 0, Kind::Customer, 7),
            StreamKey::new(42, 3, Kind::Employee, 0),
        ] {
            let state = key.0.map(|lane| splitmix64(lane ^ 5));
            let mut seed = [0u8; 32];
            for (out, word) in seed.chunks_exact_mut(8).zip(state) {
                out.copy_from_slice(&word.to_le_bytes());
            }
            let mut theirs = rand::rngs::Xoshiro256PlusPlus::from_seed(seed);
            let mut ours = SimRng::from_state(state);
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), theirs.next_u64());
            }
            assert_eq!(ours.next_u32(), theirs.next_u32());
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn the_month_stream_is_splitmix64_bit_for_bit() {
        // The published outputs of splitmix64.c from seed 1234567.
        let mut rng = MonthRng::from_state(1_234_567);
        let expected = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
        let key = StreamKey::new(7, 3, Kind::Customer, 11);
        let (a, b) = (Salt::new(Purpose::Month, 5), Salt::new(Purpose::Month, 6));
        assert_eq!(key.month_rng(a), key.month_rng(a));
        assert_ne!(key.month_rng(a).next_u64(), key.month_rng(b).next_u64());
        let other = StreamKey::new(7, 3, Kind::Customer, 12);
        assert_ne!(key.month_rng(a).next_u64(), other.month_rng(a).next_u64());
    }

    #[test]
    fn pairs_and_indices_cover_their_ranges() {
        assert_eq!(unit32(0), 0.0);
        assert!(unit32(u32::MAX) < 1.0);
        assert_eq!(index32(0, 40), 0);
        assert_eq!(index32(u32::MAX, 40), 39);
        let mut rng = StreamKey::new(1, 0, Kind::Firm, 0).rng(Purpose::Month, 0);
        let mut hits = [0u32; 40];
        let (mut sum_a, mut sum_b, mut sum_ab) = (0.0, 0.0, 0.0);
        let n = 100_000;
        for _ in 0..n {
            let (a, b) = uniform_pair(&mut rng);
            (sum_a, sum_b, sum_ab) = (sum_a + a, sum_b + b, sum_ab + a * b);
            hits[index32(rng.next_u32(), 40)] += 1;
        }
        let n = f64::from(n);
        assert!((sum_a / n - 0.5).abs() < 0.005 && (sum_b / n - 0.5).abs() < 0.005);
        // Independent halves: E[ab] = 1/4 (sd of the mean about 0.0007).
        assert!((sum_ab / n - 0.25).abs() < 0.004, "{}", sum_ab / n);
        // Every employee is picked about equally often (expected 2,500 each, sd 49).
        assert!(hits.iter().all(|&h| (2_200..2_800).contains(&h)), "{hits:?}");
    }

    #[test]
    fn name_ids_are_distinct_for_similar_names() {
        assert_ne!(name_id("quality.noise_sd"), name_id("quality.noise_se"));
        assert_ne!(name_id("a.b"), name_id("ab."));
    }
}
