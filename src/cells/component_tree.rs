//! The component tree of a field over a ladder of thresholds, built in one pass: the voxels at or above the
//! lowest threshold are bucketed by the highest threshold they reach and added bucket by bucket, highest first,
//! to a union–find forest; after each bucket the sets of the forest are exactly the connected components at that
//! threshold, so every threshold's components and how they nest come out of a single flood instead of one
//! labelling per threshold.
//!
//! A node stands for a component over the range of thresholds `lo..=hi` where its voxels do not change; its
//! children are the components at threshold `hi + 1` that it contains.
//!
//! # References
//! - Najman, L. and Couprie, M., 2006: Building the component tree in quasi-linear time. *IEEE Trans. Image
//!   Process.*, **15**, 3531–3539, doi:10.1109/TIP.2006.877518.
//! - Berger, C., Géraud, T., Levillain, R., Widynski, N., Baillard, A. and Bertin, E., 2007: Effective component
//!   tree computation with application to pattern recognition in astronomical imaging. *Proc. IEEE ICIP*, IV-41–44,
//!   doi:10.1109/ICIP.2007.4379949.

use super::identify::Lattice;

/// No node / no voxel.
pub(super) const NONE: u32 = u32::MAX;
/// Marks a root of the union–find forest; the low bits are its component's index.
const ROOT: u32 = 1 << 31;
/// Largest number of voxels a tree can hold.
pub(super) const MAX_VOXELS: usize = ROOT as usize - 1;

/// One node of the tree: a connected component at thresholds `lo..=hi` (indices into the ladder).
#[derive(Debug, Clone)]
pub(super) struct Node {
    /// Lowest threshold index at which the component has exactly these voxels.
    pub lo: u32,
    /// Threshold index at which it formed (new voxels or components joined).
    pub hi: u32,
    /// Summed voxel size (km² or km³).
    pub size: f64,
    /// Highest value inside, dBZ.
    pub peak: f32,
    /// First child (a component at threshold `hi + 1`), or [`NONE`].
    pub first_child: u32,
    /// Next child of the same parent, or [`NONE`].
    pub next_sibling: u32,
    /// Enclosing component at threshold `lo − 1`, or [`NONE`] at the lowest threshold.
    pub parent: u32,
}

/// The tree, with the voxels it covers.
#[derive(Debug)]
pub(super) struct ComponentTree {
    /// Nodes, children before their parents.
    pub nodes: Vec<Node>,
    /// Voxels at or above the lowest threshold, ascending.
    pub voxels: Vec<u32>,
    /// For each of `voxels`, the smallest node holding it (the component it joined at its own threshold).
    pub leaf: Vec<u32>,
}

/// A set of the union–find forest while the tree is built.
struct Set {
    size: f64,
    peak: f32,
    count: u32,
    /// Nodes of the components it absorbed since its last node, linked through `next_sibling`.
    head: u32,
    tail: u32,
    /// Its latest node.
    node: u32,
    changed: bool,
    alive: bool,
}

impl ComponentTree {
    /// Builds the tree of `values` (one per voxel of `lattice`, flat) over the strictly ascending `levels`.
    ///
    /// `forest` is scratch space of one zero per voxel (at most [`MAX_VOXELS`]); on return it is non-zero
    /// exactly at [`Self::voxels`].
    pub(super) fn build(
        lattice: &Lattice,
        values: &[f32],
        levels: &[f32],
        forest: &mut [u32],
    ) -> Self {
        debug_assert!(forest.len() == lattice.len() && forest.len() <= MAX_VOXELS);
        let m = levels.len();
        // Bucket the voxels by the highest level they reach (a counting sort, stable in voxel order).
        let mut voxels = Vec::new();
        let mut level_of = Vec::new();
        let mut counts = vec![0u32; m + 1];
        for (v, &x) in values.iter().enumerate() {
            if x >= levels[0] {
                let k = levels.partition_point(|&l| l <= x) - 1;
                voxels.push(v as u32);
                level_of.push(k as u32);
                counts[k + 1] += 1;
            }
        }
        for k in 0..m {
            counts[k + 1] += counts[k];
        }
        let mut next = counts.clone();
        let mut order = vec![0u32; voxels.len()];
        for (i, &k) in level_of.iter().enumerate() {
            order[next[k as usize] as usize] = i as u32;
            next[k as usize] += 1;
        }
        drop(level_of);

        // 0: not added yet; ROOT | set: a root; else parent voxel + 1.
        let parent = forest;
        let mut sets: Vec<Set> = Vec::new();
        let mut active: Vec<u32> = Vec::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut leaf = vec![NONE; voxels.len()];
        for k in (0..m).rev() {
            let bucket = &order[counts[k] as usize..counts[k + 1] as usize];
            for &i in bucket {
                let v = voxels[i as usize];
                let s = sets.len() as u32;
                sets.push(Set {
                    size: lattice.size_of(v),
                    peak: values[v as usize],
                    count: 1,
                    head: NONE,
                    tail: NONE,
                    node: NONE,
                    changed: true,
                    alive: true,
                });
                active.push(s);
                parent[v as usize] = ROOT | s;
                lattice.for_neighbours(v, |w| {
                    if parent[w as usize] != 0 {
                        union(parent, &mut sets, &mut nodes, v, w);
                    }
                });
            }
            active.retain(|&s| sets[s as usize].alive);
            for &s in &active {
                let set = &mut sets[s as usize];
                if set.changed {
                    let id = nodes.len() as u32;
                    let mut child = set.head;
                    nodes.push(Node {
                        lo: k as u32,
                        hi: k as u32,
                        size: set.size,
                        peak: set.peak,
                        first_child: set.head,
                        next_sibling: NONE,
                        parent: NONE,
                    });
                    while child != NONE {
                        nodes[child as usize].parent = id;
                        child = nodes[child as usize].next_sibling;
                    }
                    set.head = id;
                    set.tail = id;
                    set.node = id;
                    set.changed = false;
                } else {
                    nodes[set.node as usize].lo = k as u32;
                }
            }
            for &i in bucket {
                let root = find(parent, voxels[i as usize]);
                leaf[i as usize] = sets[(parent[root as usize] & !ROOT) as usize].node;
            }
        }
        ComponentTree {
            nodes,
            voxels,
            leaf,
        }
    }
}

/// Root voxel of `v`'s set (path halving).
#[inline]
fn find(parent: &mut [u32], mut v: u32) -> u32 {
    loop {
        let p = parent[v as usize];
        if p & ROOT != 0 {
            return v;
        }
        let up = p - 1;
        let grand = parent[up as usize];
        if grand & ROOT != 0 {
            return up;
        }
        parent[v as usize] = grand;
        v = grand - 1;
    }
}

/// Joins the sets of voxels `a` and `b` (the larger set absorbs the smaller).
#[inline]
fn union(parent: &mut [u32], sets: &mut [Set], nodes: &mut [Node], a: u32, b: u32) {
    let (mut ra, mut rb) = (find(parent, a), find(parent, b));
    if ra == rb {
        return;
    }
    let (mut sa, mut sb) = (parent[ra as usize] & !ROOT, parent[rb as usize] & !ROOT);
    if sets[sa as usize].count < sets[sb as usize].count {
        std::mem::swap(&mut ra, &mut rb);
        std::mem::swap(&mut sa, &mut sb);
    }
    parent[rb as usize] = ra + 1;
    let (lo, hi) = (sa.min(sb) as usize, sa.max(sb) as usize);
    let (left, right) = sets.split_at_mut(hi);
    let (keep, gone) = if sa < sb {
        (&mut left[lo], &mut right[0])
    } else {
        (&mut right[0], &mut left[lo])
    };
    keep.size += gone.size;
    keep.peak = keep.peak.max(gone.peak);
    keep.count += gone.count;
    if keep.head == NONE {
        keep.head = gone.head;
        keep.tail = gone.tail;
    } else if gone.head != NONE {
        nodes[keep.tail as usize].next_sibling = gone.head;
        keep.tail = gone.tail;
    }
    keep.changed = true;
    gone.alive = false;
}
