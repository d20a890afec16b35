/* Runs several commands in interleaved rounds (A B C, A B C, ...) and prints each one's median
 * wall time and its ratio to the others' medians. Usage: ip-exec-time ROUNDS -- CMD... -- CMD...
 * Every run must exit 0. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char **cmds[16];
	int ncmd = 0, rounds, i, r;
	double *t[16], med[16];

	if (argc < 4 || strcmp(argv[2], "--"))
		return 2;
	rounds = atoi(argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = NULL;
			if (ncmd == 16)
				return 2;
			cmds[ncmd++] = &argv[i + 1];
		}
	}
	for (i = 0; i < ncmd; i++)
		t[i] = calloc(rounds, sizeof(double));
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ncmd; i++) {
			struct timespec a, b;
			pid_t pid;
			int st;

			clock_gettime(CLOCK_MONOTONIC, &a);
			if (posix_spawn(&pid, cmds[i][0], NULL, NULL, cmds[i], environ)) {
				perror(cmds[i][0]);
				return 1;
			}
			waitpid(pid, &st, 0);
			clock_gettime(CLOCK_MONOTONIC, &b);
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "%s failed (status %d)\n", cmds[i][0], st);
				return 1;
			}
			t[i][r] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
		}
	}
	for (i = 0; i < ncmd; i++) {
		qsort(t[i], rounds, sizeof(double), cmp);
		med[i] = t[i][rounds / 2];
		printf("%d median %.0f us  (p10 %.0f, p90 %.0f)  %s", i, med[i],
		       t[i][rounds / 10], t[i][rounds * 9 / 10], cmds[i][0]);
		for (char **w = cmds[i] + 1; *w; w++)
			printf(" %s", *w);
		printf("\n");
	}
	for (i = 1; i < ncmd; i++)
		printf("ratio 0/%d %.3f\n", i, med[0] / med[i]);
	return 0;
}
