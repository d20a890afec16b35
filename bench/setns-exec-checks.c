/* setns-exec-checks.c NSFILE PROG ARGS...: the floor (setns-exec.c) plus every system call the
 * intercept makes for its safety checks, in its order (strace of `vspace --enter N --net`):
 * the closed-stdio probes, the set-ID refusal's ids, the entry's statx, open, fstatfs and
 * NS_GET_NSTYPE, the opened entry's statx, the host's network namespace (PID 1's, else our
 * own where PID 1's cannot be read), setns, close, execv. What the checks cost, in C.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct statx sx;
	struct statfs sf;

	if (argc < 3)
		return 2;
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_GETFD);
	if (getuid() != geteuid() || getgid() != getegid())
		return 2;
	if (statx(AT_FDCWD, argv[1], 0, STATX_ALL, &sx) < 0) {
		perror(argv[1]);
		return 255;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstatfs(fd, &sf) < 0 || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET ||
	    statx(fd, "", AT_EMPTY_PATH, STATX_ALL, &sx) < 0) {
		perror(argv[1]);
		return 255;
	}
	if (statx(AT_FDCWD, "/proc/1/ns/net", 0, STATX_ALL, &sx) < 0)
		statx(AT_FDCWD, "/proc/self/ns/net", 0, STATX_ALL, &sx);
	if (setns(fd, CLONE_NEWNET) < 0) {
		perror(argv[1]);
		return 255;
	}
	close(fd);
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
