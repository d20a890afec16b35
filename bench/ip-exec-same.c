/* ip-exec-same.c NAME PROG ARGS...: ip-exec-min.c plus every system call `ip-netns-shim exec`
 * makes beyond it, in its order (strace of `ip-netns-shim exec N /bin/true` on Linux >= 6.8):
 * the closed-stdio probes and the set-ID refusal's ids; the entry's statx, fstatfs and
 * NS_GET_NSTYPE; and, in place of iproute2's detach-and-mount of /sys, the remount that keeps
 * /sys's submounts (/sys/fs/cgroup, bpf, ...) visible, a documented iproute2 bug we fix:
 * statfs and statx (STATX_MNT_ID_UNIQUE) of /sys, listmount of its subtree, statmount of each
 * mount, a new sysfs made detached (fsopen, fsconfig, fsmount), each direct submount opened
 * (open_tree), the new sysfs slid beneath the old (MOVE_MOUNT_BENEATH), the submounts moved
 * onto it, the old one detached; then the look for /etc/netns/NAME. What our steps cost, in
 * C, for bench/ip-exec.sh. Static, no messages beyond errors; needs Linux >= 6.8.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_statmount_ 457
#define SYS_listmount_ 458
#define STATX_MNT_ID_UNIQUE_ 0x4000
#define STATMOUNT_SB_BASIC 0x1
#define STATMOUNT_MNT_BASIC 0x2
#define STATMOUNT_MNT_POINT 0x10
#define FSOPEN_CLOEXEC_ 1
#define FSCONFIG_SET_STRING_ 1
#define FSCONFIG_CMD_CREATE_ 6
#define FSMOUNT_CLOEXEC_ 1
#define MOVE_MOUNT_F_EMPTY_PATH_ 4
#define MOVE_MOUNT_BENEATH_ 0x200
#define OPEN_TREE_CLOEXEC_ O_CLOEXEC

static uint64_t ids[256], buf[1024];

/* statmount(2) of ID asking WANT into buf; 0 on success. */
static long stat_mount(uint64_t id, uint64_t want)
{
	uint64_t req[3] = {24, id, want};
	return syscall(SYS_statmount_, req, buf, sizeof buf, 0);
}

static int fail(const char *what)
{
	perror(what);
	return 255;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct statx sx;
	struct statfs sf;
	int fds[16], nfds = 0;
	char rel[16][256];

	if (argc < 3)
		return 1;
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_GETFD);
	if (getuid() != geteuid() || getgid() != getegid())
		return 2;
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	if (statx(AT_FDCWD, path, 0, STATX_ALL, &sx) < 0)
		return fail(path);
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &sf) < 0 || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET ||
	    setns(fd, CLONE_NEWNET) < 0)
		return fail(path);
	close(fd);
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail("mount namespace");
	if (statfs("/sys", &sf) < 0 ||
	    syscall(SYS_statx, AT_FDCWD, "/sys", 0, STATX_MNT_ID_UNIQUE_, &sx) < 0)
		return fail("/sys");
	uint64_t parent = sx.stx_mnt_id, req[3] = {24, parent, 0};
	long n = syscall(SYS_listmount_, req, ids, 256, 0);
	if (n < 0)
		return fail("listmount");
	for (long i = 0; i < n; i++) {
		if (stat_mount(ids[i], STATMOUNT_MNT_BASIC) < 0)
			return fail("statmount");
		if (buf[6] != parent) /* mnt_parent_id_unique: direct children only */
			continue;
		if (stat_mount(ids[i], STATMOUNT_SB_BASIC | STATMOUNT_MNT_POINT) < 0)
			return fail("statmount");
		const char *point = (const char *)buf + 512 + ((uint32_t *)buf)[27];
		if (nfds < 16 && strncmp(point, "/sys/", 5) == 0)
			snprintf(rel[nfds++], sizeof rel[0], "%s", point + 5);
	}
	int fs = syscall(SYS_fsopen, "sysfs", FSOPEN_CLOEXEC_);
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING_, "source", argv[1], 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE_, NULL, NULL, 0) < 0)
		return fail("sysfs");
	int mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC_, 0);
	close(fs);
	for (int i = 0; i < nfds; i++) {
		snprintf(path, sizeof(path), "/sys/%s", rel[i]);
		fds[i] = syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLOEXEC_);
	}
	if (mnt < 0 || syscall(SYS_move_mount, mnt, "", AT_FDCWD, "/sys",
			       MOVE_MOUNT_F_EMPTY_PATH_ | MOVE_MOUNT_BENEATH_) < 0)
		return fail("move_mount beneath /sys");
	for (int i = 0; i < nfds; i++) {
		if (fds[i] >= 0) {
			syscall(SYS_move_mount, fds[i], "", mnt, rel[i], MOVE_MOUNT_F_EMPTY_PATH_);
			close(fds[i]);
		}
	}
	if (umount2("/sys", MNT_DETACH) < 0)
		return fail("umount /sys");
	close(mnt);
	snprintf(path, sizeof(path), "/etc/netns/%s", argv[1]);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_DIRECTORY);
	if (fd >= 0)
		close(fd);
	execvp(argv[2], argv + 2);
	return fail(argv[2]);
}
