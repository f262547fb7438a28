//! Per-case views: each table ordered case by case so a case's rows are one contiguous slice,
//! document subjects made unique, and footage linked to activities.

use super::*;
use foldhash::HashMap;
use rayon::prelude::*;
use std::ops::Range;

/// Where each case's rows lie in the tables, and the footage of each activity.
#[derive(Debug, Default)]
pub struct Index {
    docs: Vec<Span>,
    services: Vec<Span>,
    activities: Vec<Span>,
    media: Vec<Span>,
    access: Vec<Span>,
    /// Offsets into `footage` of each activity's footage (by index in `Bundle::activities`).
    footage_offsets: Vec<u32>,
    /// Indices of footage rows, activity by activity.
    footage: Vec<u32>,
    /// Indices of the footage rows with no case, by start time and row.
    unlinked_media: Vec<u32>,
    /// Where each case's entries lie in `Bundle::review_times` (a stretch that may hold
    /// other cases' entries too when the export scatters a case's rows).
    reviews: Vec<Span>,
}

/// The rows of one case in a table: `start..end`.
type Span = [u32; 2];

/// Footage linked to activities: (activity, footage) index pairs.
type Links = Vec<(u32, u32)>;

fn span(spans: &[Span], c: CaseIx) -> Range<usize> {
    let [a, b] = spans[c as usize];
    a as usize..b as usize
}

/// The span of each case when `rows` lists each case's rows together, `None` when some
/// case's rows are apart. Rows of no case may lie anywhere.
fn runs<T>(rows: &[T], n: usize, case: impl Fn(&T) -> Option<CaseIx>) -> Option<Vec<Span>> {
    let mut spans = vec![[0u32; 2]; n];
    let mut prev = None;
    for (i, r) in rows.iter().enumerate() {
        let c = case(r);
        if let Some(c) = c {
            let s = &mut spans[c as usize];
            if prev != Some(c) {
                if s[1] > 0 {
                    return None;
                }
                s[0] = i as u32;
            }
            s[1] = i as u32 + 1;
        }
        prev = c;
    }
    Some(spans)
}

/// Order `rows` so that each case's rows are one span ordered by `key`, and return the
/// spans. `key` leads with the case (no case last) and ends with the unique row, so the
/// order is one whichever way it is reached.
///
/// Exports list a case's rows together, in the export's order of cases (not the report
/// order of [`Bundle::cases`]): then each case's few rows are sorted where they lie, in
/// parallel, instead of sorting tens of millions of rows at province scale. A table that
/// scatters some case's rows is sorted whole.
fn arrange<T, K>(
    rows: &mut [T],
    n: usize,
    case: impl Fn(&T) -> Option<CaseIx> + Sync,
    key: impl Fn(&T) -> K + Sync,
) -> Vec<Span>
where
    T: Send,
    K: Ord,
{
    if let Some(spans) = runs(rows, n, &case) {
        rows.par_chunk_by_mut(|a, b| case(a) == case(b))
            .for_each(|c| c.sort_unstable_by_key(&key));
        return spans;
    }
    rows.par_sort_unstable_by_key(&key);
    runs(rows, n, &case).expect("rows sorted by case are grouped")
}

/// The first position from `from` on where `before` is false, when it is true of every
/// entry before `from`: stepping out 1, 2, 4, ... entries, then halving, so an entry a few
/// places on is found without touching the rest of a table of millions.
fn gallop<T>(items: &[T], from: usize, before: impl Fn(&T) -> bool) -> usize {
    let mut lo = from;
    let mut step = 1;
    while lo + step <= items.len() && before(&items[lo + step - 1]) {
        lo += step;
        step *= 2;
    }
    lo + items[lo..(lo + step).min(items.len())].partition_point(before)
}

/// Per case, the stretch of `reviews` (row order) between the rows of its first and last
/// document with review times. Each case's documents are one run of `docs`; runs are
/// taken in table order, in parallel stretches, each run searched from where the last
/// one's ended: when the export lists cases in row order (it does unless it scatters a
/// case's rows) that is a step or two, where a search of the whole side table missed the
/// caches at every halving, three times per approval form (a fifth of the rules' time
/// at province scale).
fn review_spans(docs: &[Document], reviews: &[ReviewTimes], n: usize) -> Vec<Span> {
    let mut spans = vec![[0u32; 2]; n];
    if reviews.is_empty() {
        return spans;
    }
    let found: Vec<Vec<(CaseIx, Span)>> = docs
        .par_chunk_by(|x, y| x.case == y.case)
        .fold(
            || (0usize, Vec::new()),
            |(cursor, mut out), run| {
                let mut flagged = run
                    .iter()
                    .filter(|d| d.flags.contains(DocFlags::REVIEW_TIMES))
                    .map(|d| d.at);
                let Some(first) = flagged.next() else {
                    return (cursor, out);
                };
                let (min, max) = flagged.fold((first, first), |(a, b), at| (a.min(at), b.max(at)));
                let from = if cursor > 0 && reviews[cursor - 1].at < min {
                    cursor
                } else {
                    0
                };
                let lo = gallop(reviews, from, |r| r.at < min);
                let hi = gallop(reviews, lo, |r| r.at <= max);
                out.push((run[0].case, [lo as u32, hi as u32]));
                (hi, out)
            },
        )
        .map(|(_, out)| out)
        .collect();
    for (c, span) in found.into_iter().flatten() {
        spans[c as usize] = span;
    }
    spans
}

/// Start offsets of `len` groups (and the end) given each item's group.
fn offsets(len: usize, groups: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut off = vec![0u32; len + 1];
    for g in groups {
        off[g as usize + 1] += 1;
    }
    for i in 1..off.len() {
        off[i] += off[i - 1];
    }
    off
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
    /// Order each table's rows case by case and build the index.
    pub fn build(b: &mut Bundle) -> Index {
        let n = b.cases.len();
        let time = |s: Option<Stamp>| s.map(|s| s.seconds());
        let media_key = |m: &Media| (m.case.is_none(), m.case, time(m.started_at), m.at);
        let activity_key = |a: &Activity| (a.case, time(a.started_at), a.at);
        // The tables are arranged at once, each on its own: finding a table's runs is a
        // pass on one core, so one table's pass runs beside another's.
        let Bundle {
            documents,
            services,
            activities,
            media,
            access,
            ..
        } = b;
        let ((docs, services), ((activities, media), access)) = rayon::join(
            || {
                rayon::join(
                    || {
                        arrange(
                            documents,
                            n,
                            |d| Some(d.case),
                            |d| (d.case, time(d.made_at), d.at),
                        )
                    },
                    || {
                        arrange(
                            services,
                            n,
                            |s| Some(s.case),
                            |s| (s.case, time(s.served_at), s.at),
                        )
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || arrange(activities, n, |a| Some(a.case), activity_key),
                            || arrange(media, n, |m| m.case, media_key),
                        )
                    },
                    || {
                        arrange(
                            access,
                            n,
                            |a| Some(a.case),
                            |a| (a.case, time(a.at_time), a.at),
                        )
                    },
                )
            },
        );
        let mut idx = Index {
            docs,
            services,
            activities,
            media,
            access,
            footage_offsets: Vec::new(),
            footage: Vec::new(),
            unlinked_media: Vec::new(),
            reviews: Vec::new(),
        };
        idx.reviews = review_spans(&b.documents, &b.review_times, n);
        let media = &b.media;
        idx.unlinked_media = (0..media.len() as u32)
            .filter(|&i| media[i as usize].case.is_none())
            .collect();
        idx.unlinked_media
            .sort_unstable_by_key(|&i| media_key(&media[i as usize]));

        // Each case's documents are one run of the table (above): ranked run by run where
        // they lie, in parallel, rather than case by case in report order, which would
        // jump across the table for every case.
        b.documents
            .par_chunk_by_mut(|x, y| x.case == y.case)
            .for_each_init(HashMap::<DocName, u16>::default, |seen, docs| {
                seen.clear();
                for d in docs.iter_mut().filter(|d| d.doc_no.is_none()) {
                    let k = seen.entry(d.doc_type).or_insert(0);
                    *k = k.saturating_add(1);
                    d.name_rank = *k;
                }
            });

        // 活动编号 is looked up among the footage's own case's activities first (a case has
        // a few), in parallel stretches of the footage; what is not found there is looked
        // up across the bundle afterwards, through a map built only if some footage needs
        // it. (activity, footage) pairs.
        let texts = &b.texts;
        let acts = &b.activities;
        let spans = &idx.activities;
        const STRETCH: usize = 1 << 14;
        let found: Vec<(Links, Vec<u32>)> = b
            .media
            .par_chunks(STRETCH)
            .enumerate()
            .map(|(k, stretch)| {
                let mut pairs = Vec::with_capacity(stretch.len());
                let mut elsewhere = Vec::new();
                for (j, m) in stretch.iter().enumerate() {
                    let mi = (k * STRETCH + j) as u32;
                    match m.activity_id.map(|t| texts.get(t)) {
                        Some(id) => {
                            let own = m.case.and_then(|c| {
                                span(spans, c).find(|&ai| texts.get(acts[ai].activity_id) == id)
                            });
                            match own {
                                Some(ai) => pairs.push((ai as u32, mi)),
                                None => elsewhere.push(mi),
                            }
                        }
                        None => {
                            if let Some(c) = m.case {
                                for ai in span(spans, c) {
                                    if overlaps(m, &acts[ai]) {
                                        pairs.push((ai as u32, mi));
                                    }
                                }
                            }
                        }
                    }
                }
                (pairs, elsewhere)
            })
            .collect();
        let mut pairs: Links = Vec::with_capacity(found.iter().map(|f| f.0.len()).sum());
        let mut elsewhere = Vec::new();
        for (p, e) in found {
            pairs.extend(p);
            elsewhere.extend(e);
        }
        if !elsewhere.is_empty() {
            let mut by_id: HashMap<&str, usize> = HashMap::default();
            by_id.reserve(acts.len());
            // Of activities sharing a 活动编号, the first in case order.
            for (i, a) in acts.iter().enumerate() {
                by_id
                    .entry(texts.get(a.activity_id))
                    .and_modify(|j| {
                        if activity_key(a) < activity_key(&acts[*j]) {
                            *j = i;
                        }
                    })
                    .or_insert(i);
            }
            for mi in elsewhere {
                let id = b.media[mi as usize].activity_id.map(|t| texts.get(t));
                if let Some(&ai) = id.and_then(|id| by_id.get(id)) {
                    pairs.push((ai as u32, mi));
                }
            }
        }
        // Grouped by activity, footage order kept within each (the pairs are unique), then
        // each activity's footage in case order (it already is unless it comes from
        // several cases).
        pairs.par_sort_unstable();
        let by_media = |p: &(u32, u32)| media_key(&b.media[p.1 as usize]);
        pairs
            .par_chunk_by_mut(|x, y| x.0 == y.0)
            .filter(|of| !of.is_sorted_by_key(by_media))
            .for_each(|of| of.sort_unstable_by_key(by_media));
        idx.footage_offsets = offsets(b.activities.len(), pairs.iter().map(|p| p.0));
        idx.footage = pairs.par_iter().map(|p| p.1).collect();
        idx
    }

    /// Indices in `Bundle::media` of the footage of activity `ai` (its index in
    /// `Bundle::activities`).
    pub fn footage_of(&self, ai: usize) -> &[u32] {
        let (a, b) = (self.footage_offsets[ai], self.footage_offsets[ai + 1]);
        &self.footage[a as usize..b as usize]
    }

    /// Range of a case's documents in `Bundle::documents`.
    pub fn docs(&self, c: CaseIx) -> Range<usize> {
        span(&self.docs, c)
    }
    /// Range of a case's services.
    pub fn services(&self, c: CaseIx) -> Range<usize> {
        span(&self.services, c)
    }
    /// Range of a case's activities.
    pub fn activities(&self, c: CaseIx) -> Range<usize> {
        span(&self.activities, c)
    }
    /// Range of a case's media rows.
    pub fn media(&self, c: CaseIx) -> Range<usize> {
        span(&self.media, c)
    }
    /// Indices in `Bundle::media` of the footage with no case, by start time and row.
    pub fn unlinked_media(&self) -> &[u32] {
        &self.unlinked_media
    }

    /// Range of a case's access rows.
    pub fn access(&self, c: CaseIx) -> Range<usize> {
        span(&self.access, c)
    }

    /// Range of `Bundle::review_times` that holds the entries of case `c`'s documents;
    /// `None` before the index is built.
    pub fn reviews(&self, c: CaseIx) -> Option<Range<usize>> {
        (!self.reviews.is_empty()).then(|| span(&self.reviews, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows as (case, time, row); the key orders by case (none last), time, row.
    type R = (Option<CaseIx>, u32, u32);

    fn key(r: &R) -> (bool, Option<CaseIx>, u32, u32) {
        (r.0.is_none(), r.0, r.1, r.2)
    }

    fn arranged(mut rows: Vec<R>, n: usize) -> (Vec<R>, Vec<Vec<R>>) {
        let spans = arrange(&mut rows, n, |r| r.0, key);
        let by_case = (0..n as CaseIx)
            .map(|c| rows[span(&spans, c)].to_vec())
            .collect();
        (rows, by_case)
    }

    /// Each case's rows, sorted by the key, as a full sort would give them.
    fn expected(rows: &[R], n: usize) -> Vec<Vec<R>> {
        let mut all = rows.to_vec();
        all.sort_by_key(key);
        (0..n as CaseIx)
            .map(|c| all.iter().filter(|r| r.0 == Some(c)).copied().collect())
            .collect()
    }

    #[test]
    fn grouped_rows_are_sorted_where_they_lie() {
        // Cases listed 2, 0, 1 (export order), unlinked rows between them, case 3 empty.
        let rows = vec![
            (Some(2), 5, 0),
            (Some(2), 1, 1),
            (None, 9, 2),
            (Some(0), 7, 3),
            (Some(0), 7, 4),
            (Some(0), 2, 5),
            (None, 1, 6),
            (Some(1), 3, 7),
        ];
        let (after, by_case) = arranged(rows.clone(), 4);
        assert_eq!(by_case, expected(&rows, 4));
        // The cases keep their places: only each case's rows were sorted.
        let order: Vec<Option<CaseIx>> = after.iter().map(|r| r.0).collect();
        assert_eq!(
            order,
            [
                Some(2),
                Some(2),
                None,
                Some(0),
                Some(0),
                Some(0),
                None,
                Some(1)
            ]
        );
        assert!(by_case[3].is_empty());
    }

    #[test]
    fn scattered_rows_are_sorted_whole() {
        // Case 0's rows are apart: the table is sorted by the key, unlinked rows last.
        let rows = vec![
            (Some(0), 4, 0),
            (Some(1), 2, 1),
            (None, 1, 2),
            (Some(0), 3, 3),
            (Some(1), 1, 4),
        ];
        let (after, by_case) = arranged(rows.clone(), 2);
        assert_eq!(by_case, expected(&rows, 2));
        let mut sorted = rows.clone();
        sorted.sort_by_key(key);
        assert_eq!(after, sorted);
    }

    #[test]
    fn galloping_finds_what_a_search_of_the_whole_finds() {
        let items: Vec<u32> = (0..100).map(|i| i * 3).collect();
        for from in [0, 1, 5, 40, 99, 100] {
            for x in [0, 1, 3, 14, 120, 121, 297, 298, 400] {
                let before = |v: &u32| *v < x;
                if items[..from].iter().all(before) {
                    assert_eq!(gallop(&items, from, before), items.partition_point(before));
                }
            }
        }
        assert_eq!(gallop(&[] as &[u32], 0, |_| true), 0);
    }

    /// A document of case `case` from row `row`, with review times or not.
    fn doc(case: CaseIx, row: u32, reviewed: bool) -> Document {
        Document {
            case,
            doc_type: DocName::of("立案审批表"),
            stage: None,
            doc_no: None,
            doc_no_shared: 0,
            made_at: None,
            officers: 0,
            cert_nos: 0,
            signature: Signature::Missing,
            refusal_witnesses: 0,
            flags: if reviewed {
                DocFlags::REVIEW_TIMES
            } else {
                DocFlags::empty()
            },
            name_rank: 0,
            at: RowRef { source: 0, row },
        }
    }

    /// The side table of review times of `docs`, in row order.
    fn side_table(docs: &[Document]) -> Vec<ReviewTimes> {
        let mut reviews: Vec<ReviewTimes> = docs
            .iter()
            .filter(|d| d.flags.contains(DocFlags::REVIEW_TIMES))
            .map(|d| ReviewTimes {
                at: d.at,
                reviewed_at: None,
                approved_at: None,
            })
            .collect();
        reviews.sort_by_key(|r| r.at);
        reviews
    }

    #[test]
    fn each_case_finds_its_review_times_grouped_or_scattered() {
        // Documents as (case, row, has review times), listed case by case in row order,
        // then with cases' rows apart.
        let grouped = "1 2 y, 1 3 n, 1 4 y, 0 5 n, 2 6 y, 2 7 y, 0 8 y";
        let scattered = "0 9 y, 2 2 y, 1 7 y, 0 3 y, 2 5 n, 1 4 y";
        let docs_of = |rows: &str| -> Vec<Document> {
            let mut docs: Vec<Document> = rows
                .split(", ")
                .map(|r| {
                    let f: Vec<&str> = r.split(' ').collect();
                    doc(f[0].parse().unwrap(), f[1].parse().unwrap(), f[2] == "y")
                })
                .collect();
            // As the index arranges them: each case's documents one run (the scattered
            // table sorted whole, so its runs are out of row order).
            arrange(&mut docs, 3, |d| Some(d.case), |d| (d.case, d.at));
            docs
        };
        for rows in [grouped, scattered] {
            let docs = docs_of(rows);
            let reviews = side_table(&docs);
            let spans = review_spans(&docs, &reviews, 3);
            for d in docs
                .iter()
                .filter(|d| d.flags.contains(DocFlags::REVIEW_TIMES))
            {
                let stretch = &reviews[span(&spans, d.case)];
                assert!(beside(stretch, d.at, |r| r.at).is_some(), "{:?}", { d.at });
            }
        }
        // Listed case by case in row order, each case's stretch holds its own rows only.
        let docs = docs_of(grouped);
        let spans = review_spans(&docs, &side_table(&docs), 3);
        assert_eq!(spans, [[4, 5], [0, 2], [2, 4]]);
    }

    #[test]
    fn a_case_split_by_an_unlinked_row_is_scattered() {
        let rows = vec![(Some(0), 1, 0), (None, 1, 1), (Some(0), 0, 2)];
        assert!(runs(&rows, 1, |r| r.0).is_none());
        let (after, by_case) = arranged(rows.clone(), 1);
        assert_eq!(by_case, expected(&rows, 1));
        assert_eq!(after[2].0, None);
    }
}
