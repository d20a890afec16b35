//! How the binary under test is linked (build.rs passes link/intercept.ld): the code of a
//! guest start's calls lies in one section, `.text.intercept`, and a static build (the
//! release one) enters there. Guards the wiring, not the speed (`make bench-floor` shows the
//! page faults). Pure: reads the binary's ELF headers.

use crate::common::bin;

const SHF_ALLOC: u64 = 0x2;
const SHF_EXECINSTR: u64 = 0x4;
const PT_INTERP: u32 = 3;

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap()).into()
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// A section header's name, flags, address and size.
struct Section {
    name: Vec<u8>,
    flags: u64,
    addr: u64,
    size: u64,
}

/// The sections, the entry point and whether there is a program interpreter, of a 64-bit
/// little-endian ELF file (x86_64, the project's target).
fn read_elf(b: &[u8]) -> (Vec<Section>, u64, bool) {
    assert_eq!(
        &b[..6],
        b"\x7fELF\x02\x01",
        "not a 64-bit little-endian ELF file"
    );
    let entry = u64_at(b, 0x18);
    let (phoff, phsize, phnum) = (u64_at(b, 0x20) as usize, u16_at(b, 0x36), u16_at(b, 0x38));
    let (shoff, shsize, shnum) = (u64_at(b, 0x28) as usize, u16_at(b, 0x3a), u16_at(b, 0x3c));
    let interp = (0..phnum).any(|i| u32_at(b, phoff + i * phsize) == PT_INTERP);
    let header = |i: usize| &b[shoff + i * shsize..shoff + (i + 1) * shsize];
    let names = header(u16_at(b, 0x3e));
    let names = &b[u64_at(names, 0x18) as usize..][..u64_at(names, 0x20) as usize];
    let sections = (0..shnum)
        .map(|i| {
            let h = header(i);
            let name = &names[u32_at(h, 0) as usize..];
            Section {
                name: name[..name.iter().position(|&c| c == 0).unwrap()].to_vec(),
                flags: u64_at(h, 0x08),
                addr: u64_at(h, 0x10),
                size: u64_at(h, 0x20),
            }
        })
        .collect();
    (sections, entry, interp)
}

#[test]
fn the_code_of_a_guest_start_lies_in_one_section() {
    let image = std::fs::read(bin()).unwrap();
    let (sections, entry, interp) = read_elf(&image);
    let s = sections
        .iter()
        .find(|s| s.name == b".text.intercept")
        .expect("no .text.intercept: the binary was not linked with link/intercept.ld");
    assert_eq!(
        s.flags & (SHF_ALLOC | SHF_EXECINSTR),
        SHF_ALLOC | SHF_EXECINSTR
    );
    assert!(
        s.size > 0,
        ".text.intercept is empty: no name of the layout matched"
    );
    if !interp {
        // Static: glibc's start-up is named by the layout, so the program starts in it.
        assert!(
            (s.addr..s.addr + s.size).contains(&entry),
            "the entry point {entry:#x} lies outside .text.intercept ({:#x}, {} bytes)",
            s.addr,
            s.size
        );
    }
}
