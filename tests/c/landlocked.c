/* Runs ARGV in a Landlock domain of its own: the program may then look at no process outside
 * it (ptrace's read access: /proc/PID/ns/net and the like), as under a security module's
 * policy that denies root a look (tests/it/fail_closed.rs). The domain handles one right
 * nobody uses (making block devices) and grants nothing else away. Exits 77 where the kernel
 * has no Landlock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

int main(int argc, char **argv)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK,
	};
	long fd;

	if (argc < 2) {
		fprintf(stderr, "usage: landlocked PROGRAM [ARG...]\n");
		return 2;
	}
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0) {
		fprintf(stderr, "landlocked: no Landlock here: %s\n", strerror(errno));
		return (errno == ENOSYS || errno == EOPNOTSUPP) ? 77 : 1;
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		fprintf(stderr, "landlocked: landlock_restrict_self: %s\n", strerror(errno));
		return 1;
	}
	close((int)fd);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "landlocked: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
