//! stgxfwcmsetdev, stgxfwcmdeldev, stgxfwcmdispdev, stgxfwcmdisppat: SV1's devices
//! fetched by MGR through stgagent in SV1's state root.

use crate::common;

use common::*;

#[test]
fn setdev_fetches_the_managed_servers_devices() {
    let s = registered(2);
    assert_eq!(
        ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]),
        "stgxfwcmsetdev completed\n"
    );
    let t = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"]));
    assert_eq!(
        t[0],
        vec![
            "Device",
            "Type",
            "Size",
            "Box-ID",
            "LUN",
            "VG",
            "Mount-Point"
        ]
    );
    let rows: Vec<(&str, &str, &str, &str)> = t[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[5].as_str(), r[6].as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("/dev/hdisk1", "disk", "0", "/dev/vg01"),
            ("/dev/hdisk2", "disk", "1", "----"),
            ("/dev/vg01", "vg", "0", "----"),
        ]
    );
    assert_eq!(t[1][2..4], ["4.0".to_string(), "Mbyte".to_string()]);
    // -Xjson: the same rows, the size in bytes, dashes as null.
    let j: serde_json::Value =
        serde_json::from_str(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1", "-Xjson"])).unwrap();
    assert_eq!(j.as_array().unwrap().len(), t.len() - 1, "{j}");
    assert_eq!(j[0]["device"], "/dev/hdisk1");
    assert_eq!(j[0]["size"], 4 << 20);
    assert_eq!(j[0]["vg"], "/dev/vg01");
    assert_eq!(j[1]["vg"], serde_json::Value::Null);
    assert_eq!(t[1][4].len(), 40, "box id {:?}", t[1][4]);
    assert_eq!(t[3][7], "/mnt/vg01");
    // One device.
    let t = tokens(&ok(
        &s,
        "stgxfwcmdispdev",
        &["-n", "SV1", "-d", "/dev/hdisk2"],
    ));
    assert_eq!(t.len(), 2);
    assert_eq!(t[1][0], "/dev/hdisk2");
    // The Management Server's own devices (none attached): an empty table.
    ok(&s, "stgxfwcmsetdev", &[]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "MGR"])).len(), 1);
}

#[test]
fn disppat_shows_a_groups_disks_and_logical_volumes() {
    let s = registered(2);
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1"]);
    assert_eq!(
        tokens(&ok(
            &s,
            "stgxfwcmdisppat",
            &["-n", "SV1", "-d", "/dev/vg01"]
        )),
        vec![
            vec!["Device", "Partition", "Type", "Mount-Point"],
            vec!["/dev/vg01", "/dev/hdisk1", "disk", "----"],
            vec!["/dev/vg01", "/dev/lv01", "lv", "/mnt/vg01"],
        ]
    );
    assert_eq!(
        tokens(&ok(
            &s,
            "stgxfwcmdisppat",
            &["-n", "SV1", "-d", "/dev/hdisk2"]
        ))[1],
        vec!["/dev/hdisk2", "/dev/hdisk2", "disk", "----"]
    );
    refused(
        &s,
        "stgxfwcmdisppat",
        &["-n", "SV1", "-d", "/dev/hdisk9"],
        "swstf1010",
        1,
    );
}

#[test]
fn setdev_of_one_device_and_deldev() {
    let s = registered(3);
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1", "-d", "/dev/hdisk3"]);
    let t = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"]));
    assert_eq!(t.len(), 2);
    assert_eq!(t[1][0], "/dev/hdisk3");
    ok(&s, "stgxfwcmsetdev", &["-n", "SV1", "-d", "/dev/hdisk2"]);
    assert_eq!(tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"])).len(), 3);
    assert_eq!(
        ok(&s, "stgxfwcmdeldev", &["-n", "SV1", "-d", "/dev/hdisk3"]),
        "stgxfwcmdeldev completed\n"
    );
    let t = tokens(&ok(&s, "stgxfwcmdispdev", &["-n", "SV1"]));
    assert_eq!(t.len(), 2);
    assert_eq!(t[1][0], "/dev/hdisk2");
    refused(
        &s,
        "stgxfwcmsetdev",
        &["-n", "SV1", "-d", "/dev/hdisk9"],
        "swstf1010",
        1,
    );
    refused(
        &s,
        "stgxfwcmdeldev",
        &["-n", "SV1", "-d", "/dev/hdisk3"],
        "swstf1010",
        1,
    );
    refused(
        &s,
        "stgxfwcmdispdev",
        &["-n", "SV1", "-d", "/dev/hdisk3"],
        "swstf1010",
        1,
    );
    refused(&s, "stgxfwcmsetdev", &["-n", "SV2"], "swstf1002", 1);
    refused(&s, "stgxfwcmdispdev", &["-n", "SV2"], "swstf1002", 1);
    refused_in(&s, &sv1(&s), "stgxfwcmsetdev", &[], "swstf1001");
}
