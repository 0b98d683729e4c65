//! swsrprecbuffstat and swsrprecbuffset (manual 8.3.1.4, 8.3.1.5) through the
//! binaries, against two simulated boxes with REC buffers.

use crate::common;

use acm_scsi::model as m;
use acm_sim::state::{BufferUse, DiskBuffer, RecBuffer};
use common::*;

/// B1: buffer 1 SEND and 2 RECV towards B2, an active REC disk buffer; B2:
/// buffer 1 RECV towards B1. Pair hdisk1 (B1) -> hdisk3 (B2) set.
fn setup() -> (acm_testkit::Scratch, Boxes) {
    let (s, b) = world2(2, 0, 1);
    with_array(&s, |a| {
        let (bid1, bid2) = (a.bid_by_name("B1").unwrap(), a.bid_by_name("B2").unwrap());
        let (id1, id2) = (b.b1.clone(), b.b2.clone());
        a.admin(&bid1, |st| {
            st.rec_buffers.insert(
                1,
                RecBuffer {
                    usage: BufferUse::Send,
                    size_bytes: 64 << 20,
                    remote_box: id2.clone(),
                },
            );
            st.rec_buffers.insert(
                2,
                RecBuffer {
                    usage: BufferUse::Recv,
                    size_bytes: 64 << 20,
                    remote_box: id2.clone(),
                },
            );
            st.disk_buffer = Some(DiskBuffer {
                size_bytes: 256 << 20,
                fault: None,
            });
            Ok(())
        })
        .unwrap();
        a.admin(&bid2, |st| {
            st.rec_buffers.insert(
                1,
                RecBuffer {
                    usage: BufferUse::Recv,
                    size_bytes: 64 << 20,
                    remote_box: id1.clone(),
                },
            );
            Ok(())
        })
        .unwrap();
    });
    ok(&s, "swsrpsetvol", &["/dev/hdisk1", "/dev/hdisk3"]);
    (s, b)
}

#[test]
fn stat_shows_the_box_of_the_volume() {
    let (s, b) = setup();
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["/dev/hdisk1"]));
    assert_eq!(t[0], ["BoxID", "=", b.b1.as_str()]);
    assert_eq!(t[1], ["ID", "Use", "Rate", "RemoteBoxID"]);
    assert_eq!(t[2], ["1", "SEND", "1%", b.b2.as_str()]);
    assert_eq!(t[3], ["2", "RECV", "0%", b.b2.as_str()]);
    assert_eq!(t.len(), 4);
    // -L after the operand, as in the manual's examples; -h naming this server.
    let t = tokens(&ok(
        &s,
        "swsrprecbuffstat",
        &["/dev/hdisk1@SV1", "-L", "-h", "SV1"],
    ));
    assert_eq!(
        t[1],
        ["ID", "Use", "Rate", "RemoteBoxID", "DiskBuff", "DiskRate"]
    );
    assert_eq!(t[2], ["1", "SEND", "1%", b.b2.as_str(), "active", "0%"]);
    assert_eq!(t[3], ["2", "RECV", "0%", b.b2.as_str(), "---", "---"]);
    // The replica on the other box shows that box.
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["/dev/hdisk3"]));
    assert_eq!(t[0], ["BoxID", "=", b.b2.as_str()]);
    assert_eq!(t[2], ["1", "RECV", "0%", b.b1.as_str()]);
}

/// Manual 8.3.1.4: a SEND buffer's Rate "is never 0%, even if REC is not being
/// performed in Consistency mode"; a RECV buffer always shows 0%. An idle SEND
/// buffer, one just turned from RECV, shows the floor of 1%.
#[test]
fn send_rate_is_never_zero() {
    let (s, b) = setup();
    for args in [&["/dev/hdisk1"][..], &["-L", "/dev/hdisk1"]] {
        let t = tokens(&ok(&s, "swsrprecbuffstat", args));
        assert_eq!(t[2][..3], ["1", "SEND", "1%"], "{args:?}");
        assert_eq!(t[3][..3], ["2", "RECV", "0%"], "{args:?}");
    }
    ok(
        &s,
        "swsrprecbuffset",
        &["-Xbuffid", "1", "-Xbuffuse", "SEND", "/dev/hdisk3"],
    );
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["/dev/hdisk3"]));
    assert_eq!(t[2], ["1", "SEND", "1%", b.b1.as_str()]);
}

#[test]
fn only_replication_volumes_of_this_server() {
    let (s, _) = setup();
    refused(&s, "swsrprecbuffstat", &["/dev/hdisk2"], "swsrp1801", 1);
    refused(&s, "swsrprecbuffstat", &["/dev/hdisk1@SV2"], "swsrp1801", 1);
    refused(
        &s,
        "swsrprecbuffset",
        &["-Xbuffid", "1", "-Xbuffuse", "RECV", "/dev/hdisk2"],
        "swsrp1801",
        1,
    );
    refused(&s, "swsrprecbuffstat", &[], "swsrp0002", 2);
    refused(
        &s,
        "swsrprecbuffstat",
        &["-h", "OTHER", "/dev/hdisk1"],
        "swsrp0906",
        1,
    );
}

#[test]
fn set_changes_the_use() {
    let (s, b) = setup();
    assert_eq!(
        ok(
            &s,
            "swsrprecbuffset",
            &["-Xbuffid", "1", "-Xbuffuse", "RECV", "/dev/hdisk1"]
        ),
        "swsrprecbuffset completed\n"
    );
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["-L", "/dev/hdisk1"]));
    assert_eq!(t[2], ["1", "RECV", "0%", b.b2.as_str(), "---", "---"]);
    ok(
        &s,
        "swsrprecbuffset",
        &["/dev/hdisk3@SV1", "-Xbuffid", "1", "-Xbuffuse", "SEND"],
    );
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["/dev/hdisk3"]));
    assert_eq!(t[2][1], "SEND");
}

#[test]
fn set_usage_errors_and_unknown_buffer() {
    let (s, _) = setup();
    for args in [
        &["-Xbuffid", "1", "/dev/hdisk1"][..],
        &["-Xbuffuse", "SEND", "/dev/hdisk1"],
        &["-Xbuffid", "x", "-Xbuffuse", "SEND", "/dev/hdisk1"],
        &["-Xbuffid", "1", "-Xbuffuse", "send", "/dev/hdisk1"],
        &["-Xbuffid", "1", "-Xbuffuse", "SEND"],
    ] {
        refused(&s, "swsrprecbuffset", args, "swsrp0002", 2);
    }
    refused(
        &s,
        "swsrprecbuffset",
        &["-Xbuffid", "9", "-Xbuffuse", "SEND", "/dev/hdisk1"],
        "swsrp1803",
        1,
    );
}

#[test]
fn set_refused_while_a_consistency_session_runs() {
    let (s, b) = setup();
    let (_, olu1) = lun_of(&s, "/dev/hdisk1");
    let (_, olu3) = lun_of(&s, "/dev/hdisk3");
    let ext = |id: &str, olu| m::Extent {
        box_id: m::BoxId::parse(id).unwrap(),
        olu,
        start_lba: 0,
        blocks: LUN / 512,
    };
    let req = m::StartRequest {
        kind: m::CopyKind::Rec,
        src: ext(&b.b1, olu1),
        dst: ext(&b.b2, olu3),
        rec: Some(m::RecModes {
            transfer: m::Transfer::Consistency,
            split: m::Split::Auto,
            recovery: m::Recovery::Auto,
        }),
        dest_access: m::DestAccess::ReadOnly,
        skip_initial_copy: false,
        define_only: false,
    };
    with_array(&s, |a| {
        let bid1 = a.bid_by_name("B1").unwrap();
        a.start(&bid1, &req).unwrap();
    });
    let e = refused(
        &s,
        "swsrprecbuffset",
        &["-Xbuffid", "1", "-Xbuffuse", "RECV", "/dev/hdisk1"],
        "swsrp1804",
        1,
    );
    assert!(e.contains("Consistency"), "{e}");
    // The other box's end is refused too.
    refused(
        &s,
        "swsrprecbuffset",
        &["-Xbuffid", "1", "-Xbuffuse", "SEND", "/dev/hdisk3"],
        "swsrp1804",
        1,
    );
    // Display still works.
    let t = tokens(&ok(&s, "swsrprecbuffstat", &["/dev/hdisk1"]));
    assert_eq!(t[2][1], "SEND");
}
