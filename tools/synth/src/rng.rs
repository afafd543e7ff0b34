//! The seeded pseudo-random generator and the random-looking identifiers built from it.
//!
//! Everything the generator draws comes from here, so output is a pure function of the flags:
//! SplitMix64 uses only wrapping 64-bit integer arithmetic (no floats, no platform word size, no
//! hashing with per-process keys), which makes the byte stream identical on every platform and
//! release. This module must never read the clock or the environment.

use std::fmt::Write as _;

/// SplitMix64 (Steele, Lea, Flood 2014), the generator Java's `SplittableRandom` and
/// xoshiro's seeding use: one `u64` of state, full period, good enough statistics for test data.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The characters Kubernetes uses for generated name suffixes and `pod-template-hash` values
/// (`k8s.io/apimachinery/pkg/util/rand.SafeEncodeString`): no vowels, no look-alike digits.
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// A generator for one named part of the output (a namespace, an object), independent of how
    /// much randomness other parts consumed: adding a field to one object kind must not reshuffle
    /// every object generated after it.
    pub fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        let mut mixer = Rng::new(seed ^ mix(stream.wrapping_mul(GOLDEN_GAMMA) ^ mix(index)));
        Rng::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform in `0..n` by multiply-shift (Lemire); the bias for the small `n` used here is far
    /// below anything a benchmark could notice, and it needs no rejection loop.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Picks an index with probability proportional to its weight.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut roll = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if roll < w {
                return i;
            }
            roll -= w;
        }
        unreachable!("roll below the total weight always lands in a bucket")
    }

    /// A random suffix as the API server generates for `generateName` (5 characters for pods).
    pub fn name_suffix(&mut self, len: usize) -> String {
        (0..len).map(|_| *self.pick(NAME_ALPHABET) as char).collect()
    }

    /// A version-4 UUID, as the API server assigns to `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }

    /// `chars` lowercase hex digits (container IDs, image digests).
    pub fn hex(&mut self, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 16);
        while out.len() < chars {
            let _ = write!(out, "{:016x}", self.next_u64());
        }
        out.truncate(chars);
        out
    }
}

/// FNV-1a, a stable hash of a string for values that must agree wherever the string occurs (an
/// image's digest on every pod that runs it). std's hasher is keyed per process, so not that.
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The SplitMix64 output function (also a good 64-bit hash finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // The first outputs of the reference implementation (prng.di.unimi.it/splitmix64.c) for
        // seed 1234567: if these change, every generated cluster changes with them.
        let mut rng = Rng::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            got,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn below_stays_in_range_and_reaches_both_ends() {
        let mut rng = Rng::new(7);
        let draws: Vec<u64> = (0..1000).map(|_| rng.below(3)).collect();
        assert!(draws.iter().all(|&d| d < 3));
        assert!(draws.contains(&0) && draws.contains(&2));
    }

    #[test]
    fn uuid_is_version_4_variant_1() {
        let mut rng = Rng::new(42);
        let uuid = rng.uuid();
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn derived_streams_differ_by_stream_and_index() {
        let a = Rng::derive(1, 2, 3).next_u64();
        assert_ne!(a, Rng::derive(1, 2, 4).next_u64());
        assert_ne!(a, Rng::derive(1, 3, 3).next_u64());
        assert_ne!(a, Rng::derive(2, 2, 3).next_u64());
        assert_eq!(a, Rng::derive(1, 2, 3).next_u64());
    }
}
