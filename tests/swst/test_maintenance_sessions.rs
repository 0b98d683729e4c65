//! swstsrsemtch against real sessions of the simulated array: a hold whose
//! session was cancelled behind backup management's back is cleared, a hold whose
//! session still exists is kept.
//!
//! The sessions are made in this test process, so it sets `ACM_ROOT` and
//! `ACMSIM_HOME` for itself; the file holds one test so no other test sees them.

use crate::common;

use acm_backup::copy;
use acm_backup::list::Hold;
use acm_backup::maintenance::CopyKind;
use acm_testkit::assert_no_panic;
use common::*;

#[test]
fn srsemtch_clears_a_hold_whose_session_was_cancelled() {
    let s = configured(3);
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk3"]);

    let l = list_store(&s).load().unwrap();
    let td = l.devices["/dev/hdisk1"].box_info.clone();
    let bd2 = l.devices["/dev/hdisk2"].box_info.clone();
    let bd3 = l.devices["/dev/hdisk3"].box_info.clone();
    let id2 = with_env(&s, || {
        let id2 = copy::start(CopyKind::QuickOpc, &td, &bd2).unwrap();
        copy::start(CopyKind::QuickOpc, &td, &bd3).unwrap();
        id2
    });
    let tracking = || {
        Some(Hold::Tracking {
            transaction: "/dev/hdisk1".into(),
        })
    };
    edit_list(&s, |l| {
        l.devices.get_mut("/dev/hdisk2").unwrap().hold = tracking();
        l.devices.get_mut("/dev/hdisk3").unwrap().hold = tracking();
    });
    let shown = ok(&s, "swstdevdisp", &["-b", "-u"]);
    assert_eq!(shown.matches("Backup (used-T)").count(), 2, "{shown}");

    // The array's console cancels the hdisk1 -> hdisk2 session.
    with_env(&s, || {
        copy::cancel(CopyKind::QuickOpc, &td, id2, false).unwrap();
        assert!(matches!(copy::pair(&td, &bd2).unwrap(), copy::Pair::None));
    });

    let out = s.cmd(&acm_testkit::bin("swstsrsemtch")).output().unwrap();
    assert_no_panic(&out);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "swstsrsemtch completed\n"
    );

    let shown = ok(&s, "swstdevdisp", &["-b", "-u"]);
    let row = |dev: &str| {
        tokens(&shown)
            .into_iter()
            .find(|t| t.get(1).map(String::as_str) == Some(dev))
            .unwrap_or_else(|| panic!("{dev} not shown: {shown}"))
            .join(" ")
    };
    assert!(row("/dev/hdisk2").contains("Backup (free)"), "{shown}");
    assert!(row("/dev/hdisk3").contains("Backup (used-T)"), "{shown}");
    let l = list_store(&s).load().unwrap();
    assert!(l.devices["/dev/hdisk2"].hold.is_none());
    assert_eq!(l.devices["/dev/hdisk3"].hold, tracking());
}
