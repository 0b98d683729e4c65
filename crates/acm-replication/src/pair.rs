//! What an operation command works on: a pair of the list in one direction.
//!
//! `fromVolumeName toVolumeName` may name a pair as original → replica (the
//! regular direction) or replica → original (the reverse direction: a restore);
//! `-Xgroup` names every pair of a group, in list order, regular unless
//! `-Xreverse`. A [`Target`] carries the pair and the direction, and prints the
//! `FROM=...,TO=...` label of the completion line.

use crate::list::{Direction, OpServer, Pair, ReplicationList, Volume};
use crate::messages;
use crate::volume::Operand;
use acm_core::msg::Failure;

/// A pair of the list and the direction a command copies it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Position of the pair in the list.
    pub index: usize,
    pub pair: Pair,
    /// Copy from the replica to the original.
    pub reverse: bool,
}

impl Target {
    /// The copy source of this direction.
    pub fn from(&self) -> &Volume {
        if self.reverse {
            &self.pair.replica
        } else {
            &self.pair.original
        }
    }

    /// The copy destination of this direction.
    pub fn to(&self) -> &Volume {
        if self.reverse {
            &self.pair.original
        } else {
            &self.pair.replica
        }
    }

    /// `FROM=dev@srv,TO=dev@srv`, as the completion lines print it.
    pub fn label(&self) -> String {
        format!(
            "FROM={},TO={}",
            self.from().qualified(),
            self.to().qualified()
        )
    }

    /// `dev@srv dev@srv`, as holder records and messages name it.
    pub fn names(&self) -> String {
        format!("{} {}", self.from().qualified(), self.to().qualified())
    }

    /// The same pair in the other direction.
    pub fn reversed(&self) -> Target {
        Target {
            reverse: !self.reverse,
            ..self.clone()
        }
    }

    /// Refuses the reverse direction of a one-way pair (`swsrpsetvol -u`).
    pub fn check_direction(&self) -> Result<(), Failure> {
        if self.reverse && self.pair.direction == Direction::Uni {
            return Err(messages::one_way(&self.names()));
        }
        Ok(())
    }
}

/// The pair named by `from to`, in either order; refused with `swsrp1302` when
/// the list has no such pair.
pub fn of_operands(
    list: &ReplicationList,
    from: &Operand,
    to: &Operand,
) -> Result<Target, Failure> {
    for (index, p) in list.pairs.iter().enumerate() {
        let names = |a: &Volume, b: &Volume| {
            a.is(&from.device, &from.server) && b.is(&to.device, &to.server)
        };
        if names(&p.original, &p.replica) || names(&p.replica, &p.original) {
            return Ok(Target {
                index,
                pair: p.clone(),
                reverse: names(&p.replica, &p.original),
            });
        }
    }
    Err(messages::not_set(&from.qualified(), &to.qualified()))
}

/// Every pair of `group` in list order, in the regular direction or, with
/// `reverse`, the reverse one; refused with `swsrp1304` when the group has no pair.
pub fn of_group(
    list: &ReplicationList,
    group: &str,
    reverse: bool,
) -> Result<Vec<Target>, Failure> {
    let v: Vec<Target> = list
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.group.as_deref() == Some(group))
        .map(|(index, p)| Target {
            index,
            pair: p.clone(),
            reverse,
        })
        .collect();
    if v.is_empty() {
        return Err(messages::no_group(group));
    }
    Ok(v)
}

/// Whether `server` is an operation server of `pair` (`swsrpsetvol -o`). A pair
/// within one server is operated from that server.
pub fn is_operation_server(pair: &Pair, server: &str) -> bool {
    if pair.original.server == pair.replica.server {
        return pair.original.server == server;
    }
    match pair.op_server {
        OpServer::Both => pair.original.server == server || pair.replica.server == server,
        OpServer::Original => pair.original.server == server,
        OpServer::Replica => pair.replica.server == server,
    }
}

/// Whether the pair spans two Managed Servers.
pub fn is_server_to_server(pair: &Pair) -> bool {
    pair.original.server != pair.replica.server
}

/// Refuses a command that only an operation server may issue.
pub fn check_operation_server(t: &Target, server: &str) -> Result<(), Failure> {
    if !is_operation_server(&t.pair, server) {
        return Err(messages::not_operation_server(&t.names(), server));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use acm_host::DeviceKind;
    use acm_model::BoxInfo;

    fn vol(d: &str, s: &str, olu: u32) -> Volume {
        Volume {
            device: d.into(),
            server: s.into(),
            kind: DeviceKind::Disk,
            box_info: BoxInfo {
                box_id: "B".into(),
                olu,
                start_lba: 0,
                blocks: 8,
            },
            size: 4096,
        }
    }

    fn op(d: &str, s: &str, local: bool) -> Operand {
        Operand {
            device: d.into(),
            server: s.into(),
            local,
        }
    }

    fn list() -> ReplicationList {
        let pair = |a, b, g: Option<&str>, o| Pair {
            original: vol(a, "SV1", o),
            replica: vol(b, "SV1", o + 1),
            direction: Direction::Bi,
            op_server: OpServer::Both,
            no_size_check: false,
            group: g.map(str::to_string),
        };
        ReplicationList {
            pairs: vec![
                pair("/dev/hdisk1", "/dev/hdisk2", Some("G"), 1),
                pair("/dev/hdisk3", "/dev/hdisk4", None, 3),
                pair("/dev/hdisk5", "/dev/hdisk6", Some("G"), 5),
            ],
        }
    }

    #[test]
    fn operands_in_either_order() {
        let l = list();
        let t = of_operands(
            &l,
            &op("/dev/hdisk3", "SV1", true),
            &op("/dev/hdisk4", "SV1", true),
        )
        .unwrap();
        assert!(!t.reverse);
        assert_eq!(t.index, 1);
        assert_eq!(t.label(), "FROM=/dev/hdisk3@SV1,TO=/dev/hdisk4@SV1");
        let t = of_operands(
            &l,
            &op("/dev/hdisk4", "SV1", true),
            &op("/dev/hdisk3", "SV1", true),
        )
        .unwrap();
        assert!(t.reverse);
        assert_eq!(t.from().device, "/dev/hdisk4");
        assert_eq!(t.label(), "FROM=/dev/hdisk4@SV1,TO=/dev/hdisk3@SV1");
        let e = of_operands(
            &l,
            &op("/dev/hdisk1", "SV1", true),
            &op("/dev/hdisk4", "SV1", true),
        )
        .unwrap_err();
        assert_eq!(e.message.id, "swsrp1302");
    }

    #[test]
    fn groups_in_list_order() {
        let l = list();
        let g = of_group(&l, "G", false).unwrap();
        assert_eq!(g.iter().map(|t| t.index).collect::<Vec<_>>(), vec![0, 2]);
        assert!(of_group(&l, "G", true).unwrap().iter().all(|t| t.reverse));
        assert_eq!(
            of_group(&l, "H", false).unwrap_err().message.id,
            "swsrp1304"
        );
    }

    #[test]
    fn operation_servers() {
        let mut p = list().pairs[0].clone();
        assert!(is_operation_server(&p, "SV1"));
        assert!(!is_operation_server(&p, "SV2"));
        p.replica.server = "SV2".into();
        p.op_server = OpServer::Original;
        assert!(is_operation_server(&p, "SV1"));
        assert!(!is_operation_server(&p, "SV2"));
        p.op_server = OpServer::Replica;
        assert!(!is_operation_server(&p, "SV1"));
        assert!(is_operation_server(&p, "SV2"));
        p.op_server = OpServer::Both;
        assert!(is_operation_server(&p, "SV1") && is_operation_server(&p, "SV2"));
    }

    #[test]
    fn one_way_pairs_refuse_the_reverse_direction() {
        let l = list();
        let mut t = of_group(&l, "G", true).unwrap().remove(0);
        assert!(t.check_direction().is_ok());
        t.pair.direction = Direction::Uni;
        assert_eq!(t.check_direction().unwrap_err().message.id, "swsrp1402");
        assert!(t.reversed().check_direction().is_ok());
    }
}
