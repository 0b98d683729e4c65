//! Sets of grains: the bitmaps behind every copy session.
//!
//! A session's extent is cut into fixed-size grains (64 KiB by default); which
//! grains still wait for the physical copy, which changed since the last logical
//! copy, which a snapshot has saved, are each one [`GrainSet`]. In memory it is a
//! dense bitmap; on disk it is stored as runs, which keeps the state file small
//! for the usual all-set or nearly-empty cases.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most grains a stored set may have: a 16 TiB LUN in 64 KiB grains
/// (a 32 MiB bitmap). A damaged state file asking for more is refused.
pub const MAX_GRAINS: u64 = 1 << 28;

#[derive(Debug, Default)]
pub struct GrainSet {
    len: u64,
    count: u64,
    words: Vec<u64>,
    /// Chunks ([`CHUNK_GRAINS`] grains each) changed since the store last saw
    /// them, one bit each, so a commit writes only those.
    dirty: Vec<u64>,
}

/// Grains per stored chunk of a grain set: 512 words, 4 KiB.
pub const CHUNK_GRAINS: u64 = 512 * 64;

impl PartialEq for GrainSet {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.words == other.words
    }
}

impl Eq for GrainSet {}

impl Clone for GrainSet {
    /// A copy is new to the store: every chunk of it is written.
    fn clone(&self) -> Self {
        GrainSet {
            len: self.len,
            count: self.count,
            words: self.words.clone(),
            dirty: all_dirty(self.len),
        }
    }
}

fn all_dirty(len: u64) -> Vec<u64> {
    vec![!0; len.div_ceil(CHUNK_GRAINS).div_ceil(64) as usize]
}

impl GrainSet {
    /// An empty set of `len` grains. It is new to the store, so its first
    /// commit writes (or clears) every chunk, whatever it replaced.
    pub fn new(len: u64) -> GrainSet {
        GrainSet {
            len,
            count: 0,
            words: vec![0; len.div_ceil(64) as usize],
            dirty: all_dirty(len),
        }
    }

    fn mark(&mut self, g: u64) {
        let c = g / CHUNK_GRAINS;
        if let Some(w) = self.dirty.get_mut((c / 64) as usize) {
            *w |= 1 << (c % 64);
        }
    }

    fn mark_all(&mut self) {
        self.dirty = all_dirty(self.len);
    }

    /// The chunks changed since the last call, with their words; clears the marks.
    pub fn take_dirty_chunks(&mut self) -> Vec<(u32, &[u64])> {
        let marks = std::mem::take(&mut self.dirty);
        self.dirty = vec![0; marks.len()];
        let per = (CHUNK_GRAINS / 64) as usize;
        let mut out = Vec::new();
        for (wi, w) in marks.iter().enumerate() {
            let mut bits = *w;
            while bits != 0 {
                let c = wi * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let start = c * per;
                if start < self.words.len() {
                    let end = (start + per).min(self.words.len());
                    out.push((c as u32, &self.words[start..end]));
                }
            }
        }
        out
    }

    /// Forgets the change marks (the set has just been read from the store).
    pub fn mark_clean(&mut self) {
        self.dirty.iter_mut().for_each(|w| *w = 0);
    }

    /// Sets the words of chunk `c` as stored; refuses a chunk that does not fit.
    pub fn load_chunk(&mut self, c: u32, words: &[u64]) -> Result<(), String> {
        let per = (CHUNK_GRAINS / 64) as usize;
        let start = c as usize * per;
        if start >= self.words.len() || words.len() > per || start + words.len() > self.words.len()
        {
            return Err(format!(
                "grain chunk {c} lies outside a set of {} grains",
                self.len
            ));
        }
        self.words[start..start + words.len()].copy_from_slice(words);
        // Bits past the end of the set would be counted but never seen.
        if let Some(last) = self.words.last_mut() {
            let tail = self.len % 64;
            if tail != 0 {
                *last &= (1u64 << tail) - 1;
            }
        }
        self.count = self.words.iter().map(|w| w.count_ones() as u64).sum();
        Ok(())
    }

    pub fn full(len: u64) -> GrainSet {
        let mut s = GrainSet::new(len);
        s.insert_range(0, len);
        s
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn contains(&self, g: u64) -> bool {
        g < self.len && self.words[(g / 64) as usize] & (1 << (g % 64)) != 0
    }

    /// Adds `g`; returns whether it was absent.
    pub fn insert(&mut self, g: u64) -> bool {
        if g >= self.len {
            return false;
        }
        let w = &mut self.words[(g / 64) as usize];
        let bit = 1 << (g % 64);
        let added = *w & bit == 0;
        *w |= bit;
        self.count += added as u64;
        if added {
            self.mark(g);
        }
        added
    }

    /// Removes `g`; returns whether it was present.
    pub fn remove(&mut self, g: u64) -> bool {
        if g >= self.len {
            return false;
        }
        let w = &mut self.words[(g / 64) as usize];
        let bit = 1 << (g % 64);
        let had = *w & bit != 0;
        *w &= !bit;
        self.count -= had as u64;
        if had {
            self.mark(g);
        }
        had
    }

    pub fn insert_range(&mut self, start: u64, end: u64) {
        for g in start..end.min(self.len) {
            self.insert(g);
        }
    }

    pub fn clear(&mut self) {
        self.words.iter_mut().for_each(|w| *w = 0);
        self.count = 0;
        self.mark_all();
    }

    /// Adds every member of `other` (which must be over the same length).
    pub fn union_with(&mut self, other: &GrainSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
        self.count = self.words.iter().map(|w| w.count_ones() as u64).sum();
        self.mark_all();
    }

    /// The first member at or after `from`.
    pub fn next_at_or_after(&self, from: u64) -> Option<u64> {
        if from >= self.len {
            return None;
        }
        let mut wi = (from / 64) as usize;
        let mut word = self.words[wi] & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                let g = wi as u64 * 64 + word.trailing_zeros() as u64;
                return (g < self.len).then_some(g);
            }
            wi += 1;
            if wi >= self.words.len() {
                return None;
            }
            word = self.words[wi];
        }
    }

    /// Members in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let mut next = self.next_at_or_after(0);
        std::iter::from_fn(move || {
            let g = next?;
            next = self.next_at_or_after(g + 1);
            Some(g)
        })
    }

    /// Maximal runs `[start, end)` of members.
    pub fn runs(&self) -> Vec<(u64, u64)> {
        let mut runs = Vec::new();
        let mut cur: Option<(u64, u64)> = None;
        for g in self.iter() {
            cur = match cur {
                Some((s, e)) if e == g => Some((s, g + 1)),
                Some(run) => {
                    runs.push(run);
                    Some((g, g + 1))
                }
                None => Some((g, g + 1)),
            };
        }
        runs.extend(cur);
        runs
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    len: u64,
    runs: Vec<(u64, u64)>,
}

impl Serialize for GrainSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            len: self.len,
            runs: self.runs(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for GrainSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(d)?;
        if stored.len > MAX_GRAINS {
            return Err(serde::de::Error::custom("grain set too long"));
        }
        let mut set = GrainSet::new(stored.len);
        for (s, e) in stored.runs {
            if s > e || e > stored.len {
                return Err(serde::de::Error::custom("grain run outside the set"));
            }
            set.insert_range(s, e);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_a_btreeset(len in 0u64..300, ops in proptest::collection::vec((any::<bool>(), 0u64..320), 0..200)) {
            let mut set = GrainSet::new(len);
            let mut model = std::collections::BTreeSet::new();
            for (ins, g) in ops {
                if ins {
                    prop_assert_eq!(set.insert(g), g < len && model.insert(g));
                } else {
                    prop_assert_eq!(set.remove(g), model.remove(&g));
                }
            }
            prop_assert_eq!(set.count(), model.len() as u64);
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            let json = serde_json::to_string(&set).unwrap();
            let back: GrainSet = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, set);
        }
    }

    #[test]
    fn tracks_changed_chunks() {
        let mut set = GrainSet::new(3 * CHUNK_GRAINS);
        assert_eq!(
            set.take_dirty_chunks().len(),
            3,
            "a new set is new to the store"
        );
        assert!(set.take_dirty_chunks().is_empty());
        set.insert(CHUNK_GRAINS + 5);
        set.insert(CHUNK_GRAINS + 5);
        let d = set.take_dirty_chunks();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, 1);
        let mut copy = GrainSet::new(3 * CHUNK_GRAINS);
        copy.load_chunk(1, d[0].1).unwrap();
        assert_eq!(copy, set);
        assert!(copy.load_chunk(3, &[1]).is_err());
        set.remove(7);
        assert!(
            set.take_dirty_chunks().is_empty(),
            "removing an absent grain changes nothing"
        );
        assert_eq!(set.clone().take_dirty_chunks().len(), 3);
    }

    #[test]
    fn rejects_runs_outside() {
        assert!(serde_json::from_str::<GrainSet>(r#"{"len":4,"runs":[[2,9]]}"#).is_err());
    }
}
