//! `acmsim show`: the whole simulated array at a glance, as tables
//! (every box's LUNs with the host disks on them, then every copy session
//! with its progress) or as an SVG picture (`--svg FILE`): one column per box,
//! one row per LUN, one arrow per session labelled with its type, state and
//! percent.

use acm_core::size::format_size;
use acm_host::Host;
use acm_scsi::model as m;
use acm_sim::state::LunKind;
use acm_sim::{Array, Bid};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One LUN as the picture shows it.
struct LunRow {
    olu: u32,
    size: u64,
    kind: &'static str,
    /// Host devices on it (`/dev/hdisk1`, with its Linux device for a block disk).
    host: String,
}

/// One session: who copies what to where, how far.
struct SessionRow {
    owner: String,
    id: u32,
    kind: &'static str,
    src: (String, u32),
    dst: (String, u32),
    state: String,
    percent: u64,
}

/// What `show` draws, read once from the array and the host.
pub struct Picture {
    boxes: Vec<(String, Vec<LunRow>)>,
    sessions: Vec<SessionRow>,
}

fn kind_word(k: &LunKind) -> &'static str {
    match k {
        LunKind::Standard => "standard",
        LunKind::Access => "access",
        LunKind::Sdv(_) => "sdv",
    }
}

fn copy_word(k: m::CopyKind) -> &'static str {
    match k {
        m::CopyKind::Opc => "OPC",
        m::CopyKind::QuickOpc => "QuickOPC",
        m::CopyKind::SnapOpc => "SnapOPC",
        m::CopyKind::SnapOpcPlus => "SnapOPC+",
        m::CopyKind::Ec => "EC",
        m::CopyKind::Rec => "REC",
    }
}

fn state_word(s: &m::SessionInfo) -> String {
    let phase = match s.phase {
        m::Phase::Readying => "readying",
        m::Phase::Copying => "copying",
        m::Phase::Tracking => "tracking",
        m::Phase::TrackingCopying => "copying+tracking",
        m::Phase::CopyOnWrite => "copy-on-write",
        m::Phase::Equivalent => "equivalent",
    };
    match s.status {
        m::Status::Active => phase.to_string(),
        m::Status::Suspended => format!("{phase}, suspended"),
        m::Status::ErrorSuspend(_) => format!("{phase}, failed"),
        m::Status::Halt(_) => format!("{phase}, halted"),
    }
}

impl Picture {
    pub fn read(a: &Array, host: &Host) -> Result<Picture, acm_sim::SimError> {
        let mut on_lun: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
        for (dev, d) in &host.disks {
            let name = match &d.block {
                Some(b) => format!("{dev} ({b})"),
                None => dev.clone(),
            };
            on_lun
                .entry((d.box_id.clone(), d.olu))
                .or_default()
                .push(name);
        }
        let name_of = |b: &Bid| {
            a.state(b)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| m::BoxId(*b).to_string())
        };
        let mut boxes = Vec::new();
        let mut sessions: Vec<SessionRow> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut ids: Vec<Bid> = a.box_ids();
        ids.sort_by_key(|b| name_of(b));
        for bid in ids {
            let Some(st) = a.state(&bid) else { continue };
            let box_id = m::BoxId(bid).as_str().to_string();
            let mut luns = Vec::new();
            for (olu, l) in &st.luns {
                luns.push(LunRow {
                    olu: *olu,
                    size: l.size_bytes,
                    kind: kind_word(&l.kind),
                    host: on_lun
                        .get(&(box_id.clone(), *olu))
                        .map(|v| v.join(", "))
                        .unwrap_or_default(),
                });
                for s in a.session_infos(&bid, *olu)? {
                    if !seen.insert((s.owner, s.id)) {
                        continue;
                    }
                    let percent = ((s.total_grains - s.pending_grains) * 100)
                        .checked_div(s.total_grains)
                        .unwrap_or(100);
                    sessions.push(SessionRow {
                        owner: name_of(&s.owner.0),
                        id: s.id,
                        kind: copy_word(s.kind),
                        src: (name_of(&s.src.box_id.0), s.src.olu),
                        dst: (name_of(&s.dst.box_id.0), s.dst.olu),
                        state: state_word(&s),
                        percent,
                    });
                }
            }
            boxes.push((st.name.clone(), luns));
        }
        Ok(Picture { boxes, sessions })
    }

    /// The two tables.
    pub fn text(&self) -> String {
        let mut rows = Vec::new();
        for (name, luns) in &self.boxes {
            for l in luns {
                rows.push(vec![
                    name.clone(),
                    l.olu.to_string(),
                    format_size(l.size).replace(' ', ""),
                    l.kind.to_string(),
                    if l.host.is_empty() {
                        "----".to_string()
                    } else {
                        l.host.clone()
                    },
                ]);
            }
        }
        let mut out = acm_core::table::table(&["Box", "OLU", "Size", "Kind", "Host"], &rows);
        out.push('\n');
        let rows: Vec<Vec<String>> = self
            .sessions
            .iter()
            .map(|s| {
                vec![
                    format!("{}#{}", s.owner, s.id),
                    s.kind.to_string(),
                    format!("{}:{}", s.src.0, s.src.1),
                    format!("{}:{}", s.dst.0, s.dst.1),
                    s.state.clone(),
                    format!("{}%", s.percent),
                ]
            })
            .collect();
        out.push_str(&acm_core::table::table(
            &[
                "Session",
                "Type",
                "Source",
                "Destination",
                "State",
                "Copied",
            ],
            &rows,
        ));
        out
    }

    /// The picture as an SVG document.
    pub fn svg(&self) -> String {
        const BOX_W: i64 = 320;
        const GAP: i64 = 160;
        const ROW: i64 = 40;
        const TOP: i64 = 70;
        let rows = self.boxes.iter().map(|(_, l)| l.len()).max().unwrap_or(0) as i64;
        let width = 40 + self.boxes.len().max(1) as i64 * (BOX_W + GAP);
        let height = TOP + rows.max(1) * ROW + 60;
        let mut at: BTreeMap<(String, u32), (i64, i64)> = BTreeMap::new();
        let mut s = String::new();
        let _ = writeln!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">"##
        );
        s.push_str(
            r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
"##,
        );
        for (i, (name, luns)) in self.boxes.iter().enumerate() {
            let x = 40 + i as i64 * (BOX_W + GAP);
            let h = luns.len().max(1) as i64 * ROW + 30;
            let _ = writeln!(
                s,
                r##"<rect x="{x}" y="30" width="{BOX_W}" height="{h}" rx="8" fill="#eef3fb" stroke="#34495e" stroke-width="2"/><text x="{}" y="22" font-weight="bold" font-size="15">{}</text>"##,
                x + 4,
                esc(name)
            );
            for (j, l) in luns.iter().enumerate() {
                let y = TOP + j as i64 * ROW - 30;
                let fill = match l.kind {
                    "sdv" => "#fdebd0",
                    "access" => "#e8e8e8",
                    _ => "#d6eaf8",
                };
                let _ = writeln!(
                    s,
                    r##"<rect x="{}" y="{y}" width="{}" height="{}" rx="4" fill="{fill}" stroke="#2e86c1"/><text x="{}" y="{}">{} · {} · {}{}</text>"##,
                    x + 10,
                    BOX_W - 20,
                    ROW - 8,
                    x + 18,
                    y + 20,
                    l.olu,
                    esc(&format_size(l.size)),
                    l.kind,
                    if l.host.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", esc(&l.host))
                    }
                );
                at.insert((name.clone(), l.olu), (x, y + (ROW - 8) / 2));
            }
        }
        for (k, sn) in self.sessions.iter().enumerate() {
            let (Some(&(sx, sy)), Some(&(dx, dy))) = (at.get(&sn.src), at.get(&sn.dst)) else {
                continue;
            };
            let label = esc(&format!("{} {}, {}%", sn.kind, sn.state, sn.percent));
            let path = if sx == dx {
                // Within one box: a bow out of its right side.
                let (x0, bow) = (sx + BOX_W - 10, 50 + (k as i64 % 3) * 20);
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" fill="#c0392b">{label}</text>"##,
                    x0 + bow + 4,
                    (sy + dy) / 2 + 4
                );
                format!("M{x0},{sy} C{},{sy} {},{dy} {x0},{dy}", x0 + bow, x0 + bow)
            } else {
                let (x0, x1) = if dx > sx {
                    (sx + BOX_W - 10, dx + 10)
                } else {
                    (sx + 10, dx + BOX_W - 10)
                };
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" fill="#c0392b" text-anchor="middle">{label}</text>"##,
                    (x0 + x1) / 2,
                    (sy + dy) / 2 - 6
                );
                format!("M{x0},{sy} L{x1},{dy}")
            };
            let _ = writeln!(
                s,
                r##"<path d="{path}" fill="none" stroke="#c0392b" stroke-width="2" marker-end="url(#arrow)"/>"##
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

/// XML text escapes.
fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
