/* A process whose first thread exits while others live on (sleeping), as a program that calls
 * pthread_exit in main does: /proc/PID/ns/net then leads nowhere, the other threads'
 * /proc/PID/task/TID/ns/net lead to their namespaces (tests/it/zone_down.rs, ip_admin.rs).
 * With an argument, a network namespace file: the first thread made enters it alone (setns),
 * so the first of the other threads is in another namespace than the second. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	const char *away = arg;

	if (away) {
		int fd = open(away, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
			perror(away);
			exit(1);
		}
		close(fd);
	}
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t away, stays;

	if (argc > 1 && pthread_create(&away, NULL, sleeper, argv[1]) != 0)
		return 1;
	if (pthread_create(&stays, NULL, sleeper, NULL) != 0)
		return 1;
	pthread_exit(NULL);
}
