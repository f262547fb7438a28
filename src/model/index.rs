//! Per-case views: each table sorted by case so a case's rows are one contiguous slice,
//! document subjects made unique, and footage linked to activities.

use super::*;
use foldhash::HashMap;
use rayon::prelude::*;
use std::ops::Range;

/// Offsets of each case's rows in the sorted tables, and the footage of each activity.
#[derive(Debug, Default)]
pub struct Index {
    docs: Vec<u32>,
    services: Vec<u32>,
    activities: Vec<u32>,
    media: Vec<u32>,
    access: Vec<u32>,
    /// Offsets into `footage` of each activity's footage (by index in `Bundle::activities`).
    footage_offsets: Vec<u32>,
    /// Indices of footage rows, activity by activity.
    footage: Vec<u32>,
    /// Index of the first media row with no case (they sort last).
    pub unlinked_media_start: usize,
}

fn offsets(n_cases: usize, keys: impl Iterator<Item = CaseIx>) -> Vec<u32> {
    let mut off = vec![0u32; n_cases + 1];
    for k in keys {
        off[k as usize + 1] += 1;
    }
    for i in 1..off.len() {
        off[i] += off[i - 1];
    }
    off
}

fn slice(off: &[u32], c: CaseIx) -> Range<usize> {
    off[c as usize] as usize..off[c as usize + 1] as usize
}

fn overlaps(m: &Media, a: &Activity) -> bool {
    match (m.started_at, m.ended_at, a.started_at, a.ended_at) {
        (Some(ms), Some(me), Some(s), Some(e)) => {
            ms.seconds() <= e.latest_seconds() && me.latest_seconds() >= s.seconds()
        }
        _ => false,
    }
}

impl Index {
    /// Sort the bundle's tables by case and build the index.
    pub fn build(b: &mut Bundle) -> Index {
        let n = b.cases.len();
        let time = |s: Option<Stamp>| s.map(|s| s.seconds());
        // `at` is unique, so the unstable parallel sorts give one order.
        b.documents
            .par_sort_unstable_by_key(|d| (d.case, time(d.made_at), d.at));
        b.services
            .par_sort_unstable_by_key(|s| (s.case, time(s.served_at), s.at));
        b.activities
            .par_sort_unstable_by_key(|a| (a.case, time(a.started_at), a.at));
        b.media
            .par_sort_unstable_by_key(|m| (m.case.is_none(), m.case, time(m.started_at), m.at));
        b.access
            .par_sort_unstable_by_key(|a| (a.case, time(a.at_time), a.at));

        let mut idx = Index {
            docs: offsets(n, b.documents.iter().map(|d| d.case)),
            services: offsets(n, b.services.iter().map(|s| s.case)),
            activities: offsets(n, b.activities.iter().map(|a| a.case)),
            media: offsets(n, b.media.iter().filter_map(|m| m.case)),
            access: offsets(n, b.access.iter().map(|a| a.case)),
            footage_offsets: Vec::new(),
            footage: Vec::new(),
            unlinked_media_start: b.media.iter().take_while(|m| m.case.is_some()).count(),
        };

        let mut seen: HashMap<DocName, u16> = HashMap::default();
        for c in 0..n as CaseIx {
            seen.clear();
            for d in &mut b.documents[slice(&idx.docs, c)] {
                if d.doc_no.is_none() {
                    let k = seen.entry(d.doc_type).or_insert(0);
                    *k = k.saturating_add(1);
                    d.name_rank = *k;
                }
            }
        }

        // 活动编号 is looked up among the footage's own case's activities first (a case has
        // a few), then across the bundle, through a map built only if some footage needs it.
        let mut by_id: Option<HashMap<&str, usize>> = None;
        // (activity, footage) pairs in footage order.
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(b.media.len());
        let texts = &b.texts;
        for (mi, m) in b.media.iter().enumerate() {
            match m.activity_id.map(|t| texts.get(t)) {
                Some(id) => {
                    let own = m.case.and_then(|c| {
                        slice(&idx.activities, c)
                            .find(|&ai| texts.get(b.activities[ai].activity_id) == id)
                    });
                    let hit = own.or_else(|| {
                        let map = by_id.get_or_insert_with(|| {
                            let mut map = HashMap::default();
                            map.reserve(b.activities.len());
                            for (i, a) in b.activities.iter().enumerate() {
                                map.entry(texts.get(a.activity_id)).or_insert(i);
                            }
                            map
                        });
                        map.get(id).copied()
                    });
                    if let Some(ai) = hit {
                        pairs.push((ai as u32, mi as u32));
                    }
                }
                None => {
                    if let Some(c) = m.case {
                        for ai in slice(&idx.activities, c) {
                            if overlaps(m, &b.activities[ai]) {
                                pairs.push((ai as u32, mi as u32));
                            }
                        }
                    }
                }
            }
        }
        // Grouped by activity, footage order kept within each.
        idx.footage_offsets = offsets(b.activities.len(), pairs.iter().map(|p| p.0));
        let mut next = idx.footage_offsets.clone();
        idx.footage = vec![0; pairs.len()];
        for (ai, mi) in pairs {
            idx.footage[next[ai as usize] as usize] = mi;
            next[ai as usize] += 1;
        }
        idx
    }

    /// Indices in `Bundle::media` of the footage of activity `ai` (its index in
    /// `Bundle::activities`).
    pub fn footage_of(&self, ai: usize) -> &[u32] {
        &self.footage[slice(&self.footage_offsets, ai as CaseIx)]
    }

    /// Range of a case's documents in `Bundle::documents`.
    pub fn docs(&self, c: CaseIx) -> Range<usize> {
        slice(&self.docs, c)
    }
    /// Range of a case's services.
    pub fn services(&self, c: CaseIx) -> Range<usize> {
        slice(&self.services, c)
    }
    /// Range of a case's activities.
    pub fn activities(&self, c: CaseIx) -> Range<usize> {
        slice(&self.activities, c)
    }
    /// Range of a case's media rows.
    pub fn media(&self, c: CaseIx) -> Range<usize> {
        slice(&self.media, c)
    }
    /// Range of a case's access rows.
    pub fn access(&self, c: CaseIx) -> Range<usize> {
        slice(&self.access, c)
    }
}
