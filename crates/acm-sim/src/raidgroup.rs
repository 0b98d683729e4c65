//! RAID groups and their drives: the power-saving operation of the manual's
//! Appendix D (Eco-mode), where the drives of a backup destination's group are
//! started before a backup and stopped after it.
//!
//! Every LUN lives on one RAID group; group 0 exists in every box and always
//! spins. An Eco-mode group's drives go `active` → (stop) `stopping` →
//! `stopped` → (start) `starting` → `active`. A stop is a schedule, not an
//! order: the group stays `stopping` while something keeps it busy (an OPC or
//! QuickOPC physical copy, an EC/REC copy, host access) and until it has been
//! idle for its delay; a group holding a Snap Data Volume or the Snap Data
//! Pool never stops, as Appendix D's note says. A stopped or starting group
//! answers NOT READY to host I/O and to copy sessions that need its drives.
//!
//! Transitions are computed from the clock at each catch-up
//! ([`Array::power_tick`]), like the copies, so they need no timer thread.

use crate::array::{Array, Bid, SimError};
use crate::state::{Drives, LunKind, Phase, RaidGroup, Session, Status};
use acm_scsi::model::CopyError;

/// How long drives take to spin up, unless the group says otherwise.
pub const DEFAULT_SPIN_UP_SECS: u64 = 3;
/// How long a group must be idle before a scheduled stop takes effect.
pub const DEFAULT_IDLE_DELAY_SECS: u64 = 2;
/// The longest spin-up time or idle delay a group may be given.
pub const MAX_SECS: u64 = 3600;

const NS: u64 = 1_000_000_000;

/// One RAID group as `acmsim raidgroup list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView {
    pub number: u32,
    pub eco: bool,
    pub drives: Drives,
    pub luns: Vec<u32>,
    /// What keeps a scheduled stop from taking effect now, if anything.
    pub kept_by: Option<String>,
}

fn invalid(why: String) -> SimError {
    SimError::Invalid(why)
}

/// Whether session `s` runs on its volumes now: a mirror that is active, or a
/// physical copy still to be done.
fn runs(s: &Session) -> bool {
    s.status == Status::Active
        && s.phase != Phase::Readying
        && (s.is_mirror() || !s.pending.is_empty())
}

impl Array {
    /// Creates RAID group `number` of box `bid`.
    pub fn raidgroup_create(
        &mut self,
        bid: &Bid,
        number: u32,
        eco: bool,
        spin_up_secs: u64,
        idle_delay_secs: u64,
    ) -> Result<(), SimError> {
        if number == 0 {
            return Err(invalid(
                "RAID group 0 exists in every box (its drives always spin)".into(),
            ));
        }
        if spin_up_secs > MAX_SECS || idle_delay_secs > MAX_SECS {
            return Err(invalid(format!(
                "a spin-up time or idle delay is at most {MAX_SECS} seconds"
            )));
        }
        let now = self.now_ns();
        let st = self.header_mut(bid)?;
        if st.raid_groups.contains_key(&number) {
            return Err(invalid(format!(
                "RAID group {number} of box {} already exists",
                st.name
            )));
        }
        st.raid_groups.insert(
            number,
            RaidGroup {
                eco,
                drives: Drives::Active,
                since_ns: now,
                spin_up_secs,
                idle_delay_secs,
            },
        );
        Ok(())
    }

    /// Refuses a group number box `bid` does not have.
    pub fn check_group(&self, bid: &Bid, number: u32) -> Result<(), SimError> {
        let st = self.st(bid)?;
        if number != 0 && !st.raid_groups.contains_key(&number) {
            return Err(invalid(format!(
                "box {} has no RAID group {number} (acmsim raidgroup create)",
                st.name
            )));
        }
        Ok(())
    }

    /// Places LUN `olu` on RAID group `number` (which must exist).
    pub fn set_lun_raidgroup(&mut self, bid: &Bid, olu: u32, number: u32) -> Result<(), SimError> {
        self.check_group(bid, number)?;
        self.lun_mut(bid, olu)?.raidgroup = number;
        Ok(())
    }

    /// Places the Snap Data Pool of box `bid` on RAID group `number`.
    pub fn set_pool_raidgroup(&mut self, bid: &Bid, number: u32) -> Result<(), SimError> {
        self.check_group(bid, number)?;
        self.header_mut(bid)?.pool_raidgroup = number;
        Ok(())
    }

    /// `storageadm spindle`: starts or schedules the stop of the drives of
    /// Eco-mode group `number`; returns their state once the request is taken.
    pub fn spindle(&mut self, bid: &Bid, number: u32, start: bool) -> Result<Drives, SimError> {
        let now = self.now_ns();
        let name = self.st(bid)?.name.clone();
        let Some(g) = self.st(bid)?.raid_groups.get(&number).cloned() else {
            return Err(if number == 0 {
                invalid("RAID group 0 is not an Eco-mode group: its drives always spin".into())
            } else {
                invalid(format!("box {name} has no RAID group {number}"))
            });
        };
        if !g.eco {
            return Err(invalid(format!(
                "RAID group {number} of box {name} is not an Eco-mode group: its drives always spin"
            )));
        }
        let (drives, since_ns) = match (start, g.drives) {
            // A stop not yet taken effect is cancelled: the drives still spin.
            (true, Drives::Active | Drives::Stopping) => (Drives::Active, now),
            (true, Drives::Starting) => (Drives::Starting, g.since_ns),
            (true, Drives::Stopped) => (
                Drives::Starting,
                now.saturating_add(g.spin_up_secs.saturating_mul(NS)),
            ),
            (false, Drives::Stopped) => (Drives::Stopped, g.since_ns),
            (false, Drives::Stopping) => (Drives::Stopping, g.since_ns),
            (false, Drives::Active | Drives::Starting) => (Drives::Stopping, now),
        };
        if let Some(t) = self.header_mut(bid)?.raid_groups.get_mut(&number) {
            t.drives = drives;
            t.since_ns = since_ns;
        }
        self.power_tick();
        Ok(self.st(bid)?.raid_groups[&number].drives)
    }

    /// Every RAID group of box `bid`, group 0 first, with its LUNs.
    pub fn raidgroups(&self, bid: &Bid) -> Result<Vec<GroupView>, SimError> {
        let st = self.st(bid)?;
        let luns_of = |n: u32| -> Vec<u32> {
            st.luns
                .iter()
                .filter(|(_, l)| l.raidgroup == n)
                .map(|(olu, _)| *olu)
                .collect()
        };
        let mut v = vec![GroupView {
            number: 0,
            eco: false,
            drives: Drives::Active,
            luns: luns_of(0),
            kept_by: None,
        }];
        for (n, g) in &st.raid_groups {
            v.push(GroupView {
                number: *n,
                eco: g.eco,
                drives: g.drives,
                luns: luns_of(*n),
                kept_by: (g.drives == Drives::Stopping)
                    .then(|| self.kept_by(bid, *n))
                    .flatten(),
            });
        }
        Ok(v)
    }

    /// The drive state of the group LUN `olu` lives on.
    fn drives_of(&self, bid: &Bid, olu: u32) -> Option<Drives> {
        let st = self.state(bid)?;
        let n = st.luns.get(&olu)?.raidgroup;
        Some(st.raid_groups.get(&n).map_or(Drives::Active, |g| g.drives))
    }

    /// NOT READY when LUN `olu`'s drives are stopped or still starting.
    pub(crate) fn check_ready(&self, bid: &Bid, olu: u32) -> Result<(), CopyError> {
        match self.drives_of(bid, olu) {
            Some(Drives::Stopped) => Err(CopyError::DrivesStopped),
            Some(Drives::Starting) => Err(CopyError::DrivesStarting),
            _ => Ok(()),
        }
    }

    /// Both volumes of a session must be ready for it to copy.
    pub(crate) fn check_session_ready(&self, s: &Session) -> Result<(), CopyError> {
        self.check_ready(&s.src.box_id, s.src.olu)?;
        self.check_ready(&s.dst.box_id, s.dst.olu)
    }

    /// Host access to LUN `olu`: a group with a stop scheduled counts its idle
    /// delay from now (written at most every tenth of the delay, so a stream of
    /// I/O does not rewrite the box at every command).
    pub(crate) fn note_access(&mut self, bid: &Bid, olu: u32) {
        if self.drives_of(bid, olu) != Some(Drives::Stopping) {
            return;
        }
        let now = self.now_ns();
        let Some(n) = self
            .state(bid)
            .and_then(|st| st.luns.get(&olu))
            .map(|l| l.raidgroup)
        else {
            return;
        };
        self.keep_busy(bid, n, now);
    }

    fn keep_busy(&mut self, bid: &Bid, n: u32, now: u64) {
        let Some(g) = self.state(bid).and_then(|st| st.raid_groups.get(&n)) else {
            return;
        };
        let step = (g.idle_delay_secs.saturating_mul(NS) / 10).min(NS);
        if now.saturating_sub(g.since_ns) >= step.max(1) {
            if let Ok(st) = self.header_mut(bid) {
                if let Some(g) = st.raid_groups.get_mut(&n) {
                    g.since_ns = now;
                }
            }
        }
    }

    /// What keeps group `n` of box `bid` from stopping now.
    fn kept_by(&self, bid: &Bid, n: u32) -> Option<String> {
        let st = self.state(bid)?;
        let on_group = |olu: u32| st.luns.get(&olu).is_some_and(|l| l.raidgroup == n);
        if let Some((olu, _)) = st
            .luns
            .iter()
            .find(|(_, l)| l.raidgroup == n && matches!(l.kind, LunKind::Sdv(_)))
        {
            return Some(format!("Snap Data Volume {olu}"));
        }
        if st.pool_raidgroup == n && st.pool.capacity_bytes > 0 {
            return Some("the Snap Data Pool".into());
        }
        for k in self.all_sessions() {
            let Ok(s) = self.sess(&k) else { continue };
            let touches = [s.src, s.dst]
                .iter()
                .any(|e| e.box_id == *bid && on_group(e.olu));
            if touches && runs(s) {
                let what = if s.is_mirror() {
                    "copy"
                } else {
                    "physical copy"
                };
                return Some(format!("session {} ({:?} {what})", k.1, s.kind));
            }
        }
        None
    }

    /// Moves every group whose time has come: a spin-up that is over, a
    /// scheduled stop whose group has been idle for its delay. Runs at each
    /// catch-up, after the copies have moved.
    pub(crate) fn power_tick(&mut self) {
        let now = self.now_ns();
        // Most boxes have no group on the move: nothing is collected for them
        // (this runs at every request).
        let moving_boxes: Vec<Bid> = self
            .boxes
            .iter()
            .filter(|(_, b)| {
                b.state
                    .raid_groups
                    .values()
                    .any(|g| matches!(g.drives, Drives::Starting | Drives::Stopping))
            })
            .map(|(bid, _)| *bid)
            .collect();
        for bid in moving_boxes {
            let Some(st) = self.state(&bid) else { continue };
            let moving: Vec<(u32, RaidGroup)> = st
                .raid_groups
                .iter()
                .filter(|(_, g)| matches!(g.drives, Drives::Starting | Drives::Stopping))
                .map(|(n, g)| (*n, g.clone()))
                .collect();
            for (n, g) in moving {
                let next = match g.drives {
                    Drives::Starting if now >= g.since_ns => Some(Drives::Active),
                    Drives::Stopping => {
                        if self.kept_by(&bid, n).is_some() {
                            self.keep_busy(&bid, n, now);
                            None
                        } else if now >= g.since_ns.saturating_add(g.idle_delay_secs * NS) {
                            Some(Drives::Stopped)
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                if let Some(d) = next {
                    if let Ok(st) = self.header_mut(&bid) {
                        if let Some(t) = st.raid_groups.get_mut(&n) {
                            t.drives = d;
                            t.since_ns = now;
                        }
                    }
                }
            }
        }
    }
}
