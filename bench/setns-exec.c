/* setns-exec.c NSFILE PROG ARGS...: the floor for entering a named netns and running a program.
 * The least any tool can do: open the entry, setns(2), execv(2). No checks, no messages beyond
 * perror. Built by vspace-exec.sh with the system's cc (dynamically linked, like most C tools).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		perror(argv[1]);
		return 255;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 255;
}
