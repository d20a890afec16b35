/* The least a program can do to run a command the way `ip netns exec NAME CMD` does: open the
 * entry, setns, unshare the mount namespace, make / rslave, detach /sys and mount a sysfs of
 * the namespace, exec. No name check, no messages beyond errors: the benchmark's floor. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096];
	int fd;

	if (argc < 3)
		return 1;
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		perror(path);
		return 255;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		perror("mount namespace");
		return 255;
	}
	umount2("/sys", MNT_DETACH);
	if (mount(argv[1], "/sys", "sysfs", 0, NULL) < 0) {
		perror("mount /sys");
		return 255;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 1;
}
