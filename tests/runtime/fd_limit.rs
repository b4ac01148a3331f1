//! `reel::raise_open_file_limit`: the soft limit on open files goes up to
//! the hard one. In its own binary, because it changes this process's
//! RLIMIT_NOFILE.

#[path = "../common/mod.rs"]
mod common;

use common::set_soft_open_file_limit;

#[test]
fn the_soft_limit_is_raised_to_the_hard_one_and_a_second_raise_changes_nothing() {
    let hard = reel::open_file_limit().expect("getrlimit").hard;
    assert!(hard > 256, "this test needs a hard limit above 256, not {hard}");
    set_soft_open_file_limit(256);
    assert_eq!(reel::open_file_limit().expect("getrlimit").soft, 256);
    let raised = reel::raise_open_file_limit().expect("raise");
    assert_eq!(raised, reel::OpenFileLimit { soft: hard, hard });
    assert_eq!(reel::open_file_limit().expect("getrlimit"), raised, "the limit really moved");
    assert_eq!(reel::raise_open_file_limit().expect("again"), raised);
}
