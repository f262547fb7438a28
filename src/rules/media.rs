//! Audio-video records (音像记录): V01–V07.

use super::deadline::{due, lateness, zh_late};
use super::*;
use crate::fixity::Fixity;
use crate::profile::{Duty, Label};

/// Activity kinds whose missing footage T03/T05 report instead of V01.
fn is_service_activity(k: ActivityKind) -> bool {
    matches!(
        k,
        ActivityKind::ServiceAtPremises | ActivityKind::ServiceByNotice
    )
}

/// V01 应录未录.
///
/// **Checks** each activity the profile's filming table covers (`full`, `yes`, `should`;
/// jinpu-justice's 询问/调取证据 only in 行政处罚 cases): it has footage by the one linkage
/// (活动编号, or same 案号 and overlapping time). A written 未录像说明 excuses a `should`
/// activity, and a `yes` activity where the profile allows it (district-2018 第十三条);
/// nothing excuses a `full` one. 留置送达/公告送达 activities are T03/T05's.
///
/// **Why**: the filming duties of each text (see RULES.md's filming table). A `full`
/// activity never filmed (seizure, demolition, restraint) is a 一票否决 item.
///
/// **Example**: 扣押 activity 2024-03-05 09:00–10:00 with no footage → 违规, veto.
pub static V01: RuleDef = RuleDef {
    code: "V01",
    title: "应录未录",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[(Table::Activities, "kind"), (Table::Media, "started_at")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for (i, a) in cx.activities.iter().enumerate() {
            let Some(kind) = a.kind else { continue };
            if is_service_activity(kind) {
                continue;
            }
            let Some(f) = cx.profile.duty(kind, cx.case.category) else {
                continue;
            };
            if cx.footage(i).next().is_some() {
                continue;
            }
            let excused = match f.duty {
                Duty::Full => false,
                Duty::Yes => cx.profile.scope.no_film_reason_excuses && a.has_no_av_reason,
                Duty::Should => a.has_no_av_reason,
            };
            if excused {
                continue;
            }
            let duty = match f.duty {
                Duty::Full => "应全程音像记录",
                Duty::Yes => "应音像记录",
                Duty::Should => "宜音像记录",
            };
            out.push_with(
                cx.text(a.activity_id),
                format_args!(
                    "{}活动（{} 至 {}）{}，无音像记录{}",
                    kind.zh(),
                    show(a.started_at),
                    show(a.ended_at),
                    duty,
                    if a.has_no_av_reason {
                        "（未录像说明不能免除此项）"
                    } else {
                        "，也无未录像说明"
                    }
                ),
                f.duty.severity(),
                f.article.clone(),
            );
            if f.duty == Duty::Full {
                out.veto_last();
            }
        }
    }),
    check_bundle: None,
};

/// A stretch of an activity not covered by footage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gap {
    from: Stamp,
    to: Stamp,
}

impl Gap {
    fn seconds(&self) -> i64 {
        self.to.seconds() - self.from.seconds()
    }
}

/// Unexcused gaps of `full` footage inside [start, end]: merge all segments (all devices),
/// sorted by start; a gap longer than `tol` seconds is excused only when the segment that
/// resumes after it carries a 中断原因说明; a missing tail (early end) is never excused.
/// O(n log n) in the number of segments. All are stamps with a time of day, which order as
/// their instants: the footage of a province-year's millions of activities is compared as
/// packed numbers, and sorted in place.
fn coverage_gaps(
    start: Stamp,
    end: Stamp,
    segs: &mut [(Stamp, Stamp, bool)],
    tol: i64,
) -> Vec<Gap> {
    segs.sort_unstable();
    let mut gaps = Vec::new();
    let mut cursor = start;
    for &(s, e, explained) in &*segs {
        let (s, e) = (s.max(start), e.min(end));
        if e < s {
            continue;
        }
        if s.seconds() - cursor.seconds() > tol && !explained {
            gaps.push(Gap {
                from: cursor,
                to: s,
            });
        }
        cursor = cursor.max(e);
    }
    if end.seconds() - cursor.seconds() > tol {
        gaps.push(Gap {
            from: cursor,
            to: end,
        });
    }
    gaps
}

/// V02 执法记录仪录像中断.
///
/// **Checks** each `full` activity that has footage: the union of its footage from every
/// device covers [开始时间, 结束时间] with no gap longer than the tolerance (profile
/// `gap_tolerance_seconds`, default 60 s; a gap of exactly the tolerance is not a gap),
/// no late start and no early end. A gap (or late start) is excused when the footage that
/// resumes after it carries a 中断原因说明. Activities with no footage are V01's.
///
/// **Why**: full-process filming may not be interrupted without explanation
/// (000:第十五条/第三十条, 001:第十八条/第十九条, 002:第八条, 003:第七条, 004:第十九条/第二十二条).
///
/// **Example**: 扣押 09:00–10:00, footage 09:00–09:20 and 09:25–10:00, no 中断原因说明 →
/// finding naming the 5-minute gap.
pub static V02: RuleDef = RuleDef {
    code: "V02",
    title: "执法记录仪录像中断",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[
        (Table::Activities, "started_at"),
        (Table::Activities, "ended_at"),
        (Table::Media, "started_at"),
        (Table::Media, "ended_at"),
    ],
    profile_needs: |_| vec![vec![(Table::Media, "resume_reason")]],
    precondition: None,
    check_case: Some(|cx, out| {
        let tol = i64::from(cx.profile.deadlines.gap_tolerance_seconds);
        let mut segs = Vec::new();
        for (i, a) in cx.activities.iter().enumerate() {
            let Some(kind) = a.kind else { continue };
            let full = cx
                .profile
                .duty(kind, cx.case.category)
                .is_some_and(|f| f.duty == Duty::Full);
            if !full {
                continue;
            }
            let (Some(s), Some(e)) = (a.started_at, a.ended_at) else {
                continue;
            };
            if s.date_only() || e.date_only() || e.seconds() < s.seconds() {
                continue;
            }
            segs.clear();
            segs.extend(
                cx.footage(i)
                    .filter_map(|m| match (m.started_at, m.ended_at) {
                        (Some(ms), Some(me)) if !ms.date_only() && !me.date_only() => {
                            Some((ms, me, m.flags.contains(MediaFlags::RESUME_REASON)))
                        }
                        _ => None,
                    }),
            );
            if segs.is_empty() {
                continue;
            }
            let gaps = coverage_gaps(s, e, &mut segs, tol);
            if gaps.is_empty() {
                continue;
            }
            let total: i64 = gaps.iter().map(Gap::seconds).sum();
            let shown: Vec<String> = gaps
                .iter()
                .take(3)
                .map(|g| {
                    let what = if g.from == s {
                        "开始晚于到场"
                    } else if g.to == e {
                        "结束早于离场"
                    } else {
                        "中断"
                    };
                    format!(
                        "{what} {}–{}（{}）",
                        g.from.at().format("%H:%M:%S"),
                        g.to.at().format("%H:%M:%S"),
                        zh_duration(g.seconds())
                    )
                })
                .collect();
            out.push(
                cx.text(a.activity_id),
                format_args!(
                    "{}活动 {} 至 {}，录像未覆盖 {} 处共 {}：{}{}，且无中断原因说明",
                    kind.zh(),
                    s,
                    e,
                    gaps.len(),
                    zh_duration(total),
                    shown.join("；"),
                    if gaps.len() > 3 { "等" } else { "" }
                ),
            );
        }
    }),
    check_bundle: None,
};

/// The storage check of one footage row, with the remote exception when its activity had one.
fn check_storage(
    run: &RunCx<'_>,
    p: &Profile,
    m: &Media,
    remote_from: Option<Stamp>,
    out: &mut Emit<'_>,
) {
    let (Some(end), Some(stored)) = (m.ended_at, m.stored_at) else {
        return;
    };
    let d = &p.deadlines;
    // The remote exception applies when the activity had one and the profile has it.
    let remote = remote_from.zip(d.remote_storage_hours);
    let (deadline, from) = match remote {
        Some((ret, h)) => (
            crate::profile::Deadline {
                n: h,
                unit: crate::profile::Unit::Hours,
            },
            ret,
        ),
        None => (d.storage, end),
    };
    let limit = match due(from, &deadline, run.calendar, d.extend_over_holiday) {
        Ok(x) => x,
        Err(y) => return out.missing(y),
    };
    let late = lateness(stored, limit);
    if late > 0 {
        // Worded only for the late rows (millions of footage rows are on time).
        let subject = run.bundle.text(m.media_id);
        let by = zh_late(late, &deadline);
        match remote {
            Some((ret, h)) => out.push(
                subject,
                format_args!(
                    "返回单位时间 {ret}，入库时间 {stored}，超过返回单位后 {h} 小时入库期限 {by}"
                ),
            ),
            None => out.push(
                subject,
                format_args!(
                    "录像结束于 {end}，入库时间 {stored}，超过{}入库期限 {by}",
                    deadline.zh()
                ),
            ),
        }
        out.dated(m.started_at);
    }
}

/// V03 音像记录逾期入库.
///
/// **Checks** each footage row: 入库时间 is no later than the profile's storage deadline after
/// the recording ended (24 h; henan-2019 the same day; pingluo-veterans 2 working days).
/// Where the profile has the remote exception and the activity is 偏远或异地 with a
/// 返回单位时间, the deadline is that time + 24 h instead. A date-only 入库时间 means the end of
/// that day; stored at exactly the deadline is on time.
///
/// **Why**: 000:第三十二条, 001:第二十二条, 002:第九条, 003:第二十一条, 004:第二十三条.
///
/// **Example**: recording ended 2024-03-05 10:00, stored 2024-03-06 10:01 under a 24 h
/// profile → finding (1 分钟); stored 2024-03-06 10:00 → none.
pub static V03: RuleDef = RuleDef {
    code: "V03",
    title: "音像记录逾期入库",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Media, "ended_at"), (Table::Media, "stored_at")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let b = cx.run.bundle;
        // The footage of the case's remote activities with their return times: few, and
        // none in most cases, so looked through rather than hashed for every row. Footage
        // that overlaps several activities takes the last one's (searched from the end).
        let mut remote: Vec<(u32, Stamp)> = Vec::new();
        for (i, a) in cx.activities.iter().enumerate() {
            if let (true, Some(ret)) = (a.remote, a.returned_at) {
                remote.extend(
                    b.index
                        .footage_of(cx.activity_offset + i)
                        .iter()
                        .map(|&mi| (mi, ret)),
                );
            }
        }
        let base = b.index.media(cx.ix).start;
        for (k, m) in cx.media.iter().enumerate() {
            let mi = (base + k) as u32;
            let from = remote
                .iter()
                .rev()
                .find(|(r, _)| *r == mi)
                .map(|(_, ret)| *ret);
            check_storage(cx.run, cx.profile, m, from, out);
        }
    }),
    check_bundle: Some(|bx, out| {
        let b = bx.run.bundle;
        for m in b.unlinked_media() {
            check_storage(bx.run, bx.profile, m, None, out);
        }
    }),
};

/// Does footage carry a label? `activity_place` is the linked activity's 地点.
fn has_label(m: &Media, column: &str, activity_place: bool) -> bool {
    match column {
        "case_no" => m.case.is_some(),
        "party" => m.flags.contains(MediaFlags::PARTY),
        "handler" => m.flags.contains(MediaFlags::HANDLER),
        "device_id" => m.flags.contains(MediaFlags::DEVICE),
        "officers" => m.flags.contains(MediaFlags::OFFICERS),
        "started_at" => m.started_at.is_some(),
        "maker" => m.flags.contains(MediaFlags::MAKER),
        "maker_or_officers" => m.flags.intersects(MediaFlags::MAKER | MediaFlags::OFFICERS),
        "proves" => m.flags.contains(MediaFlags::PROVES),
        "method" => m.flags.contains(MediaFlags::METHOD),
        "place" => m.flags.contains(MediaFlags::PLACE) || activity_place,
        _ => true,
    }
}

/// The columns a label needs (any one of the alternatives).
fn label_needs(labels: &[Label]) -> Vec<Vec<Need>> {
    labels
        .iter()
        .map(|l| match l.column.as_str() {
            "case_no" => vec![(Table::Media, "case_no")],
            "party" => vec![(Table::Media, "party")],
            "handler" => vec![(Table::Media, "handler")],
            "device_id" => vec![(Table::Media, "device_id")],
            "officers" => vec![(Table::Media, "officers")],
            "started_at" => vec![(Table::Media, "started_at")],
            "maker" => vec![(Table::Media, "maker")],
            "maker_or_officers" => vec![(Table::Media, "maker"), (Table::Media, "officers")],
            "proves" => vec![(Table::Media, "proves")],
            "method" => vec![(Table::Media, "method")],
            _ => vec![(Table::Media, "place"), (Table::Activities, "place")],
        })
        .collect()
}

fn missing_labels<'l>(labels: &'l [Label], m: &Media, activity_place: bool) -> Vec<&'l str> {
    labels
        .iter()
        .filter(|l| !has_label(m, &l.column, activity_place))
        .map(|l| l.label.as_str())
        .collect()
}

/// Media rows of a case that sit in an activity with a 地点.
fn placed_media(cx: &CaseCx<'_>) -> foldhash::HashSet<u32> {
    let b = cx.run.bundle;
    let mut s = foldhash::HashSet::default();
    for (i, a) in cx.activities.iter().enumerate() {
        if a.has_place {
            s.extend(b.index.footage_of(cx.activity_offset + i).iter().copied());
        }
    }
    s
}

/// V04 音像记录未关联案件或标注不全.
///
/// **Checks** that footage is linked to a case and carries the labels the profile requires
/// (jinpu-justice 第二十一条: 案号, 当事人, 承办人; lingshou-approval 第二十七条: 设备编号, 执法人员,
/// 时间, 当事人, 案号). Footage with a blank 案号 is reported under （未关联案件）. pingluo-veterans
/// checks the link only (its 第七条 labels are V07's).
///
/// **Why**: unlabelled footage cannot be found or used (002:第七条, 003:第二十一条, 004:第二十七条).
///
/// **Example**: footage with 案号 blank → finding; jinpu footage without 承办人 → finding.
pub static V04: RuleDef = RuleDef {
    code: "V04",
    title: "音像记录未关联案件或标注不全",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Media, "case_no")],
    profile_needs: |p| label_needs(&p.labels.v04),
    precondition: None,
    check_case: Some(|cx, out| {
        let labels = &cx.profile.labels.v04;
        if labels.is_empty() {
            return;
        }
        for m in cx.media {
            let miss = missing_labels(labels, m, false);
            if !miss.is_empty() {
                out.push(
                    cx.text(m.media_id),
                    format_args!("音像记录缺少标注：{}", miss.join("、")),
                );
                out.dated(m.started_at);
            }
        }
    }),
    check_bundle: Some(|bx, out| {
        let b = bx.run.bundle;
        for m in b.unlinked_media() {
            if m.flags.contains(MediaFlags::UNKNOWN_CASE) {
                continue;
            }
            let miss: Vec<&str> = missing_labels(&bx.profile.labels.v04, m, false)
                .into_iter()
                .filter(|l| *l != "案号")
                .collect();
            let extra = if miss.is_empty() {
                String::new()
            } else {
                format!("，并缺少标注：{}", miss.join("、"))
            };
            out.push(
                b.text(m.media_id),
                format_args!(
                    "音像记录（{} 至 {}）未关联案件{extra}",
                    show(m.started_at),
                    show(m.ended_at)
                ),
            );
            out.dated(m.started_at);
        }
    }),
};

/// V05 未作开场语音说明.
///
/// **Checks** the first footage (earliest 开始时间) of each activity that has footage:
/// 开场语音说明 = 是 (blank counts as no). Subject: that footage's 文件编号.
///
/// **Why**: filming starts by stating time, place, officers, the act and that it is filmed
/// (001:第十八条, 002:第八条, 004:第二十五条).
///
/// **Example**: 现场检查 whose first file has 开场语音说明 blank → finding.
pub static V05: RuleDef = RuleDef {
    code: "V05",
    title: "未作开场语音说明",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[(Table::Media, "opening_statement")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for (i, a) in cx.activities.iter().enumerate() {
            let first = cx
                .footage(i)
                .min_by_key(|m| (m.started_at.map(|s| s.seconds()), m.at));
            if let Some(m) = first {
                if !m.flags.contains(MediaFlags::OPENING_STATEMENT) {
                    out.push(
                        cx.text(m.media_id),
                        format_args!(
                            "{}活动（{}）的首段录像 {} 未作开场语音说明",
                            a.kind.map(|k| k.zh()).unwrap_or(""),
                            cx.text(a.activity_id),
                            cx.text(m.media_id)
                        ),
                    );
                    out.dated(m.started_at);
                }
            }
        }
    }),
    check_bundle: None,
};

fn fixity_finding(out: &mut Emit<'_>, texts: &Texts, m: &Media, f: &Fixity) {
    let detail = match f {
        Fixity::Missing(p) => format!("音像文件缺失：{}", p.display()),
        Fixity::SizeDiffers { expected, actual } => {
            format!("文件大小与索引不符：索引 {expected} 字节，实际 {actual} 字节")
        }
        Fixity::HashDiffers { expected, actual } => {
            format!("SHA-256 与索引不符（疑被剪接或删改）：索引 {expected}，实际 {actual}")
        }
        Fixity::NotChecked | Fixity::Intact => return,
    };
    out.push(texts.get(m.media_id), detail);
    out.dated(m.started_at);
    out.veto_last();
}

/// V06 音像文件缺失或被改动.
///
/// **Checks**, when `--media-root` is given, each footage file at its 存储位置: it exists, its
/// size equals 文件大小 and its SHA-256 equals 哈希值 (where the index gives them). Hashing
/// streams each file in blocks, files in parallel.
///
/// **Why**: footage must not be lost, cut or altered (000:第三十七条, 001:第二十四条,
/// 003:第二十六条, 004:第二十九条). A 一票否决 item.
///
/// **Example**: index says 1,048,576 bytes, the file has 1,000,000 → finding.
pub static V06: RuleDef = RuleDef {
    code: "V06",
    title: "音像文件缺失或被改动",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Media, "location")],
    profile_needs: no_profile_needs,
    precondition: Some(|run| {
        run.fixity
            .is_none()
            .then_some("未提供 --media-root，未核验音像文件")
    }),
    check_case: Some(|cx, out| {
        let Some(fx) = cx.run.fixity else { return };
        let base = cx.run.bundle.index.media(cx.ix).start;
        for (k, m) in cx.media.iter().enumerate() {
            fixity_finding(out, cx.texts(), m, &fx[base + k]);
        }
    }),
    check_bundle: Some(|bx, out| {
        let Some(fx) = bx.run.fixity else { return };
        let b = bx.run.bundle;
        for &k in b.index.unlinked_media() {
            let k = k as usize;
            fixity_finding(out, &b.texts, &b.media[k], &fx[k]);
        }
    }),
};

/// V07 证据用音像缺少说明.
///
/// **Checks** that footage used as evidence (证据用途 = 是) carries the labels the profile
/// lists (henan-2019 第二十三条: 取证人员, 取证时间, 取证地点; pingluo-veterans 第七条: 制作方法,
/// 制作时间, 制作人, 证明对象; lingshou-approval 第二十八条: 事项, 时间, 地点, 方式, 执法人员).
/// 地点 may come from the linked activity; 取证人员 from 制作人 or 执法人员.
///
/// **Why**: evidence footage must say who made it, when, where, how and what it proves.
///
/// **Example**: evidence footage under pingluo-veterans without 证明对象 → finding.
pub static V07: RuleDef = RuleDef {
    code: "V07",
    title: "证据用音像缺少说明",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[(Table::Media, "evidence")],
    profile_needs: |p| label_needs(&p.labels.v07),
    precondition: None,
    check_case: Some(|cx, out| {
        let labels = &cx.profile.labels.v07;
        if labels.is_empty() {
            return;
        }
        let placed = placed_media(cx);
        let base = cx.run.bundle.index.media(cx.ix).start;
        for (k, m) in cx
            .media
            .iter()
            .enumerate()
            .filter(|(_, m)| m.flags.contains(MediaFlags::EVIDENCE))
        {
            let miss = missing_labels(labels, m, placed.contains(&((base + k) as u32)));
            if !miss.is_empty() {
                out.push(
                    cx.text(m.media_id),
                    format_args!("作为证据使用的音像记录缺少说明：{}", miss.join("、")),
                );
                out.dated(m.started_at);
            }
        }
    }),
    check_bundle: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn t(s: &str) -> Stamp {
        Stamp::time(
            NaiveDateTime::parse_from_str(&format!("2024-03-05 {s}"), "%Y-%m-%d %H:%M:%S").unwrap(),
        )
    }

    #[test]
    fn gap_of_exactly_the_tolerance_is_not_a_gap() {
        let g = coverage_gaps(
            t("09:00:00"),
            t("10:00:00"),
            &mut [
                (t("09:00:00"), t("09:20:00"), false),
                (t("09:21:00"), t("10:00:00"), false),
            ],
            60,
        );
        assert!(g.is_empty());
        let g = coverage_gaps(
            t("09:00:00"),
            t("10:00:00"),
            &mut [
                (t("09:00:00"), t("09:20:00"), false),
                (t("09:21:01"), t("10:00:00"), false),
            ],
            60,
        );
        assert_eq!(g.len(), 1);
    }

    #[test]
    fn overlapping_devices_cover_each_other_and_explained_gaps_pass() {
        let segs = &mut [
            (t("09:00:00"), t("09:30:00"), false),
            (t("09:10:00"), t("09:50:00"), false),
            (t("09:55:00"), t("10:00:00"), true),
        ];
        assert!(coverage_gaps(t("09:00:00"), t("10:00:00"), segs, 60).is_empty());
    }

    #[test]
    fn late_start_and_early_end() {
        let g = coverage_gaps(
            t("09:00:00"),
            t("10:00:00"),
            &mut [(t("09:05:00"), t("09:50:00"), false)],
            60,
        );
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].from, t("09:00:00"));
        assert_eq!(g[1].to, t("10:00:00"));
    }
}
