//! The mount table: which mounts sit directly on a mount point. Pure (`parse`, `children_of`)
//! except for `read_self` and `submounts`, which only read.
//!
//! `submounts` asks the kernel for just those mounts (statx STATX_MNT_ID_UNIQUE, listmount,
//! statmount: Linux >= 6.8), which costs a few syscalls instead of the text of the whole table,
//! and falls back to `/proc/self/mountinfo` on older kernels. Mountinfo fields as proc(5)
//! documents them; paths come octal-escaped (`\040` for a space) and are unescaped to raw
//! bytes, never decoded as UTF-8.

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
    use std::io::Read;
    // One large read instead of std's doubling from the reported size 0.
    let mut text = Vec::with_capacity(64 * 1024);
    std::fs::File::open("/proc/self/mountinfo")?.read_to_end(&mut text)?;
    Ok(parse(&text))
}

/// A mount directly on another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submount {
    pub mount_point: OsString,
    pub sysfs: bool,
}

/// Where [`submounts_from`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// listmount/statmount when the kernel has them (>= 6.8), else mountinfo.
    Auto,
    /// listmount/statmount only: `None` from [`listmount_children`] when unusable.
    Listmount,
    /// `/proc/self/mountinfo` only: the fallback, forced (what older kernels get).
    Mountinfo,
}

/// The mounts stacked directly on the topmost mount at `point` (an absolute path).
pub fn submounts(point: &[u8]) -> std::io::Result<Vec<Submount>> {
    submounts_from(point, Source::Auto)
}

/// [`submounts`] from the given source (`Listmount` falls back to nothing: an error).
pub fn submounts_from(point: &[u8], source: Source) -> std::io::Result<Vec<Submount>> {
    if source != Source::Mountinfo {
        if let Some(found) = listmount::children(point) {
            return Ok(found);
        }
        if source == Source::Listmount {
            return Err(std::io::Error::from_raw_os_error(libc::ENOSYS));
        }
    }
    let mounts = read_self()?;
    Ok(children_of(&mounts, point)
        .into_iter()
        .map(|m| Submount {
            mount_point: m.mount_point.clone(),
            sysfs: m.fs_type == "sysfs",
        })
        .collect())
}

/// listmount(2)/statmount(2), Linux >= 6.8; `None` whenever they are not usable here.
mod listmount {
    use super::Submount;
    use crate::bytes::{u32_at, u64_at};
    use std::ffi::{CString, OsString};
    use std::os::unix::ffi::OsStringExt;

    const SYS_STATMOUNT: libc::c_long = 457;
    const SYS_LISTMOUNT: libc::c_long = 458;
    const STATMOUNT_SB_BASIC: u64 = 0x1;
    const STATMOUNT_MNT_BASIC: u64 = 0x2;
    const STATMOUNT_MNT_POINT: u64 = 0x10;
    const SYSFS_MAGIC: u64 = 0x6265_6572;
    /// struct mnt_id_req, version 0: size, spare, mnt_id, param.
    const REQ_SIZE: u32 = 24;
    /// Fixed part of struct statmount; the strings follow it.
    const SM_FIXED: usize = 512;

    fn req(mnt_id: u64, param: u64) -> [u64; 3] {
        [u64::from(REQ_SIZE), mnt_id, param]
    }

    fn unique_mount_id(point: &[u8]) -> Option<u64> {
        let c = CString::new(point).ok()?;
        // SAFETY: statx is plain old data; zeroed is a valid value for it.
        let mut stx: libc::statx = unsafe { std::mem::zeroed() };
        // The raw syscall: in a static build the libc wrapper can resolve to a null weak symbol
        // (std declares statx weak).
        // SAFETY: the path is NUL-terminated and `stx` is writable for the whole call.
        let r = unsafe {
            libc::syscall(
                libc::SYS_statx,
                libc::AT_FDCWD,
                c.as_ptr(),
                0,
                libc::STATX_MNT_ID_UNIQUE,
                &mut stx as *mut libc::statx,
            )
        };
        (r == 0 && stx.stx_mask & libc::STATX_MNT_ID_UNIQUE != 0).then_some(stx.stx_mnt_id)
    }

    /// statmount(2) of `id` with `want`, into `buf`; the bytes, when everything asked came back.
    fn stat(id: u64, want: u64, buf: &mut [u64]) -> Option<&[u8]> {
        let r = req(id, want);
        // SAFETY: `r` is a valid mnt_id_req (its size field first, native endian, in a u64 array
        // of the same layout); `buf` is writable for its size in bytes.
        let rc = unsafe {
            libc::syscall(
                SYS_STATMOUNT,
                r.as_ptr(),
                buf.as_mut_ptr(),
                buf.len() * 8,
                0u32,
            )
        };
        if rc < 0 {
            return None;
        }
        // SAFETY: a u64 buffer viewed as bytes, within its length.
        let b: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast(), buf.len() * 8) };
        (u64_at(b, 8)? & want == want).then_some(b)
    }

    pub fn children(point: &[u8]) -> Option<Vec<Submount>> {
        let parent = unique_mount_id(point)?;
        let mut ids = [0u64; 256];
        let r = req(parent, 0);
        // SAFETY: `r` is a valid mnt_id_req (its size field first, native endian on a u64
        // array of the same layout), `ids` is writable for its length.
        let n =
            unsafe { libc::syscall(SYS_LISTMOUNT, r.as_ptr(), ids.as_mut_ptr(), ids.len(), 0u32) };
        if n < 0 || n as usize >= ids.len() {
            return None;
        }
        let mut out = Vec::new();
        let mut buf = vec![0u64; 1024];
        for &id in &ids[..n as usize] {
            // listmount lists the whole subtree: the parent first (no strings to format), then
            // the rest for direct children only.
            if u64_at(stat(id, STATMOUNT_MNT_BASIC, &mut buf)?, 48)? != parent {
                continue;
            }
            let b = stat(id, STATMOUNT_SB_BASIC | STATMOUNT_MNT_POINT, &mut buf)?;
            let start = SM_FIXED + u32_at(b, 108)? as usize;
            let end = b[start..].iter().position(|&c| c == 0)? + start;
            out.push(Submount {
                mount_point: OsString::from_vec(b[start..end].to_vec()),
                sysfs: u64_at(b, 24)? == SYSFS_MAGIC,
            });
        }
        Some(out)
    }
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

    /// Whether this kernel is at least `major.minor` (from uname's release).
    fn kernel_at_least(major: u32, minor: u32) -> bool {
        let uts = nix::sys::utsname::uname().unwrap();
        let release = uts.release().to_string_lossy().into_owned();
        let mut parts = release
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (a, b) >= (major, minor)
    }

    /// The forced mountinfo fallback gives what the parsed table says, on any kernel; listmount,
    /// where the kernel has it (>= 6.8, then it must work), gives the same.
    #[test]
    fn the_kernel_and_mountinfo_agree_on_sys() {
        let text = std::fs::read("/proc/self/mountinfo").unwrap();
        let mounts = parse(&text);
        let mut want: Vec<Submount> = children_of(&mounts, b"/sys")
            .into_iter()
            .map(|m| Submount {
                mount_point: m.mount_point.clone(),
                sysfs: m.fs_type == "sysfs",
            })
            .collect();
        want.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
        let sorted = |mut v: Vec<Submount>| {
            v.sort_by(|a, b| a.mount_point.cmp(&b.mount_point));
            v
        };
        assert_eq!(
            sorted(submounts_from(b"/sys", Source::Mountinfo).unwrap()),
            want
        );
        assert_eq!(sorted(submounts(b"/sys").unwrap()), want);
        match submounts_from(b"/sys", Source::Listmount) {
            Ok(got) => assert_eq!(sorted(got), want),
            Err(e) => assert!(
                !kernel_at_least(6, 8),
                "listmount unusable on a kernel that has it: {e}"
            ),
        }
    }
}
