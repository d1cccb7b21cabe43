//! Regression tests for edge cases found in review: hostile counters, inactive arrays, drives
//! sharing a controller path, caller-supplied output caps.

use super::arrays::{parse_mdstat, parse_var_ini};
use crate::model::drives::Drive;
use crate::ondemand::OutputCaps;

#[test]
fn unraid_counters_at_u32_max_mean_degraded_without_overflow() {
    let lines = ["mdState=\"STARTED\"", "mdNumDisabled=\"4294967295\"", "mdNumMissing=\"1\""];
    let mut warnings = Vec::new();
    let array = parse_var_ini(&lines, 1, &mut warnings);
    assert!(array.degraded, "{array:?}");
}

#[test]
fn an_inactive_md_array_is_not_whole() {
    let lines = [
        "Personalities : [raid1]",
        "md0 : inactive sdb1[1](S)",
        "      1046528 blocks super 1.2",
        "",
    ];
    let (arrays, _) = parse_mdstat(&lines, 1);
    assert_eq!(arrays.len(), 1);
    assert!(!arrays[0].active && arrays[0].degraded, "{:?}", arrays[0]);
}

#[test]
fn drives_without_serial_behind_one_controller_have_distinct_keys() {
    let disk = |ty: &str| Drive {
        device: "/dev/bus/0".into(),
        dev_type: Some(ty.into()),
        serial: None,
        ..Drive::default()
    };
    assert_ne!(disk("megaraid,0").key(), disk("megaraid,1").key());
}

#[test]
fn caller_caps_are_bounded() {
    assert!(OutputCaps::default().validate().is_ok());
    for caps in [
        OutputCaps { max_lines: 0, max_bytes: 1024 },
        OutputCaps { max_lines: 10, max_bytes: 0 },
        OutputCaps { max_lines: usize::MAX, max_bytes: 1024 },
        OutputCaps { max_lines: 10, max_bytes: usize::MAX },
    ] {
        let err = caps.validate().unwrap_err();
        assert!(err.to_string().contains("must be between 1 and"), "{err}");
    }
}
