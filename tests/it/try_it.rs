//! `docs/try-it.md`, the recipe a new admin follows, run as written: every ```sh block of the
//! document, in order, in one `sh -eu` session, with the binary under test first in `PATH`.
//! It runs as PID 1 of a private PID, mount and network namespace (a fresh tmpfs on `/run`,
//! `/` shared as systemd makes it), so the machine's `/run/netns` and links are never touched
//! and nothing can be left behind. The recipe checks its own key facts (`test ...`); this test
//! adds what the reader is told to look at: the MAC, the guests' zones, where vprocunhide ran,
//! and that the real vspace got no call.

use crate::common::*;

#[test]
fn the_recipe_runs_as_written() {
    let recipe = docs::sh_blocks_of("try-it.md");
    // The blocks the reader is promised: the phases, the start chain, the clean-up.
    for line in [
        "vspace-netns hook initialize web",
        "\"$T/vspace\" --enter try-dmz --net -- sleep 600 &",
        "vspace-netns hook post-stop mail",
        "rm -rf \"$T\"",
    ] {
        assert!(recipe.contains(line), "the recipe lost '{line}':\n{recipe}");
    }
    let (c, out, _names) = docs::run_on_private_host(&recipe, &[]);
    let ctx = show(&c, &out);
    assert!(out.status.success(), "the recipe failed:\n{ctx}");
    assert_no_panic(&c, &out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // show: the derived MAC and the guests that name the zone.
    assert!(
        stdout.contains("    link dmz0: macvlan on trytrunk mode bridge, mac 02:00:00:00:02:00 (derived), 192.0.2.10/24"),
        "{ctx}"
    );
    assert!(stdout.contains("    guest mail\n    guest web\n"), "{ctx}");
    // The guests' processes ran in their zones; db's chain saw only its zone's address.
    assert_eq!(
        stdout.lines().filter(|l| *l == "try-dmz").count(),
        2,
        "{ctx}"
    );
    assert!(stdout.contains("198.51.100.10/24"), "{ctx}");
    // vprocunhide ran once in each zone; the real vspace got no call.
    assert_eq!(
        stdout.matches("vprocunhide ran in net:[").count(),
        2,
        "{ctx}"
    );
    assert!(!stdout.contains("the real vspace got"), "{ctx}");
    // The stop: web's post-stop kept the zone for mail, mail's took it down.
    assert!(
        stdout.contains("# zone try-dmz kept: processes still use it"),
        "{ctx}"
    );
    assert!(stdout.contains("ip netns delete try-dmz"), "{ctx}");
    assert!(stdout.contains("ip netns delete try-lan"), "{ctx}");
}

#[test]
fn blocks_are_found_in_order() {
    let text = "a\n```sh\none\ntwo\n```\n```text\nnot\n```\n```sh\nthree\n```\n";
    assert_eq!(docs::sh_blocks(text), "one\ntwo\n\nthree\n\n");
}
