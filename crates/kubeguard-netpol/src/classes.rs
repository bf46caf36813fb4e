//! Equivalence classes of pods, so the matrix is never computed pair by
//! pair.
//!
//! A receiver's ingress verdict depends only on the policies isolating it
//! (plus its named ports and admin subjects) and on which of *those
//! policies'* peers match the sender. So receivers are grouped by the
//! first, and for each group the senders are grouped by the second: the
//! direction is evaluated once per pair of groups. Egress is done the same
//! way with the roles swapped. A cell is then the intersection of two
//! interned port sets, looked up in a table.
//!
//! For display, pods are also grouped into classes of pods that behave
//! the same as sender and as receiver ([`Classes::members`]).

use crate::Direction;
use crate::evaluate::{Analysis, Endpoint};
use crate::port::PortSet;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hasher for the short keys of this module (bit vectors of
/// matching peers, port sets): the multiply-rotate of rustc's `FxHasher`.
/// The keys come from the model, not from an adversary, and the tables are
/// rebuilt per run, so SipHash's resistance to flooding buys nothing here,
/// while hashing the millions of keys of a large matrix with it cost a
/// quarter of the time.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply mixes into the high bits; the table indexes by the
        // low ones.
        self.0.rotate_left(26)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Pods grouped into classes, with the reachability between every pair.
#[derive(Debug)]
pub struct Classes {
    /// The display class of each pod.
    pub of_pod: Vec<usize>,
    /// The pods of each display class (the first is its representative).
    pub members: Vec<Vec<usize>>,
    /// Per pod: its sender (egress) group.
    egress_group: Vec<u32>,
    /// Per pod: its receiver (ingress) group.
    ingress_group: Vec<u32>,
    /// `[egress group][receiver]` -> interned egress port set.
    egress: Vec<Vec<u32>>,
    /// `[sender][ingress group]` -> interned ingress port set: by sender,
    /// so a row of the matrix reads one short run of memory for its
    /// ingress side as it does for its egress side. (Rows rather than one
    /// flat table: small allocations reuse the memory freed by the parse.)
    ingress: Vec<Vec<u32>>,
    /// `[egress set][ingress set]` -> interned intersection.
    meet: Vec<u32>,
    sets: Vec<PortSet>,
    ingress_sets: usize,
}

/// Interns port sets as small integers.
#[derive(Default)]
struct Interner {
    sets: Vec<PortSet>,
    ids: FxMap<PortSet, u32>,
}

impl Interner {
    fn id(&mut self, set: PortSet) -> u32 {
        if let Some(&id) = self.ids.get(&set) {
            return id;
        }
        let id = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        self.sets.push(set.clone());
        self.ids.insert(set, id);
        id
    }
}

/// Groups pods by a key; returns each pod's group and each group's first pod.
fn group<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> (Vec<u32>, Vec<usize>) {
    let mut index: FxMap<K, u32> = FxMap::default();
    let mut of = Vec::new();
    let mut reps = Vec::new();
    for (i, k) in keys.enumerate() {
        let next = u32::try_from(reps.len()).unwrap_or(u32::MAX);
        let g = *index.entry(k).or_insert(next);
        if g == next {
            reps.push(i);
        }
        of.push(g);
    }
    (of, reps)
}

/// For each group of subjects (isolated in `dir`) and each other pod, the
/// interned port set `dir` allows: `[group][other]`, or `[other][group]`
/// when `other_major`.
fn direction_table(
    analysis: &Analysis<'_>,
    dir: Direction,
    reps: &[usize],
    named: &[u32],
    interner: &mut Interner,
    other_major: bool,
) -> Vec<Vec<u32>> {
    let model = analysis.model;
    let n = model.pods.len();
    let groups = reps.len();
    let mut table = if other_major {
        vec![vec![0u32; groups]; n]
    } else {
        vec![vec![0u32; n]; groups]
    };
    let mut buf: Vec<u64> = Vec::new();
    for (g, &rep) in reps.iter().enumerate() {
        let isolating = analysis.isolating(rep, dir);
        let peer_ids: Vec<usize> = isolating
            .iter()
            .flat_map(|&p| model.policies[p as usize].rules(dir))
            .flat_map(|r| r.peer_base..r.peer_base + r.peers.len())
            .collect();
        let mut cache: FxMap<Box<[u64]>, u32> = FxMap::default();
        for (other, &named_class) in named.iter().enumerate().take(n) {
            buf.clear();
            let mut word = 0u64;
            for (k, &id) in peer_ids.iter().enumerate() {
                if analysis.peer_bits[other][id / 64] & (1 << (id % 64)) != 0 {
                    word |= 1 << (k % 64);
                }
                if k % 64 == 63 {
                    buf.push(word);
                    word = 0;
                }
            }
            buf.push(word);
            buf.extend(analysis.admin_bits[other].chunks(64).map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u64, |w, (i, &b)| w | (u64::from(b) << i))
            }));
            if dir == Direction::Egress {
                buf.push(u64::from(named_class));
            }
            let id = if let Some(&id) = cache.get(buf.as_slice()) {
                id
            } else {
                let set = analysis
                    .direction(rep, &Endpoint::Pod(other), dir, false)
                    .allowed;
                let id = interner.id(set);
                cache.insert(buf.clone().into_boxed_slice(), id);
                id
            };
            if other_major {
                table[other][g] = id;
            } else {
                table[g][other] = id;
            }
        }
    }
    table
}

impl Classes {
    /// Groups the pods and computes the reachability tables.
    #[must_use]
    pub fn new(analysis: &Analysis<'_>) -> Self {
        let model = analysis.model;
        let named_ports: Vec<Vec<(&str, u16, crate::Protocol)>> = model
            .pods
            .iter()
            .map(|pod| {
                let mut named: Vec<_> = pod
                    .ports
                    .iter()
                    .filter_map(|p| Some((p.name.as_deref()?, p.port, p.protocol)))
                    .collect();
                named.sort_unstable();
                named
            })
            .collect();
        let (named, _) = group(named_ports.iter());
        let subject_key = |i: usize, dir: Direction| {
            (
                analysis.isolating(i, dir),
                analysis.admin_bits[i].as_slice(),
                model.pods[i].host_network,
                if dir == Direction::Ingress {
                    named[i]
                } else {
                    0
                },
            )
        };
        let (egress_group, egress_reps) =
            group((0..model.pods.len()).map(|i| subject_key(i, Direction::Egress)));
        let (ingress_group, ingress_reps) =
            group((0..model.pods.len()).map(|i| subject_key(i, Direction::Ingress)));
        let mut egress_sets = Interner::default();
        let egress = direction_table(
            analysis,
            Direction::Egress,
            &egress_reps,
            &named,
            &mut egress_sets,
            false,
        );
        let mut ingress_sets = Interner::default();
        let ingress = direction_table(
            analysis,
            Direction::Ingress,
            &ingress_reps,
            &named,
            &mut ingress_sets,
            true,
        );
        let mut all = Interner::default();
        let mut meet = Vec::with_capacity(egress_sets.sets.len() * ingress_sets.sets.len());
        for e in &egress_sets.sets {
            for i in &ingress_sets.sets {
                meet.push(all.id(e.intersect(i)));
            }
        }
        let (of_pod, reps) = group((0..model.pods.len()).map(|i| {
            (
                &analysis.selecting[i],
                analysis.peer_bits[i].as_slice(),
                analysis.admin_bits[i].as_slice(),
                named[i],
                model.pods[i].host_network,
            )
        }));
        let mut members = vec![Vec::new(); reps.len()];
        for (i, &c) in of_pod.iter().enumerate() {
            members[c as usize].push(i);
        }
        Classes {
            of_pod: of_pod.into_iter().map(|c| c as usize).collect(),
            members,
            egress_group,
            ingress_group,
            egress,
            ingress,
            meet,
            sets: all.sets,
            ingress_sets: ingress_sets.sets.len(),
        }
    }

    /// The number of display classes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no classes (no pods).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The ports on which pods of class `src` reach pods of class `dst`.
    #[must_use]
    pub fn between(&self, src: usize, dst: usize) -> &PortSet {
        self.allowed(self.members[src][0], self.members[dst][0])
    }

    /// The ports on which pod `src` reaches pod `dst`.
    #[must_use]
    pub fn allowed(&self, src: usize, dst: usize) -> &PortSet {
        &self.sets[self.allowed_index(src, dst)]
    }

    /// The index in [`Classes::port_sets`] of the ports on which pod `src`
    /// reaches pod `dst`: equal sets have equal indices, so a writer can
    /// format each distinct set once.
    #[must_use]
    pub fn allowed_index(&self, src: usize, dst: usize) -> usize {
        let e = self.egress[self.egress_group[src] as usize][dst] as usize;
        let i = self.ingress[src][self.ingress_group[dst] as usize] as usize;
        self.meet[e * self.ingress_sets + i] as usize
    }

    /// Every distinct set of allowed ports between two pods.
    #[must_use]
    pub fn port_sets(&self) -> &[PortSet] {
        &self.sets
    }
}
