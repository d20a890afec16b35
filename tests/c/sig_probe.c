/* sig_probe.c: what a program inherits across exec. Writes to the file named by argv[1]:
 *   fds: N N ...          the open fds (from /proc/self/fd, before this program opened any)
 *   SigIgn: / SigBlk: / SigCgt: lines of /proc/self/status
 * Used by tests/it/exec_signals.rs to compare the binary with iproute2 and the vspace stand-in
 * with fds 0-2 closed, SIGPIPE ignored and signals blocked. Opens nothing before listing fds.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char fds[4096] = "fds:";
	char status[16384];
	DIR *d;
	struct dirent *e;
	int fd;
	ssize_t n;

	if (argc < 2)
		return 2;
	d = opendir("/proc/self/fd");
	if (!d)
		return 3;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		strncat(fds, " ", sizeof fds - strlen(fds) - 1);
		strncat(fds, e->d_name, sizeof fds - strlen(fds) - 1);
	}
	closedir(d);
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 4;
	n = read(fd, status, sizeof status - 1);
	close(fd);
	if (n <= 0)
		return 5;
	status[n] = 0;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 6;
	dprintf(fd, "%s\n", fds);
	for (char *line = strtok(status, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "SigIgn:", 7) || !strncmp(line, "SigBlk:", 7) ||
		    !strncmp(line, "SigCgt:", 7))
			dprintf(fd, "%s\n", line);
	close(fd);
	return 0;
}
