//! The survey a status display takes (`acm_backup::copy::Survey`): each LUN's
//! answer is the one LIST SESSIONS addressed to that LUN gives, whether its box
//! listed it in bulk or it had to be asked on its own (a LUN the box lacks, a
//! box that does not exist, status unobtainable), and OLUs further apart than
//! one LUN SESSIONS covers all come back.

use crate::common;

use acm_backup::copy::{Survey, SURVEY_CHUNK};
use acm_sim::state::{LunKind, Rate};
use common::*;

/// `(survey's answer, LIST SESSIONS answer)` for each LUN, as comparable text.
fn answers(luns: &[(&str, u32)]) -> Vec<(String, String)> {
    let survey = Survey::of(luns.iter().copied());
    luns.iter()
        .map(|(b, olu)| {
            let alone = acm_host::scsi::driver_to(b, *olu)
                .sessions()
                .map_err(|e| e.to_string());
            let surveyed = survey.lun(b, *olu).map_err(|e| e.to_string());
            (format!("{surveyed:?}"), format!("{alone:?}"))
        })
        .collect()
}

#[test]
fn a_survey_answers_as_each_lun_would() {
    let s = configured(4);
    let box_id = {
        let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
        let bid = a.bid_by_name("B1").unwrap();
        // OLUs 4..=4+SURVEY_CHUNK, of one block each: the last lies beyond the
        // range one command covers from OLU 0.
        a.create_luns(&bid, 512, SURVEY_CHUNK + 1, LunKind::Standard)
            .unwrap();
        a.admin(&bid, |st| {
            st.rate = Rate::Paused;
            Ok(())
        })
        .unwrap();
        a.commit().unwrap();
        a.state(&bid).unwrap().box_id.clone()
    };
    ok(&s, "swstdevinfoset", &["-t", "/dev/hdisk1"]);
    ok(&s, "swstdevinfoset", &["-b", "/dev/hdisk2"]);
    ok(&s, "swstbkpolset", &["-s", "1", "/dev/hdisk1"]);
    ok(&s, "swstbackup", &["/dev/hdisk1"]);
    let far = 4 + SURVEY_CHUNK;
    let b = box_id.as_str();
    let nobox = "00ETERNUSDXM##ET44S20A####HK000000######";
    let luns = [(b, 0), (b, 1), (b, 3), (b, far), (b, far + 1), (nobox, 0)];

    let got = with_env(&s, || answers(&luns));
    for (lun, (surveyed, alone)) in luns.iter().zip(&got) {
        assert_eq!(surveyed, alone, "{lun:?}");
    }
    assert!(
        got[0].0.contains("Opc") && got[1].0.contains("Opc"),
        "{got:?}"
    );
    assert_eq!(got[2].0, "Ok([])");
    assert_eq!(got[3].0, "Ok([])");
    assert!(got[4].0.starts_with("Err(") && got[5].0.starts_with("Err("));

    let mut a = acm_sim::Array::open(&s.sim_home()).unwrap();
    let bid = a.bid_by_name("B1").unwrap();
    a.admin(&bid, |st| {
        st.faults.unobtainable = true;
        Ok(())
    })
    .unwrap();
    a.commit().unwrap();
    drop(a);
    let got = with_env(&s, || answers(&luns));
    for (lun, (surveyed, alone)) in luns.iter().zip(&got) {
        assert_eq!(surveyed, alone, "{lun:?} while unobtainable");
    }
    assert!(got[0].0.contains("cannot be obtained"), "{got:?}");
}
