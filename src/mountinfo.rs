//! Reading `/proc/self/mountinfo`: the mounts below a mount point. Pure (`parse`, `children_of`)
//! except for `read_self`, which only reads the file.
//!
//! Fields as proc(5) documents them; paths come octal-escaped (`\040` for a space) and are
//! unescaped to raw bytes, never decoded as UTF-8.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// One line of mountinfo: the fields we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub id: u32,
    pub parent: u32,
    pub mount_point: OsString,
    pub fs_type: String,
}

fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' && i + 3 < field.len() {
            let oct = &field[i + 1..i + 4];
            if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                out.push((oct[0] - b'0') * 64 + (oct[1] - b'0') * 8 + (oct[2] - b'0'));
                i += 4;
                continue;
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

/// Parses mountinfo text; malformed lines are skipped.
pub fn parse(text: &[u8]) -> Vec<Mount> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let sep = f.iter().position(|w| *w == b"-")?;
            if sep < 6 {
                return None;
            }
            Some(Mount {
                id: std::str::from_utf8(f[0]).ok()?.parse().ok()?,
                parent: std::str::from_utf8(f[1]).ok()?.parse().ok()?,
                mount_point: OsString::from_vec(unescape(f[4])),
                fs_type: String::from_utf8_lossy(f.get(sep + 1)?).into_owned(),
            })
        })
        .collect()
}

/// The mounts stacked directly on the topmost mount at `point` (not their descendants), in
/// mountinfo order.
pub fn children_of<'a>(mounts: &'a [Mount], point: &[u8]) -> Vec<&'a Mount> {
    use std::os::unix::ffi::OsStrExt;
    let Some(top) = mounts
        .iter()
        .rev()
        .find(|m| m.mount_point.as_bytes() == point)
    else {
        return Vec::new();
    };
    mounts
        .iter()
        .filter(|m| m.parent == top.id && m.id != top.id)
        .collect()
}

/// The calling process's mount table.
pub fn read_self() -> std::io::Result<Vec<Mount>> {
    Ok(parse(&std::fs::read("/proc/self/mountinfo")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    const SAMPLE: &[u8] = b"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
50 23 0:40 / /sys/fs/bpf rw shared:9 - bpf bpf rw
51 23 0:41 / /sys/my\\040dir\\377 rw - tmpfs x rw
52 27 0:42 / /sysfoo rw - tmpfs x rw
bad line
";

    #[test]
    fn parses_and_unescapes() {
        let m = parse(SAMPLE);
        assert_eq!(m.len(), 6);
        assert_eq!(m[0].fs_type, "sysfs");
        assert_eq!(m[3].fs_type, "bpf");
        assert_eq!(m[4].mount_point.as_bytes(), b"/sys/my dir\xff");
    }

    #[test]
    fn children_are_direct_only_and_of_the_top_mount() {
        let m = parse(SAMPLE);
        let kids: Vec<&[u8]> = children_of(&m, b"/sys")
            .iter()
            .map(|k| k.mount_point.as_bytes())
            .collect();
        assert_eq!(
            kids,
            [&b"/sys/fs/cgroup"[..], b"/sys/fs/bpf", b"/sys/my dir\xff"]
        );
        // A second sysfs stacked on /sys hides the first one's children.
        let mut stacked = SAMPLE.to_vec();
        stacked.extend_from_slice(b"60 23 0:50 / /sys rw - sysfs db rw\n");
        assert!(children_of(&parse(&stacked), b"/sys").is_empty());
        assert!(children_of(&m, b"/nowhere").is_empty());
    }
}
